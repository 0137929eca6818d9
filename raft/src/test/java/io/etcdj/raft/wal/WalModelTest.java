package io.etcdj.raft.wal;

import static io.etcdj.raft.wal.WalFixtures.entry;
import static io.etcdj.raft.wal.WalFixtures.hardState;
import static io.etcdj.raft.wal.WalFixtures.segmentFiles;
import static io.etcdj.raft.wal.WalFixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.SnapshotMetadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Seeded random operations (appends, conflicting appends, hard states, snapshots, releases,
 * segment rolls) checked against a plain in-memory model of the Raft log, across repeated close or
 * crash-after-sync and reopen cycles.
 */
class WalModelTest {
  @TempDir Path dir;

  private final List<LogEntry> model = new ArrayList<>(); // entries after the snapshot
  private SnapshotMetadata modelSnapshot;
  private HardState modelHardState = HardState.getDefaultInstance();
  private long term = 1;

  private long snapshotIndex() {
    return modelSnapshot == null ? 0 : modelSnapshot.getIndex();
  }

  private long lastIndex() {
    return model.isEmpty() ? snapshotIndex() : model.get(model.size() - 1).getIndex();
  }

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 42})
  void randomOperationsMatchTheModelAcrossRestarts(long seed) throws IOException {
    Random rnd = new Random(seed);
    WalOptions options = new WalOptions(16 << 10, rnd.nextBoolean());
    int maxSegments = 0;
    for (int round = 0; round < 25; round++) {
      Wal wal = Wal.open(dir, options);
      WalContents c = wal.contents();
      assertEquals(modelSnapshot, c.snapshot(), "round " + round);
      assertEquals(modelHardState, c.hardState(), "round " + round);
      assertEquals(model, c.entries(), "round " + round);
      assertEquals(lastIndex(), wal.lastIndex(), "round " + round);
      for (int op = 0; op < 20; op++) {
        step(wal, rnd);
      }
      wal.sync();
      maxSegments = Math.max(maxSegments, wal.segmentCount());
      if (rnd.nextBoolean()) {
        wal.close();
      } else {
        wal.crashForTesting();
      }
    }
    assertTrue(maxSegments >= 3, "segments rolled: " + maxSegments);
    assertTrue(segmentFiles(dir).size() <= maxSegments);
  }

  private void step(Wal wal, Random rnd) {
    int dice = rnd.nextInt(10);
    if (dice < 6) { // append, sometimes conflicting with the tail
      long first = lastIndex() + 1;
      if (dice == 0 && lastIndex() > snapshotIndex()) {
        first = snapshotIndex() + 1 + rnd.nextInt((int) (lastIndex() - snapshotIndex()));
        term++;
      }
      List<LogEntry> batch = new ArrayList<>();
      int n = 1 + rnd.nextInt(20);
      for (int i = 0; i < n; i++) {
        batch.add(entry(first + i, term, rnd.nextInt(1200)));
      }
      HardState hs = rnd.nextBoolean() ? null : hardState(term, rnd.nextInt(5), first - 1);
      wal.append(hs, batch);
      model.subList((int) (first - snapshotIndex() - 1), model.size()).clear();
      model.addAll(batch);
      if (hs != null) {
        modelHardState = hs;
      }
    } else if (dice < 8) {
      wal.sync();
    } else if (dice == 8 && lastIndex() > snapshotIndex()) { // snapshot inside the log, release
      long index = snapshotIndex() + 1 + rnd.nextInt((int) (lastIndex() - snapshotIndex()));
      SnapshotMetadata s = snapshot(index, term);
      wal.saveSnapshot(s);
      model.subList(0, (int) (index - snapshotIndex())).clear();
      modelSnapshot = s;
      wal.releaseTo(rnd.nextBoolean() ? index : index / 2);
    } else if (dice == 9 && rnd.nextInt(4) == 0) { // snapshot ahead of the log (installed)
      SnapshotMetadata s = snapshot(lastIndex() + 1 + rnd.nextInt(50), ++term);
      wal.saveSnapshot(s);
      model.clear();
      modelSnapshot = s;
      wal.releaseTo(s.getIndex());
    }
    assertEquals(lastIndex(), wal.lastIndex());
  }
}
