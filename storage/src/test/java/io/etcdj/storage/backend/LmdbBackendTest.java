package io.etcdj.storage.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbBackendTest extends BackendContractTest {
  static final long MAP_SIZE_BYTES = 64L << 20;

  @TempDir Path dir;

  @Override
  Backend open() {
    return Backends.openLmdb(dir.resolve("db"), MAP_SIZE_BYTES);
  }

  @Override
  Backend open2() {
    return Backends.openLmdb(dir.resolve("db2"), MAP_SIZE_BYTES);
  }

  @Test
  void reopenKeepsCommittedData() {
    putCommitted(Bucket.KEY, b("a"), b("1"));
    putCommitted(Bucket.META, b("m"), b("2"));
    BatchTxn uncommitted = backend.batchTxn();
    uncommitted.put(Bucket.KEY, b("lost"), b("x"));
    uncommitted.abort();
    backend.close();
    backend = open();
    try (ReadTxn tx = backend.readTxn()) {
      assertArrayEquals(b("1"), tx.get(Bucket.KEY, b("a")));
      assertArrayEquals(b("2"), tx.get(Bucket.META, b("m")));
      assertNull(tx.get(Bucket.KEY, b("lost")));
    }
  }

  @Test
  void mapFullIsReported() {
    try (Backend small = Backends.openLmdb(dir.resolve("small"), 1L << 20)) {
      BatchTxn tx = small.batchTxn();
      byte[] value = new byte[4096];
      assertThrows(
          BackendFullException.class,
          () -> {
            for (int i = 0; i < 1000; i++) {
              tx.put(Bucket.KEY, b("k" + i), value);
            }
            tx.commit();
          });
      tx.close();
    }
  }
}
