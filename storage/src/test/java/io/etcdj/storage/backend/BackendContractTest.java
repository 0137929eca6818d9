package io.etcdj.storage.backend;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link Backend} contract; run over every implementation by a subclass. */
abstract class BackendContractTest {
  Backend backend;

  /** Opens the backend under test (a fresh one the first time). */
  abstract Backend open();

  /** Closes {@code backend} and opens it again, or returns null if it cannot persist. */

  @BeforeEach
  void setUp() {
    backend = open();
  }

  @AfterEach
  void tearDown() {
    backend.close();
  }

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static byte[] bytes(int... values) {
    byte[] out = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = (byte) values[i];
    }
    return out;
  }

  void putCommitted(Bucket bucket, byte[] key, byte[] value) {
    try (BatchTxn tx = backend.batchTxn()) {
      tx.put(bucket, key, value);
      tx.commit();
    }
  }

  static List<String> scanKeys(ReadTxn tx, Bucket bucket, byte[] from, byte[] to, int limit) {
    List<String> keys = new ArrayList<>();
    tx.scan(bucket, from, to, limit, (k, v) -> keys.add(hex(k)));
    return keys;
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder();
    for (byte x : bytes) {
      sb.append(String.format("%02x", x));
    }
    return sb.toString();
  }

  @Test
  void putGetDelete() {
    putCommitted(Bucket.KEY, b("a"), b("1"));
    try (ReadTxn tx = backend.readTxn()) {
      assertArrayEquals(b("1"), tx.get(Bucket.KEY, b("a")));
      assertNull(tx.get(Bucket.KEY, b("b")));
    }
    try (BatchTxn tx = backend.batchTxn()) {
      tx.put(Bucket.KEY, b("a"), b("2"));
      assertTrue(tx.delete(Bucket.KEY, b("a")));
      assertFalse(tx.delete(Bucket.KEY, b("a")));
      tx.put(Bucket.KEY, b("c"), new byte[0]);
      tx.commit();
    }
    try (ReadTxn tx = backend.readTxn()) {
      assertNull(tx.get(Bucket.KEY, b("a")));
      assertArrayEquals(new byte[0], tx.get(Bucket.KEY, b("c")));
    }
  }

  @Test
  void bucketsAreSeparate() {
    putCommitted(Bucket.KEY, b("k"), b("key"));
    putCommitted(Bucket.META, b("k"), b("meta"));
    try (ReadTxn tx = backend.readTxn()) {
      assertArrayEquals(b("key"), tx.get(Bucket.KEY, b("k")));
      assertArrayEquals(b("meta"), tx.get(Bucket.META, b("k")));
      assertEquals(List.of(hex(b("k"))), scanKeys(tx, Bucket.META, null, null, 0));
    }
  }

  @Test
  void scanIsUnsignedOrderedAndBounded() {
    try (BatchTxn tx = backend.batchTxn()) {
      // Inserted out of order; 0x80 and 0xff must sort after 0x7f (unsigned).
      for (byte[] k : List.of(bytes(0xff), bytes(0x01), bytes(0x80), bytes(0x7f), bytes(0x7f, 0))) {
        tx.put(Bucket.KEY, k, k);
      }
      tx.commit();
    }
    try (ReadTxn tx = backend.readTxn()) {
      assertEquals(List.of("01", "7f", "7f00", "80", "ff"), scanKeys(tx, Bucket.KEY, null, null, 0));
      assertEquals(List.of("7f", "7f00", "80"), scanKeys(tx, Bucket.KEY, bytes(0x7f), bytes(0xff), 0));
      assertEquals(List.of("7f00", "80", "ff"), scanKeys(tx, Bucket.KEY, bytes(0x7f, 0), null, 0));
      assertEquals(List.of("01", "7f"), scanKeys(tx, Bucket.KEY, null, null, 2));
      assertEquals(List.of(), scanKeys(tx, Bucket.KEY, bytes(0x90), bytes(0x80), 0));
      List<String> seen = new ArrayList<>();
      int visited =
          tx.scan(
              Bucket.KEY,
              null,
              null,
              0,
              (k, v) -> {
                assertArrayEquals(k, v);
                seen.add(hex(k));
                return seen.size() < 3;
              });
      assertEquals(3, visited);
      assertEquals(List.of("01", "7f", "7f00"), seen);
    }
  }

  @Test
  void batchSeesItsOwnWritesOthersDoNot() {
    putCommitted(Bucket.KEY, b("a"), b("old"));
    try (BatchTxn batch = backend.batchTxn()) {
      batch.put(Bucket.KEY, b("a"), b("new"));
      batch.put(Bucket.KEY, b("b"), b("new"));
      assertArrayEquals(b("new"), batch.get(Bucket.KEY, b("a")));
      assertEquals(List.of(hex(b("a")), hex(b("b"))), scanKeys(batch, Bucket.KEY, null, null, 0));
      try (ReadTxn other = backend.readTxn()) {
        assertArrayEquals(b("old"), other.get(Bucket.KEY, b("a")));
        assertNull(other.get(Bucket.KEY, b("b")));
      }
      batch.commit();
    }
  }

  @Test
  void readTxnKeepsItsSnapshotAcrossCommits() {
    putCommitted(Bucket.KEY, b("a"), b("1"));
    try (ReadTxn before = backend.readTxn()) {
      try (BatchTxn tx = backend.batchTxn()) {
        tx.put(Bucket.KEY, b("a"), b("2"));
        tx.put(Bucket.KEY, b("b"), b("2"));
        tx.commit();
      }
      try (BatchTxn tx = backend.batchTxn()) {
        tx.delete(Bucket.KEY, b("a"));
        tx.commit();
      }
      assertArrayEquals(b("1"), before.get(Bucket.KEY, b("a")));
      assertNull(before.get(Bucket.KEY, b("b")));
      assertEquals(List.of(hex(b("a"))), scanKeys(before, Bucket.KEY, null, null, 0));
      try (ReadTxn after = backend.readTxn()) {
        assertNull(after.get(Bucket.KEY, b("a")));
        assertArrayEquals(b("2"), after.get(Bucket.KEY, b("b")));
      }
    }
  }

  @Test
  void abortAndUncommittedCloseDiscard() {
    putCommitted(Bucket.KEY, b("a"), b("1"));
    BatchTxn aborted = backend.batchTxn();
    aborted.put(Bucket.KEY, b("a"), b("2"));
    aborted.abort();
    aborted.abort(); // idempotent
    try (BatchTxn closed = backend.batchTxn()) {
      closed.delete(Bucket.KEY, b("a"));
    }
    try (ReadTxn tx = backend.readTxn()) {
      assertArrayEquals(b("1"), tx.get(Bucket.KEY, b("a")));
    }
    assertThrows(IllegalStateException.class, () -> aborted.put(Bucket.KEY, b("x"), b("y")));
  }

  @Test
  void oneBatchAtATime() {
    try (BatchTxn first = backend.batchTxn()) {
      assertThrows(IllegalStateException.class, backend::batchTxn);
      first.commit();
    }
    backend.batchTxn().close(); // the slot is free again
  }

  @Test
  void endedTxnsRefuseWork() {
    ReadTxn read = backend.readTxn();
    read.close();
    read.close();
    assertThrows(IllegalStateException.class, () -> read.get(Bucket.KEY, b("a")));
    BatchTxn tx = backend.batchTxn();
    tx.commit();
    assertThrows(IllegalStateException.class, () -> tx.get(Bucket.KEY, b("a")));
    assertThrows(IllegalStateException.class, tx::commit);
  }

  @Test
  void readTxnMovesBetweenThreads() throws Exception {
    putCommitted(Bucket.KEY, b("a"), b("1"));
    ReadTxn tx = backend.readTxn();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<byte[]> got = pool.submit(() -> tx.get(Bucket.KEY, b("a")));
      assertArrayEquals(b("1"), got.get(10, TimeUnit.SECONDS));
      List<ReadTxn> many = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        many.add(pool.submit(backend::readTxn).get(10, TimeUnit.SECONDS));
      }
      pool.submit(tx::close).get(10, TimeUnit.SECONDS);
      for (ReadTxn r : many) {
        assertArrayEquals(b("1"), r.get(Bucket.KEY, b("a")));
        r.close();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void sizesGrowWithData() {
    long emptyInUse = backend.sizeInUseBytes();
    try (BatchTxn tx = backend.batchTxn()) {
      byte[] value = new byte[1000];
      for (int i = 0; i < 1000; i++) {
        tx.put(Bucket.KEY, b(String.format("key-%06d", i)), value);
      }
      tx.commit();
    }
    backend.sync();
    long inUse = backend.sizeInUseBytes();
    assertTrue(inUse >= 1_000_000, "in use " + inUse);
    assertTrue(inUse > emptyInUse);
    assertTrue(backend.sizeBytes() >= inUse, backend.sizeBytes() + " < " + inUse);
  }

  @Test
  void closedBackendRefusesTxns() {
    Backend other = open2();
    other.close();
    assertThrows(IllegalStateException.class, other::readTxn);
    assertThrows(IllegalStateException.class, other::batchTxn);
  }

  /** A second, independent backend of the same kind. */
  abstract Backend open2();

  // ------------------------------------------------------------ hash

  static int crc(byte[]... parts) {
    CRC32C crc = new CRC32C();
    for (byte[] p : parts) {
      crc.update(p);
    }
    return (int) crc.getValue();
  }

  @Test
  void hashCoversBucketNamesThenEntriesInOrder() {
    assertEquals(crc(b("alarm"), b("key"), b("lease"), b("meta")), backend.hash((bucket, k) -> false));
    putCommitted(Bucket.META, b("m2"), b("y"));
    putCommitted(Bucket.KEY, bytes(2), b("two"));
    putCommitted(Bucket.KEY, bytes(0x80), b("big")); // unsigned order: after 2
    putCommitted(Bucket.META, b("m1"), b("x"));
    int expected =
        crc(b("alarm"), b("key"), bytes(2), b("two"), bytes(0x80), b("big"), b("lease"), b("meta"), b("m1"), b("x"),
            b("m2"), b("y"));
    assertEquals(expected, backend.hash((bucket, k) -> false));
    int withoutM1 =
        crc(b("alarm"), b("key"), bytes(2), b("two"), bytes(0x80), b("big"), b("lease"), b("meta"), b("m2"), b("y"));
    assertEquals(
        withoutM1, backend.hash((bucket, k) -> bucket == Bucket.META && new String(k, UTF_8).equals("m1")));
    Backend memory = Backends.openInMemory();
    try (BatchTxn tx = memory.batchTxn()) {
      tx.put(Bucket.META, b("m1"), b("x"));
      tx.put(Bucket.KEY, bytes(0x80), b("big"));
      tx.put(Bucket.KEY, bytes(2), b("two"));
      tx.put(Bucket.META, b("m2"), b("y"));
      tx.commit();
    }
    assertEquals(memory.hash((bucket, k) -> false), backend.hash((bucket, k) -> false));
    memory.close();
  }

  // ------------------------------------------------------------ dump and load

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  private void fill(int entries, int valueBytes) {
    Random rnd = new Random(entries);
    try (BatchTxn tx = backend.batchTxn()) {
      for (int i = 0; i < entries; i++) {
        byte[] v = new byte[rnd.nextInt(valueBytes + 1)];
        rnd.nextBytes(v);
        tx.put(Bucket.KEY, b(String.format("k%07d", i)), v);
      }
      tx.put(Bucket.META, b("consistent_index"), bytes(0, 0, 0, 0, 0, 0, 0, 9));
      tx.put(Bucket.META, b("empty"), new byte[0]);
      tx.commit();
    }
  }

  @Test
  void dumpLoadsIntoAnotherBackendReplacingItsContents() throws IOException {
    fill(3_000, 2_000); // several pages, some ended by the page byte limit
    byte[] dump;
    try (ReadTxn tx = backend.readTxn()) {
      putCommitted(Bucket.KEY, b("after"), b("not in the dump"));
      dump = readAll(BackendDump.dump(tx));
    }
    Backend other = open2();
    try {
      try (BatchTxn tx = other.batchTxn()) {
        tx.put(Bucket.KEY, b("stale"), b("gone after the load"));
        tx.put(Bucket.META, b("stale"), b("gone too"));
        tx.commit();
      }
      try (BatchTxn tx = other.batchTxn()) {
        BackendDump.load(tx, new ByteArrayInputStream(dump));
        tx.commit();
      }
      try (BatchTxn tx = backend.batchTxn()) {
        tx.delete(Bucket.KEY, b("after"));
        tx.commit();
      }
      assertEquals(backend.hash((bk, k) -> false), other.hash((bk, k) -> false));
      try (ReadTxn tx = other.readTxn()) {
        assertNull(tx.get(Bucket.KEY, b("stale")));
        assertEquals(0, tx.get(Bucket.META, b("empty")).length);
        assertEquals(3_000, scanKeys(tx, Bucket.KEY, null, null, 0).size());
      }
    } finally {
      other.close();
    }
  }

  @Test
  void emptyBackendDumpsAndLoads() throws IOException {
    byte[] dump;
    try (ReadTxn tx = backend.readTxn()) {
      dump = readAll(BackendDump.dump(tx));
    }
    putCommitted(Bucket.KEY, b("x"), b("y"));
    try (BatchTxn tx = backend.batchTxn()) {
      BackendDump.load(tx, new ByteArrayInputStream(dump));
      tx.commit();
    }
    try (ReadTxn tx = backend.readTxn()) {
      assertEquals(List.of(), scanKeys(tx, Bucket.KEY, null, null, 0));
    }
  }

  @Test
  void damagedDumpsAreRejectedAndTheAbortedLoadChangesNothing() throws IOException {
    fill(500, 100);
    byte[] dump;
    try (ReadTxn tx = backend.readTxn()) {
      dump = readAll(BackendDump.dump(tx));
    }
    int before = backend.hash((bk, k) -> false);
    List<byte[]> bad = new ArrayList<>();
    bad.add(Arrays.copyOf(dump, dump.length - 1)); // cut in the CRC
    bad.add(Arrays.copyOf(dump, dump.length / 2)); // cut in an entry
    byte[] flipped = dump.clone();
    flipped[dump.length / 2] ^= 0x10; // a bit flip in a value
    bad.add(flipped);
    byte[] magic = dump.clone();
    magic[0] = 'X';
    bad.add(magic);
    bad.add(Arrays.copyOf(dump, dump.length + 1)); // trailing garbage
    for (byte[] d : bad) {
      try (BatchTxn tx = backend.batchTxn()) {
        assertThrows(IOException.class, () -> BackendDump.load(tx, new ByteArrayInputStream(d)));
        tx.abort();
      }
      assertEquals(before, backend.hash((bk, k) -> false));
    }
  }

  @Test
  void closingTheDumpStreamEndsItsTxn() throws IOException {
    fill(10, 10);
    InputStream in = BackendDump.dump(backend.readTxn());
    assertTrue(in.read() >= 0);
    in.close();
    assertThrows(IOException.class, in::read);
  }
}
