package io.etcdj.etcdctl.bbolt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.etcdctl.snapshot.SnapshotStatus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The bbolt reader on a snapshot saved by stock etcdctl 3.4.23 from etcd 3.4.23 (300 keys so the key bucket has
 * branch pages, a 12,000-byte value on overflow pages, a deleted key, a lease), whose expected status is what stock
 * {@code etcdctl snapshot status} printed for it; and on broken copies of it. CtlSnapshotGoldenTest compares with
 * stock on freshly saved snapshots.
 */
class BoltFileTest {
  private static final String FIXTURE = "/bbolt/etcd-3.4.23-snapshot.db";

  @TempDir Path tmp;

  private byte[] fixture() throws IOException {
    try (InputStream in = BoltFileTest.class.getResourceAsStream(FIXTURE)) {
      return in.readAllBytes();
    }
  }

  private String write(String name, byte[] b) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, b);
    return p.toString();
  }

  @Test
  void statusIsStockEtcdctls() throws Exception {
    SnapshotStatus st = SnapshotStatus.of(write("snap.db", fixture()));
    // $ etcdctl -w json snapshot status etcd-3.4.23-snapshot.db
    // {"hash":93699320,"revision":3018,"totalKey":310,"totalSize":94208}
    assertEquals(new SnapshotStatus(93699320L, 3018, 310, 94208), st);
  }

  @Test
  void soundFileChecksCleanAndHasEtcdsBuckets() throws Exception {
    try (BoltFile db = BoltFile.open(write("snap.db", fixture()))) {
      assertEquals(List.of(), db.check());
      assertEquals(4096, db.pageBytes());
      List<String> buckets = new ArrayList<>();
      db.root().forEach((k, v) -> buckets.add(new String(k, StandardCharsets.UTF_8) + (v == null ? "/" : "")));
      assertTrue(buckets.containsAll(List.of("alarm/", "auth/", "cluster/", "key/", "lease/", "members/", "meta/")), buckets.toString());
      long[] big = {0};
      db.root().bucket("key".getBytes(StandardCharsets.UTF_8)).forEach((k, v) -> big[0] = Math.max(big[0], v.length));
      assertTrue(big[0] > 12_000, "the 12,000-byte value is read whole from its overflow pages: " + big[0]);
    }
  }

  @ParameterizedTest
  @CsvSource({
    "0, write <P>: bad file descriptor",
    "100, invalid database",
    "4096, file size too small"
  })
  void shortFilesFailAsBboltOpen(int bytes, String error) throws Exception {
    String p = write("short.db", Arrays.copyOf(fixture(), bytes));
    BoltException e = assertThrows(BoltException.class, () -> BoltFile.open(p));
    assertEquals(error.replace("<P>", p), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource({"16, 19, invalid database", "20, 7, version mismatch", "72, 90, checksum error"})
  void bothMetaPagesBrokenFailsWithMeta0sError(int offset, int xor, String error) throws Exception {
    byte[] b = fixture();
    b[offset] ^= (byte) xor;
    b[4096 + offset] ^= (byte) xor;
    String p = write("broken.db", b);
    BoltException e = assertThrows(BoltException.class, () -> BoltFile.open(p));
    assertEquals(error, e.getMessage());
  }

  @Test
  void oneBrokenMetaFallsBackToTheOther() throws Exception {
    byte[] b = fixture();
    b[16] ^= 0x13;
    try (BoltFile db = BoltFile.open(write("meta0.db", b))) {
      assertEquals(List.of(), db.check());
    }
  }

  @Test
  void truncatedPageTreeIsAFaultNotACrash() throws Exception {
    String p = write("cut.db", Arrays.copyOf(fixture(), 3 * 4096));
    BoltFault f = assertThrows(BoltFault.class, () -> SnapshotStatus.of(p));
    assertTrue(f.getMessage().contains("lies beyond the end of " + p), f.getMessage());
  }

  @Test
  void missingFileAndDirectoryAreGoErrors() {
    String missing = tmp.resolve("nope.db").toString();
    assertEquals("stat " + missing + ": no such file or directory", assertThrows(BoltException.class, () -> SnapshotStatus.of(missing)).getMessage());
    assertEquals("open " + tmp + ": is a directory", assertThrows(BoltException.class, () -> SnapshotStatus.of(tmp.toString())).getMessage());
  }

  @Test
  void brokenPageTypeWithoutSyncedFreelistIsAFault() throws Exception {
    byte[] b = fixture();
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    // etcd writes no freelist (meta.freelist = 2^64-1); bbolt then rebuilds it by walking the tree and panics on
    // the first error it meets there, as on this root page marked as a meta page.
    assertEquals(-1L, bb.getLong(16 + 32));
    long root = bb.getLong(16 + 16);
    bb.putShort((int) root * 4096 + 8, (short) 0x04);
    String p = write("type.db", b);
    BoltFault f = assertThrows(BoltFault.class, () -> SnapshotStatus.of(p));
    assertEquals("freepages: failed to get all reachable pages (page " + root + ": invalid type: meta)", f.getMessage());
  }
}
