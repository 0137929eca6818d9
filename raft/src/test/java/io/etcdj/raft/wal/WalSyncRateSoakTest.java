package io.etcdj.raft.wal;

import static io.etcdj.raft.wal.WalFixtures.entry;
import static io.etcdj.raft.wal.WalFixtures.hardState;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.internal.LogEntry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures appends/s and syncs/s with default options (64 MiB preallocated segments) for 300-byte
 * entries, one entry per sync and 100 entries per sync (group commit). Excluded by default; run
 * with {@code ./mvnw -B -q -pl raft test -Psoak -Dtest=WalSyncRateSoakTest}.
 */
@Tag("soak")
class WalSyncRateSoakTest {
  private static final int ENTRY_DATA_BYTES = 300;
  private static final long RUN_NANOS = 3_000_000_000L;

  @TempDir Path dir;

  @Test
  void oneEntryPerSync() {
    report("1 entry/sync", measure(1));
  }

  @Test
  void hundredEntriesPerSync() {
    report("100 entries/sync", measure(100));
  }

  /** The floor under the WAL: pwrite of 376 bytes + fdatasync into a preallocated file. */
  @Test
  void rawWriteAndForceBaseline() throws java.io.IOException {
    Path file = dir.resolve("raw");
    try (java.nio.channels.FileChannel ch =
        java.nio.channels.FileChannel.open(
            file,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.READ,
            java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer zeros = java.nio.ByteBuffer.allocateDirect(1 << 20);
      for (long p = 0; p < (64 << 20); p += zeros.capacity()) {
        zeros.clear();
        ch.write(zeros, p);
      }
      ch.force(true);
      java.nio.ByteBuffer rec = java.nio.ByteBuffer.allocateDirect(376);
      long pos = 0;
      long syncs = 0;
      long start = System.nanoTime();
      while (System.nanoTime() - start < RUN_NANOS) {
        rec.clear();
        ch.write(rec, pos);
        ch.force(false);
        pos += 376;
        syncs++;
      }
      report("raw pwrite+force", new Rate(syncs, syncs, System.nanoTime() - start, pos));
    }
  }

  private record Rate(long entries, long syncs, long nanos, long bytes) {}

  private Rate measure(int entriesPerSync) {
    List<LogEntry> pool = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      pool.add(entry(i + 1, 1, ENTRY_DATA_BYTES));
    }
    long index = 0;
    Rate rate;
    try (Wal wal = Wal.open(dir, WalOptions.defaults())) {
      // Warm up (JIT, first-touch of the preallocated file) before timing.
      index = run(wal, index, entriesPerSync, pool, 500_000_000L);
      long syncs0 = wal.syncCount();
      long bytes0 = wal.bytesWritten();
      long start = System.nanoTime();
      long index0 = index;
      index = run(wal, index, entriesPerSync, pool, RUN_NANOS);
      long nanos = System.nanoTime() - start;
      rate = new Rate(index - index0, wal.syncCount() - syncs0, nanos, wal.bytesWritten() - bytes0);
    }
    try (Wal wal = Wal.open(dir, WalOptions.defaults())) {
      assertEquals(index, wal.contents().entries().size());
    }
    return rate;
  }

  private static long run(Wal wal, long index, int perSync, List<LogEntry> pool, long nanos) {
    long deadline = System.nanoTime() + nanos;
    List<LogEntry> batch = new ArrayList<>(perSync);
    while (System.nanoTime() < deadline) {
      batch.clear();
      for (int i = 0; i < perSync; i++) {
        index++;
        batch.add(pool.get((int) (index % pool.size())).toBuilder().setIndex(index).build());
      }
      wal.append(hardState(1, 1, index - 1), batch);
      wal.sync();
    }
    return index;
  }

  private static void report(String name, Rate r) {
    double seconds = r.nanos() / 1e9;
    System.out.printf(
        "WAL %-17s %9.0f entries/s %7.0f syncs/s %6.1f MB/s (%d entries, %d syncs, %.1f s)%n",
        name,
        r.entries() / seconds,
        r.syncs() / seconds,
        r.bytes() / seconds / 1e6,
        r.entries(),
        r.syncs(),
        seconds);
    assertTrue(r.syncs() > 0);
  }
}
