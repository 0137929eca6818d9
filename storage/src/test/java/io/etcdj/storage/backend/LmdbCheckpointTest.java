package io.etcdj.storage.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-loss checkpoint of the LMDB backend ({@link Checkpoint}). A crash is taken by copying
 * the backend's files while it is open, which is what the disk holds if the page cache reached
 * it; the copy is then opened as after a reboot (another boot id) or after a process crash.
 */
class LmdbCheckpointTest {
  static final long MAP = 64L << 20;

  @TempDir Path dir;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static void put(Backend backend, String key, int valueBytes) {
    try (BatchTxn tx = backend.batchTxn()) {
      tx.put(Bucket.KEY, b(key), new byte[valueBytes]);
      tx.commit();
    }
  }

  /** The files of an open backend as a crash would leave them (page cache included). */
  private Path crashCopy(Path db, String name) throws IOException {
    Path copy = Files.createDirectories(dir.resolve(name));
    try (Stream<Path> files = Files.list(db)) {
      for (Path f : files.toList()) {
        if (!f.getFileName().toString().equals("lock.mdb")) {
          Files.copy(f, copy.resolve(f.getFileName()));
        }
      }
    }
    return copy;
  }

  @Test
  void afterARebootTheBackendGoesBackToItsLastCheckpoint() throws IOException {
    Path db = dir.resolve("db");
    Path crashed;
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "before", 100);
      backend.sync();
      for (int i = 0; i < 200; i++) {
        put(backend, "after" + i, 3000); // enough commits to reuse pages, were they not pinned
      }
      crashed = crashCopy(db, "crashed");
    }
    Files.writeString(crashed.resolve(Checkpoint.BOOT_FILE), "another-boot\n");
    try (Backend reopened = Backends.openLmdb(crashed, MAP); ReadTxn tx = reopened.readTxn()) {
      assertArrayEquals(new byte[100], tx.get(Bucket.KEY, b("before")));
      assertNull(tx.get(Bucket.KEY, b("after0")), "commits after the checkpoint are gone");
      assertNull(tx.get(Bucket.KEY, b("after199")));
    }
  }

  @Test
  void afterAProcessCrashInTheSameBootNothingGoesBack() throws IOException {
    Path db = dir.resolve("db");
    Path crashed;
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "before", 100);
      backend.sync();
      put(backend, "after", 100);
      crashed = crashCopy(db, "crashed");
    }
    try (Backend reopened = Backends.openLmdb(crashed, MAP); ReadTxn tx = reopened.readTxn()) {
      assertArrayEquals(new byte[100], tx.get(Bucket.KEY, b("after")), "the page cache held it");
    }
  }

  @Test
  void aCleanCloseLeavesNothingToGoBackOver() throws IOException {
    Path db = dir.resolve("db");
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "k", 100);
    }
    Files.writeString(db.resolve(Checkpoint.BOOT_FILE), "another-boot\n");
    try (Backend reopened = Backends.openLmdb(db, MAP); ReadTxn tx = reopened.readTxn()) {
      assertArrayEquals(new byte[100], tx.get(Bucket.KEY, b("k")));
    }
  }

  @Test
  void theCheckpointDescribesTheNewestTxnAndLmdbsMetaLayout() throws IOException {
    Path db = dir.resolve("db");
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "k", 10);
      backend.sync();
      Checkpoint cp = Checkpoint.load(db);
      long[] ids = {Checkpoint.metaTxnId(cp.page0), Checkpoint.metaTxnId(cp.page1)};
      assertEquals(cp.txnId, Math.max(ids[0], ids[1]));
      assertEquals(1, Math.abs(ids[0] - ids[1]), "the two metas are consecutive txns");
    }
  }

  @Test
  void aTornNewestCheckpointFallsBackToThePreviousOne() throws IOException {
    Path db = dir.resolve("db");
    long newest;
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "k", 10);
      backend.sync();
      newest = Checkpoint.load(db).seq;
      put(backend, "k2", 10);
      backend.sync(); // the slot the test tears below
    }
    byte[] cp = Files.readAllBytes(db.resolve(Checkpoint.FILE));
    int slot = cp.length / 2;
    long torn = newest + 2; // the close's checkpoint, in the same slot as this one
    cp[(int) (torn % 2) * slot + 100] ^= 1;
    Files.write(db.resolve(Checkpoint.FILE), cp);
    assertEquals(newest + 1, Checkpoint.load(db).seq, "the other slot's checkpoint");
  }

  @Test
  void aCheckpointFileWithNoWholeSlotRefusesToOpen() throws IOException {
    Path db = dir.resolve("db");
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "k", 10);
    }
    byte[] cp = Files.readAllBytes(db.resolve(Checkpoint.FILE));
    cp[100] ^= 1;
    cp[cp.length / 2 + 100] ^= 1;
    Files.write(db.resolve(Checkpoint.FILE), cp);
    Files.writeString(db.resolve(Checkpoint.BOOT_FILE), "another-boot\n");
    BackendException e = assertThrows(BackendException.class, () -> Backends.openLmdb(db, MAP));
    assertTrue(e.getMessage().contains("checksum"), e.getMessage());
  }

  @Test
  void checkpointsContinueTheirSequenceAcrossOpens() throws IOException {
    Path db = dir.resolve("db");
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      put(backend, "k", 10);
    }
    long before = Checkpoint.load(db).seq;
    try (Backend backend = Backends.openLmdb(db, MAP)) {
      assertEquals(before + 1, Checkpoint.load(db).seq, "the open's checkpoint is the newest");
    }
  }

  @Test
  void aFirstOpenThatNeverCheckpointedStartsAfresh() throws IOException {
    Path db = Files.createDirectories(dir.resolve("db"));
    Files.write(db.resolve("data.mdb"), new byte[8192]); // torn: no valid meta page
    Files.writeString(db.resolve(Checkpoint.BOOT_FILE), "another-boot\n");
    try (Backend reopened = Backends.openLmdb(db, MAP); ReadTxn tx = reopened.readTxn()) {
      assertNull(tx.get(Bucket.KEY, b("k")));
    }
  }
}
