package io.etcdj.raft.wal;

import static io.etcdj.raft.wal.WalFixtures.SMALL;
import static io.etcdj.raft.wal.WalFixtures.entries;
import static io.etcdj.raft.wal.WalFixtures.hardState;
import static io.etcdj.raft.wal.WalFixtures.segmentFiles;
import static io.etcdj.raft.wal.WalFixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * etcd's {@code --max-wals} purge: released segments are deleted only while more than the limit
 * exist (0 keeps all), segments still holding entries after the snapshot never are, and a restart
 * over the retained files reads the same log.
 */
class WalRetentionTest {
  @TempDir Path dir;

  /** Writes 2,000 entries of 300 bytes (many SMALL segments) and snapshots at 1,400. */
  private int writeAndSnapshot(Wal wal) throws IOException {
    for (long i = 1; i <= 2000; i += 100) {
      wal.append(hardState(1, 1, i + 99), entries(i, i + 99, 1, 300));
      wal.sync();
    }
    wal.saveSnapshot(snapshot(1400, 1));
    return segmentFiles(dir).size();
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 5})
  void keepsAtMostTheLimitOfReleasedSegments(int filesMax) throws IOException {
    try (Wal wal = Wal.open(dir, SMALL)) {
      int before = writeAndSnapshot(wal);
      int purged = wal.releaseTo(1400, filesMax);
      int left = segmentFiles(dir).size();
      assertTrue(purged > 0, "something was released of " + before + " segments");
      assertEquals(before - purged, left);
      assertEquals(wal.segmentCount(), left);
      wal.releaseTo(1400, 1); // purges the rest: what is left now is what the log needs
      int needed = segmentFiles(dir).size();
      assertTrue(needed > 1, "the test needs entries after the snapshot in several segments");
      assertEquals(Math.max(filesMax, needed), left, "keeps the limit, or what is needed");
    }
    try (Wal wal = Wal.open(dir, SMALL)) {
      assertEquals(entries(1401, 2000, 1, 300), wal.contents().entries());
    }
  }

  @Test
  void zeroKeepsEveryFileAndTheLogStillReads() throws IOException {
    int before;
    try (Wal wal = Wal.open(dir, SMALL)) {
      before = writeAndSnapshot(wal);
      assertEquals(0, wal.releaseTo(1400, 0));
    }
    assertEquals(before, segmentFiles(dir).size());
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalContents c = wal.contents();
      assertEquals(snapshot(1400, 1), c.snapshot());
      assertEquals(entries(1401, 2000, 1, 300), c.entries());
    }
  }

  @Test
  void neverDeletesASegmentHoldingEntriesAfterTheSnapshot() throws IOException {
    try (Wal wal = Wal.open(dir, SMALL)) {
      for (long i = 1; i <= 2000; i += 100) {
        wal.append(hardState(1, 1, i + 99), entries(i, i + 99, 1, 300));
        wal.sync();
      }
      wal.saveSnapshot(snapshot(10, 1)); // almost nothing is released
      int before = segmentFiles(dir).size();
      wal.releaseTo(10, 1);
      assertTrue(segmentFiles(dir).size() >= before - 1, "only the first segment can go");
    }
    try (Wal wal = Wal.open(dir, SMALL)) {
      assertEquals(entries(11, 2000, 1, 300), wal.contents().entries());
    }
  }
}
