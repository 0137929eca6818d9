package io.etcdj.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A measurement, not a timed assertion: writes 1,000,000 keys in batches, reopens, prints the
 * times and sizes. Run with {@code ./mvnw -pl storage test -Psoak -Dtest=MillionKeysSoakTest}.
 */
@Tag("soak")
class MillionKeysSoakTest {
  static final int KEYS = 1_000_000;
  static final int PUTS_PER_BATCH = 10_000;
  static final long MAP_SIZE_BYTES = 8L << 30;

  @TempDir Path dir;

  @Test
  void writeOneMillionKeysThenReopen() {
    Random random = new Random(7);
    byte[][] values = new byte[64][];
    for (int i = 0; i < values.length; i++) {
      values[i] = new byte[64 + random.nextInt(193)]; // 64..256 bytes
      random.nextBytes(values[i]);
    }
    Path db = dir.resolve("db");
    long writeStart = System.nanoTime();
    try (KV kv = KvStores.openLmdb(db, MAP_SIZE_BYTES)) {
      for (int done = 0; done < KEYS; ) {
        try (WriteBatch batch = kv.beginBatch()) {
          for (int i = 0; i < PUTS_PER_BATCH; i++, done++) {
            TxnWrite txn = batch.write();
            txn.put(key(done), values[done & 63], 0);
            txn.end();
          }
          batch.setConsistentIndex(done);
          batch.commit();
        }
      }
      double writeSeconds = (System.nanoTime() - writeStart) / 1e9;
      System.out.printf(
          "soak: wrote %,d keys in %.2f s (%,.0f puts/s), rev %d, file %,d bytes, in use %,d bytes%n",
          KEYS, writeSeconds, KEYS / writeSeconds, kv.rev(), kv.dbSize(), kv.dbSizeInUse());
    }
    for (int round = 1; round <= 2; round++) {
      long openStart = System.nanoTime();
      try (KV kv = KvStores.openLmdb(db, MAP_SIZE_BYTES)) {
        double openSeconds = (System.nanoTime() - openStart) / 1e9;
        System.out.printf(
            "soak: reopen %d took %.2f s: rev %d, %,d keys, file %,d bytes, heap used %,d MB%n",
            round, openSeconds, kv.rev(), kv.keyCount(), kv.dbSize(), usedHeapMb());
        assertEquals(KEYS + 1, kv.rev());
        assertEquals(KEYS, kv.keyCount());
        assertEquals(KEYS, kv.consistentIndex());
        try (TxnRead read = kv.read()) {
          assertEquals(KEYS, read.range(new byte[] {0}, new byte[] {0}, new RangeOptions(1, 0, true)).count());
          assertEquals(1, read.range(key(KEYS - 1), null, RangeOptions.LATEST).kvs().size());
        }
      }
    }
  }

  static byte[] key(int i) {
    return String.format("key-%012d", i).getBytes(StandardCharsets.US_ASCII); // 16 bytes
  }

  static long usedHeapMb() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return (rt.totalMemory() - rt.freeMemory()) >> 20;
  }
}
