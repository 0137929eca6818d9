package io.etcdj.etcdctl.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.storage.bbolt.BoltWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a migration needs from the bbolt reader beyond the etcd fixture: the meta page bbolt's
 * {@code db.meta()} picks (the higher txid when it validates, else the other, whichever page it is
 * on) and a key bucket deep enough for branch pages pointing to branch pages.
 */
class BoltTreeShapesTest {
  private static final int PAGE_BYTES = 4096;
  private static final long TXID = 41;

  @TempDir Path tmp;

  private Path smallFile() throws Exception {
    Path f = tmp.resolve("small.db");
    try (BoltWriter w = BoltWriter.create(f, PAGE_BYTES)) {
      w.beginBucket(bytes("key"));
      w.put(bytes("a"), bytes("1"));
      w.endBucket();
      w.finish(TXID);
    }
    return f;
  }

  /** Sets the txid of meta page {@code page} and, unless {@code breakChecksum}, its checksum to match. */
  private static void setTxid(byte[] file, int page, long txid, boolean breakChecksum) {
    ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    int meta = page * PAGE_BYTES + Meta.OFFSET;
    b.putLong(meta + 48, txid);
    long fnv = 0xcbf29ce484222325L;
    for (int i = 0; i < Meta.CHECKSUMMED_BYTES; i++) {
      fnv ^= file[meta + i] & 0xff;
      fnv *= 0x100000001b3L;
    }
    b.putLong(meta + Meta.CHECKSUMMED_BYTES, breakChecksum ? fnv ^ 1 : fnv);
  }

  private long chosenTxid(byte[] file) throws Exception {
    Path p = tmp.resolve("edited.db");
    Files.write(p, file);
    try (BoltFile db = BoltFile.open(p.toString())) {
      assertEquals(List.of(), db.check());
      return db.meta().txid();
    }
  }

  @Test
  void bothMetasValidTheHigherTxidWins() throws Exception {
    byte[] file = Files.readAllBytes(smallFile());
    assertEquals(TXID, chosenTxid(file)); // the writer leaves txid - 1 on page 0, txid on page 1
    setTxid(file, 0, TXID + 5, false);
    assertEquals(TXID + 5, chosenTxid(file));
  }

  @Test
  void aHigherTxidWithABadChecksumFallsBackToTheOtherMeta() throws Exception {
    byte[] file = Files.readAllBytes(smallFile());
    setTxid(file, 1, TXID + 5, true);
    assertEquals(TXID - 1, chosenTxid(file));
    file = Files.readAllBytes(smallFile());
    setTxid(file, 0, TXID + 5, true);
    assertEquals(TXID, chosenTxid(file));
  }

  @Test
  void deepBucketsHaveBranchesOfBranchesAndReadInOrder() throws Exception {
    Path f = tmp.resolve("deep.db");
    int keys = 120_000;
    try (BoltWriter w = BoltWriter.create(f, PAGE_BYTES)) {
      w.beginBucket(bytes("key"));
      for (int i = 0; i < keys; i++) {
        w.put(bytes(String.format("%08d", i)), bytes("v"));
      }
      w.endBucket();
      w.finish(TXID);
    }
    try (BoltFile db = BoltFile.open(f.toString())) {
      assertEquals(List.of(), db.check());
      Bucket key = db.root().bucket(bytes("key"));
      Page root = db.page(key.rootPgid());
      assertTrue(root.isBranch());
      assertTrue(db.page(root.branchPgid(0)).isBranch(), "a three-level tree");
      int[] n = {0};
      key.forEach((k, v) -> {
        assertEquals(String.format("%08d", n[0]), new String(k, StandardCharsets.UTF_8));
        n[0]++;
      });
      assertEquals(keys, n[0]);
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
