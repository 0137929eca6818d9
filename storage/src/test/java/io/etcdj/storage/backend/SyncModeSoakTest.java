package io.etcdj.storage.backend;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement for the durability choice: commit latency of small batches (what the apply thread
 * does under light load) in each LMDB sync mode. Prints, asserts nothing.
 */
@Tag("soak")
class SyncModeSoakTest {
  static final int COMMITS = 2_000;
  static final int PUTS_PER_COMMIT = 10;

  @TempDir Path dir;

  @Test
  void commitLatencyPerSyncMode() {
    for (LmdbBackend.SyncMode mode : LmdbBackend.SyncMode.values()) {
      try (Backend backend = LmdbBackend.open(dir.resolve(mode.name()), 1L << 30, mode)) {
        Random random = new Random(1);
        byte[] value = new byte[200];
        long[] nanos = new long[COMMITS];
        long key = 0;
        for (int c = 0; c < COMMITS; c++) {
          long start = System.nanoTime();
          try (BatchTxn tx = backend.batchTxn()) {
            for (int p = 0; p < PUTS_PER_COMMIT; p++) {
              random.nextBytes(value);
              byte[] k = new byte[17];
              long v = key++;
              for (int i = 7; i >= 0; i--, v >>>= 8) {
                k[i] = (byte) v;
              }
              tx.put(Bucket.KEY, k, value);
            }
            tx.put(Bucket.META, "consistent_index".getBytes(), new byte[8]);
            tx.commit();
          }
          nanos[c] = System.nanoTime() - start;
        }
        Arrays.sort(nanos);
        long total = Arrays.stream(nanos).sum();
        System.out.printf(
            "sync-mode %-12s: %,d commits of %d puts: mean %.3f ms, p50 %.3f ms, p99 %.3f ms, %,.0f commits/s%n",
            mode, COMMITS, PUTS_PER_COMMIT, total / 1e6 / COMMITS, nanos[COMMITS / 2] / 1e6,
            nanos[COMMITS * 99 / 100] / 1e6, COMMITS / (total / 1e9));
      }
    }
  }
}
