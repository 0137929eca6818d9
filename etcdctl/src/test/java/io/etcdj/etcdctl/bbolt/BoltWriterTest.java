package io.etcdj.etcdctl.bbolt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.etcdctl.snapshot.SnapshotStatus;
import io.etcdj.storage.bbolt.BoltWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The storage module's bbolt writer, read back by this module's reader (which BoltFileTest checks
 * against stock etcdctl): a copy of a real etcd 3.4.23 snapshot has the same status and entries,
 * passes bbolt's check, and large buckets get branch and overflow pages.
 */
class BoltWriterTest {
  private static final String FIXTURE = "/bbolt/etcd-3.4.23-snapshot.db";

  @TempDir Path tmp;

  private record Entry(String bucket, byte[] key, byte[] value) {}

  private static List<Entry> entries(String path) throws BoltException {
    List<Entry> out = new ArrayList<>();
    try (BoltFile db = BoltFile.open(path)) {
      Bucket root = db.root();
      root.forEach((name, ignored) -> root.bucket(name).forEach((k, v) -> out.add(new Entry(new String(name, StandardCharsets.UTF_8), k, v))));
    }
    return out;
  }

  @Test
  void copyOfEtcdSnapshotHasItsStatusAndEntries() throws Exception {
    Path src = tmp.resolve("etcd.db");
    try (InputStream in = BoltWriterTest.class.getResourceAsStream(FIXTURE)) {
      Files.write(src, in.readAllBytes());
    }
    List<Entry> want = entries(src.toString());
    Path copy = tmp.resolve("copy.db");
    try (BoltWriter w = BoltWriter.create(copy, 4096)) {
      // Buckets in reverse order: the writer sorts the root leaf itself.
      List<String> names = new ArrayList<>();
      for (Entry e : want) {
        if (!names.contains(e.bucket())) {
          names.add(0, e.bucket());
        }
      }
      for (String name : names) {
        w.beginBucket(name.getBytes(StandardCharsets.UTF_8));
        for (Entry e : want) {
          if (e.bucket().equals(name)) {
            w.put(e.key(), e.value());
          }
        }
        w.endBucket();
      }
      w.beginBucket("alarm".getBytes(StandardCharsets.UTF_8)); // empty in the fixture, so not in want
      w.endBucket();
      w.finish(5);
    }
    SnapshotStatus a = SnapshotStatus.of(src.toString());
    SnapshotStatus b = SnapshotStatus.of(copy.toString());
    assertEquals(a.revision(), b.revision());
    assertEquals(a.totalKey(), b.totalKey());
    List<Entry> got = entries(copy.toString());
    assertEquals(want.size(), got.size());
    for (int i = 0; i < want.size(); i++) {
      assertEquals(want.get(i).bucket(), got.get(i).bucket());
      assertArrayEquals(want.get(i).key(), got.get(i).key());
      assertArrayEquals(want.get(i).value(), got.get(i).value());
    }
    try (BoltFile db = BoltFile.open(copy.toString())) {
      assertEquals(List.of(), db.check());
      assertEquals(Files.size(copy), db.sizeBytes());
      assertEquals(5, db.meta().txid());
    }
  }

  @Test
  void bigBucketsGetBranchesAndOverflowSmallOnesStayInline() throws Exception {
    Path f = tmp.resolve("big.db");
    byte[] big = new byte[20_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) i;
    }
    try (BoltWriter w = BoltWriter.create(f, 4096)) {
      w.beginBucket(bytes("many"));
      for (int i = 0; i < 20_000; i++) {
        w.put(bytes(String.format("k%08d", i)), i == 777 ? big : bytes("v" + i));
      }
      w.endBucket();
      w.beginBucket(bytes("small"));
      w.put(bytes("a"), bytes("1"));
      w.endBucket();
      w.finish(1);
    }
    try (BoltFile db = BoltFile.open(f.toString())) {
      assertEquals(List.of(), db.check());
      Bucket many = db.root().bucket(bytes("many"));
      Bucket small = db.root().bucket(bytes("small"));
      assertTrue(small.isInline());
      assertTrue(db.page(many.rootPgid()).isBranch());
      int[] n = {0};
      many.forEach((k, v) -> {
        assertEquals(String.format("k%08d", n[0]), new String(k, StandardCharsets.UTF_8));
        if (n[0] == 777) {
          assertArrayEquals(big, v);
        }
        n[0]++;
      });
      assertEquals(20_000, n[0]);
    }
  }

  @Test
  void refusesKeysOutOfOrder() throws Exception {
    try (BoltWriter w = BoltWriter.create(tmp.resolve("bad.db"), 4096)) {
      w.beginBucket(bytes("b"));
      w.put(bytes("k2"), bytes("v"));
      assertThrows(IllegalArgumentException.class, () -> w.put(bytes("k1"), bytes("v")));
    }
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
