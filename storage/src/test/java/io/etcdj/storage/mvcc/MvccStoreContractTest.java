package io.etcdj.storage.mvcc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Bucket;
import io.etcdj.storage.backend.ReadTxn;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The store's semantics (etcd's kvstore tests), run over every backend by a subclass. */
abstract class MvccStoreContractTest {
  static final byte[] ALL = {0};

  Backend backend;
  MvccStore store;

  abstract Backend newBackend();

  /**
   * Simulates a restart: stops using the store and returns the backend a new process would open
   * (the same one in memory; a reopened environment on LMDB).
   */
  abstract Backend restartBackend(MvccStore old, Backend backend);

  @BeforeEach
  void setUp() {
    backend = newBackend();
    store = new MvccStore(backend, new TreeIndex());
  }

  @AfterEach
  void tearDown() {
    store.close();
  }

  void restart() {
    backend = restartBackend(store, backend);
    store = new MvccStore(backend, new TreeIndex());
  }

  // ------------------------------------------------------------ helpers

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  long put(String key, String value) {
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite txn = batch.write();
      long rev = txn.put(b(key), b(value), 0);
      txn.end();
      batch.commit();
      return rev;
    }
  }

  long delete(String key, String end) {
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite txn = batch.write();
      long n = txn.deleteRange(b(key), end == null ? null : b(end));
      txn.end();
      batch.commit();
      return n;
    }
  }

  CompletableFuture<Void> compact(long rev) {
    try (WriteBatch batch = store.beginBatch()) {
      CompletableFuture<Void> done = batch.compact(rev);
      batch.commit();
      return done;
    }
  }

  void finishCompaction() {
    int steps = 0;
    while (store.compactionStep(3)) {
      assertTrue(++steps < 100_000);
    }
  }

  RangeResult range(byte[] key, byte[] end, RangeOptions options) {
    try (TxnRead read = store.read()) {
      return read.range(key, end, options);
    }
  }

  RangeResult rangeAt(String key, String end, long rev) {
    return range(b(key), end == null ? null : b(end), new RangeOptions(0, rev, false));
  }

  KeyValue get(String key, long rev) {
    List<KeyValue> kvs = rangeAt(key, null, rev).kvs();
    assertTrue(kvs.size() <= 1);
    return kvs.isEmpty() ? null : kvs.get(0);
  }

  static String describe(KeyValue kv) {
    return kv.getKey().toStringUtf8()
        + "="
        + kv.getValue().toStringUtf8()
        + " c"
        + kv.getCreateRevision()
        + " m"
        + kv.getModRevision()
        + " v"
        + kv.getVersion()
        + " l"
        + kv.getLease();
  }

  List<String> dump(long rev) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : range(ALL, ALL, new RangeOptions(0, rev, false)).kvs()) {
      out.add(describe(kv));
    }
    return out;
  }

  /** Every revision key in the backend, as "main.sub" (t for tombstones). */
  List<String> backendRevisions() {
    List<String> out = new ArrayList<>();
    try (ReadTxn tx = backend.readTxn()) {
      tx.scan(
          Bucket.KEY,
          null,
          null,
          0,
          (k, v) -> {
            Revision r = RevisionKeys.decode(k);
            out.add(r.main() + "." + r.sub() + (RevisionKeys.isTombstone(k) ? "t" : ""));
            return true;
          });
    }
    return out;
  }

  // ------------------------------------------------------------ revisions

  @Test
  void newStoreIsAtRevisionOne() {
    assertEquals(1, store.rev());
    assertEquals(0, store.compactRev());
    assertEquals(0, store.consistentIndex());
    RangeResult r = range(ALL, ALL, RangeOptions.LATEST);
    assertEquals(List.of(), r.kvs());
    assertEquals(0, r.count());
    assertEquals(1, r.rev());
  }

  @Test
  void eachChangingTxnTakesOneRevision() {
    assertEquals(2, put("a", "1"));
    assertEquals(2, store.rev());

    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite txn = batch.write();
      assertEquals(3, txn.put(b("x"), b("1"), 0));
      assertEquals(3, txn.put(b("y"), b("2"), 0));
      assertEquals(3, txn.put(b("z"), b("3"), 0));
      txn.end();
      batch.commit();
    }
    assertEquals(3, store.rev());
    assertEquals(List.of("2.0", "3.0", "3.1", "3.2"), backendRevisions());

    // Deleting nothing, or an empty txn, changes nothing.
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite txn = batch.write();
      assertEquals(0, txn.deleteRange(b("nope"), null));
      assertEquals(0, txn.deleteRange(b("q"), b("w")));
      txn.end();
      batch.write().end();
      batch.commit();
    }
    assertEquals(3, store.rev());

    // Several txns in one batch: one revision each, published together.
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite first = batch.write();
      first.put(b("a"), b("2"), 0);
      first.end();
      TxnWrite second = batch.write();
      assertEquals(3, second.deleteRange(b("x"), b("zz")));
      second.end();
      assertEquals(3, store.rev());
      batch.commit();
    }
    assertEquals(5, store.rev());
    assertEquals(
        List.of("2.0", "3.0", "3.1", "3.2", "4.0", "5.0t", "5.1t", "5.2t"), backendRevisions());
  }

  @Test
  void createRevisionAndVersionAcrossDeleteAndRecreate() {
    put("a", "1"); // 2
    put("a", "2"); // 3
    assertEquals(1, delete("a", null)); // 4
    put("a", "3"); // 5
    put("a", "4"); // 6
    assertEquals("a=1 c2 m2 v1 l0", describe(get("a", 2)));
    assertEquals("a=2 c2 m3 v2 l0", describe(get("a", 3)));
    assertNull(get("a", 4));
    assertEquals("a=3 c5 m5 v1 l0", describe(get("a", 5)));
    assertEquals("a=4 c5 m6 v2 l0", describe(get("a", 0)));
    assertEquals(0, delete("a", "a")); // empty range [a, a)
  }

  @Test
  void leaseIsStored() {
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite txn = batch.write();
      txn.put(b("k"), b("v"), 0x1234);
      txn.end();
      batch.commit();
    }
    assertEquals(0x1234, get("k", 0).getLease());
  }

  @Test
  void historicalReadsAndFutureRevision() {
    put("a", "1"); // 2
    put("b", "1"); // 3
    put("a", "2"); // 4
    delete("b", null); // 5
    assertEquals(List.of(), dump(1));
    assertEquals(List.of("a=1 c2 m2 v1 l0"), dump(2));
    assertEquals(List.of("a=1 c2 m2 v1 l0", "b=1 c3 m3 v1 l0"), dump(3));
    assertEquals(List.of("a=2 c2 m4 v2 l0", "b=1 c3 m3 v1 l0"), dump(4));
    assertEquals(List.of("a=2 c2 m4 v2 l0"), dump(5));
    assertEquals(dump(5), dump(0));
    assertEquals(dump(5), dump(-1));
    assertEquals(5, rangeAt("a", null, 2).rev(), "header revision is the current one");
    assertThrows(FutureRevisionException.class, () -> dump(6));
  }

  @Test
  void limitAndCount() {
    for (String k : List.of("e", "b", "d", "a", "c")) {
      put(k, k);
    }
    RangeResult limited = range(ALL, ALL, new RangeOptions(2, 0, false));
    assertEquals(2, limited.kvs().size());
    assertEquals("a", limited.kvs().get(0).getKey().toStringUtf8());
    assertEquals("b", limited.kvs().get(1).getKey().toStringUtf8());
    assertEquals(5, limited.count());
    RangeResult counted = range(ALL, ALL, new RangeOptions(2, 0, true));
    assertEquals(List.of(), counted.kvs());
    assertEquals(5, counted.count());
    RangeResult old = range(ALL, ALL, new RangeOptions(10, 4, false));
    assertEquals(3, old.kvs().size());
    assertEquals(3, old.count());
    assertEquals(1, rangeAt("c", null, 0).count());
    assertEquals(0, rangeAt("zz", null, 0).count());
  }

  @Test
  void fromKeyAndPrefixRanges() {
    for (String k : List.of("foo", "foo/a", "foo/b", "foo0", "fop", "a")) {
      put(k, "v");
    }
    assertEquals(List.of("foo/a", "foo/b"), keys(rangeAt("foo/", "foo0", 0)));
    assertEquals(List.of("foo0", "fop"), keys(range(b("foo0"), ALL, RangeOptions.LATEST)));
    assertEquals(List.of("foo"), keys(rangeAt("foo", null, 0)));
    assertEquals(List.of("foo", "foo/a", "foo/b", "foo0"), keys(rangeAt("foo", "fop", 0)));
    // Unsigned order: a key starting with 0xff sorts last.
    byte[] high = {(byte) 0xff, 1};
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite txn = batch.write();
      txn.put(high, b("v"), 0);
      txn.end();
      batch.commit();
    }
    List<KeyValue> all = range(ALL, ALL, RangeOptions.LATEST).kvs();
    assertEquals(7, all.size());
    assertEquals((byte) 0xff, all.get(6).getKey().byteAt(0));
    assertEquals(2, delete("foo/", "foo0"));
    assertEquals(List.of("foo", "foo0"), keys(rangeAt("foo", "fop", 0)));
  }

  static List<String> keys(RangeResult r) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : r.kvs()) {
      out.add(kv.getKey().toStringUtf8());
    }
    return out;
  }

  @Test
  void writeTxnReadsItsOwnWrites() {
    put("a", "1"); // 2
    try (WriteBatch batch = store.beginBatch()) {
      TxnWrite first = batch.write();
      assertEquals(2, first.rev());
      first.put(b("a"), b("2"), 0);
      assertEquals(3, first.rev());
      assertEquals("a=2 c2 m3 v2 l0", describe(first.range(b("a"), null, RangeOptions.LATEST).kvs().get(0)));
      first.put(b("a"), b("3"), 0); // same key twice in one txn: next version, next sub
      assertEquals("a=3 c2 m3 v3 l0", describe(first.range(b("a"), null, RangeOptions.LATEST).kvs().get(0)));
      first.put(b("b"), b("1"), 0);
      assertEquals(2, first.deleteRange(b("a"), b("c")));
      assertEquals(0, first.range(ALL, ALL, RangeOptions.LATEST).count());
      first.put(b("a"), b("4"), 0);
      assertEquals("a=4 c3 m3 v1 l0", describe(first.range(b("a"), null, RangeOptions.LATEST).kvs().get(0)));
      assertEquals(
          List.of("a=2 c2 m3 v2 l0", "a=3 c2 m3 v3 l0", "b=1 c3 m3 v1 l0", "a= c0 m3 v0 l0",
              "b= c0 m3 v0 l0", "a=4 c3 m3 v1 l0"),
          first.changes().stream().map(MvccStoreContractTest::describe).toList());
      first.end();

      // The next txn of the same batch sees the first; readers still see revision 2.
      TxnWrite second = batch.write();
      assertEquals(3, second.rev());
      assertEquals("a=4 c3 m3 v1 l0", describe(second.range(b("a"), null, RangeOptions.LATEST).kvs().get(0)));
      assertThrows(FutureRevisionException.class, () -> second.range(b("a"), null, new RangeOptions(0, 4, false)));
      second.end();
      assertEquals(2, store.rev());
      assertEquals(List.of("a=1 c2 m2 v1 l0"), dump(0));
      batch.commit();
    }
    assertEquals(3, store.rev());
    assertEquals(List.of("a=4 c3 m3 v1 l0"), dump(0));
  }

  @Test
  void readersDoNotSeeAnUncommittedBatch() {
    put("a", "1"); // 2
    TxnRead before = store.read();
    WriteBatch batch = store.beginBatch();
    TxnWrite txn = batch.write();
    txn.put(b("a"), b("2"), 0);
    txn.put(b("b"), b("2"), 0);
    txn.end();
    try (TxnRead during = store.read()) {
      assertEquals(2, during.rev());
      assertEquals(List.of("a=1 c2 m2 v1 l0"), descriptions(during.range(ALL, ALL, RangeOptions.LATEST)));
      assertThrows(FutureRevisionException.class, () -> during.range(ALL, ALL, new RangeOptions(0, 3, false)));
    }
    batch.commit();
    batch.close();
    assertEquals(3, store.rev());
    // A view opened before the commit keeps reading at its revision.
    assertEquals(2, before.rev());
    assertEquals(List.of("a=1 c2 m2 v1 l0"), descriptions(before.range(ALL, ALL, RangeOptions.LATEST)));
    before.close();
    assertEquals(List.of("a=2 c2 m3 v2 l0", "b=2 c3 m3 v1 l0"), dump(0));
  }

  static List<String> descriptions(RangeResult r) {
    List<String> out = new ArrayList<>();
    for (KeyValue kv : r.kvs()) {
      out.add(describe(kv));
    }
    return out;
  }

  @Test
  void consistentIndexIsStoredWithTheBatch() {
    try (WriteBatch batch = store.beginBatch()) {
      batch.setConsistentIndex(7);
      assertEquals(0, store.consistentIndex());
      batch.commit();
    }
    assertEquals(7, store.consistentIndex());
    try (WriteBatch batch = store.beginBatch()) {
      batch.setConsistentIndex(9); // aborted: not stored
    }
    assertEquals(7, store.consistentIndex());
    restart();
    assertEquals(7, store.consistentIndex());
  }

  @Test
  void batchProtocolIsEnforced() {
    WriteBatch batch = store.beginBatch();
    assertThrows(IllegalStateException.class, store::beginBatch);
    assertThrows(IllegalStateException.class, () -> store.compactionStep(10));
    TxnWrite txn = batch.write();
    assertThrows(IllegalStateException.class, batch::write);
    assertThrows(IllegalStateException.class, batch::commit);
    txn.end();
    assertThrows(IllegalStateException.class, () -> txn.put(b("a"), b("b"), 0));
    batch.commit();
    assertThrows(IllegalStateException.class, batch::write);
    batch.close();
    // A batch aborted before it touched the index leaves the store usable.
    store.beginBatch().close();
    assertEquals(2, put("a", "1"));
  }

  @Test
  void abortedBatchThatChangedTheIndexIsFatal() {
    WriteBatch batch = store.beginBatch();
    TxnWrite txn = batch.write();
    txn.put(b("a"), b("1"), 0);
    txn.end();
    batch.close();
    assertEquals(1, store.rev());
    assertThrows(IllegalStateException.class, store::beginBatch);
  }

  // ------------------------------------------------------------ compaction

  /** a: 2,3,4; b: 5, deleted at 6; c: 7; a deleted at 8, re-created at 9. */
  void history() {
    put("a", "1");
    put("a", "2");
    put("a", "3");
    put("b", "1");
    delete("b", null);
    put("c", "1");
    delete("a", null);
    put("a", "4");
    assertEquals(9, store.rev());
  }

  @Test
  void compactionRemovesSupersededRevisions() {
    history();
    List<String> at7 = dump(7);
    CompletableFuture<Void> done = compact(7);
    assertEquals(7, store.compactRev());
    assertFalse(done.isDone());
    for (long rev = 1; rev < 7; rev++) {
      long r = rev;
      assertThrows(CompactedException.class, () -> dump(r));
      assertThrows(CompactedException.class, () -> range(ALL, ALL, new RangeOptions(0, r, true)));
    }
    assertEquals(at7, dump(7), "the compacted revision itself stays readable (etcd)");
    assertEquals(List.of("a=4 c9 m9 v1 l0", "c=1 c7 m7 v1 l0"), dump(9));
    // Index compacted at once; backend untouched until the steps run.
    assertEquals(List.of("2.0", "3.0", "4.0", "5.0", "6.0t", "7.0", "8.0t", "9.0"), backendRevisions());
    assertTrue(store.compactionStep(3)); // scans 2,3,4: deletes 2,3
    assertEquals(List.of("4.0", "5.0", "6.0t", "7.0", "8.0t", "9.0"), backendRevisions());
    finishCompaction();
    assertTrue(done.isDone());
    assertFalse(store.compactionStep(3));
    // Newest of a before 7 (4) and c (7) kept; b's closed generation gone; after 7 untouched.
    assertEquals(List.of("4.0", "7.0", "8.0t", "9.0"), backendRevisions());
    assertEquals(at7, dump(7));

    assertThrows(CompactedException.class, () -> compact(7));
    assertThrows(CompactedException.class, () -> compact(3));
    assertThrows(FutureRevisionException.class, () -> compact(10));
  }

  @Test
  void compactAtCurrentRevisionKeepsRevisionAfterRestart() {
    put("a", "1"); // 2
    delete("a", null); // 3
    CompletableFuture<Void> done = compact(3);
    finishCompaction();
    assertTrue(done.isDone());
    assertEquals(List.of("3.0t"), backendRevisions(), "a tombstone at the compacted rev is kept");
    put("b", "1"); // 4
    delete("b", null); // 5
    compact(5);
    finishCompaction();
    assertEquals(List.of("5.0t"), backendRevisions());
    restart();
    assertEquals(5, store.rev());
    assertEquals(5, store.compactRev());
    assertEquals(6, put("c", "1"));
    assertEquals(List.of("c=1 c6 m6 v1 l0"), dump(0));
  }

  @Test
  void laterCompactionSupersedesARunningOne() {
    history();
    CompletableFuture<Void> first = compact(4);
    assertTrue(store.compactionStep(1));
    CompletableFuture<Void> second = compact(8);
    finishCompaction();
    assertTrue(first.isDone());
    assertTrue(second.isDone());
    assertEquals(List.of("7.0", "8.0t", "9.0"), backendRevisions());
    assertEquals(List.of("a=4 c9 m9 v1 l0", "c=1 c7 m7 v1 l0"), dump(0));
    assertEquals(List.of("c=1 c7 m7 v1 l0"), dump(8));
  }

  @Test
  void writesAndCompactionInOneBatch() {
    history();
    try (WriteBatch batch = store.beginBatch()) {
      batch.setConsistentIndex(3);
      TxnWrite txn = batch.write();
      txn.put(b("d"), b("1"), 0); // 10
      txn.end();
      batch.compact(10);
      assertThrows(CompactedException.class, () -> batch.compact(9));
      TxnWrite after = batch.write();
      assertThrows(CompactedException.class, () -> after.range(ALL, ALL, new RangeOptions(0, 9, false)));
      after.put(b("e"), b("1"), 0); // 11
      after.end();
      batch.commit();
    }
    assertEquals(11, store.rev());
    assertEquals(10, store.compactRev());
    finishCompaction();
    assertEquals(List.of("7.0", "9.0", "10.0", "11.0"), backendRevisions());
  }

  // ------------------------------------------------------------ restart

  /** A seeded mixed workload; returns the revision dumps it can check after a restart. */
  Map<Long, List<String>> workload(long seed, int txns) {
    Random random = new Random(seed);
    for (int i = 0; i < txns; i++) {
      try (WriteBatch batch = store.beginBatch()) {
        int txnsInBatch = 1 + random.nextInt(3);
        for (int t = 0; t < txnsInBatch; t++) {
          TxnWrite txn = batch.write();
          int ops = 1 + random.nextInt(3);
          for (int o = 0; o < ops; o++) {
            String key = "k" + random.nextInt(20);
            if (random.nextInt(4) == 0) {
              txn.deleteRange(b(key), random.nextBoolean() ? null : b(key + "5"));
            } else {
              txn.put(b(key), b("v" + i + "." + o), random.nextInt(3));
            }
          }
          txn.end();
        }
        batch.setConsistentIndex(i + 1);
        batch.commit();
      }
    }
    Map<Long, List<String>> dumps = new LinkedHashMap<>();
    for (long rev = Math.max(1, store.compactRev()); rev <= store.rev(); rev++) {
      dumps.put(rev, dump(rev));
    }
    return dumps;
  }

  void assertSameState(Map<Long, List<String>> dumps, long rev, long compactRev, long ci, long keys) {
    assertEquals(rev, store.rev());
    assertEquals(compactRev, store.compactRev());
    assertEquals(ci, store.consistentIndex());
    assertEquals(keys, store.keyCount());
    for (Map.Entry<Long, List<String>> e : dumps.entrySet()) {
      if (e.getKey() >= compactRev) {
        assertEquals(e.getValue(), dump(e.getKey()), "at revision " + e.getKey());
      }
    }
  }

  @Test
  void restartRebuildsIdenticalState() {
    Map<Long, List<String>> dumps = workload(1, 200);
    long rev = store.rev();
    long keys = store.keyCount();
    restart();
    assertSameState(dumps, rev, 0, 200, keys);
    // And it goes on writing from there, with the right versions.
    Map<Long, List<String>> more = workload(2, 50);
    restart();
    assertSameState(more, store.rev(), 0, 50, store.keyCount());
  }

  @Test
  void restoreFromAnotherStoresSnapshotReplacesEverything() throws java.io.IOException {
    Map<Long, List<String>> dumps = workload(5, 200);
    long compactTo = store.rev() - 40;
    compact(compactTo);
    assertTrue(store.compactionStep(5)); // the snapshot carries an unfinished compaction
    long rev = store.rev();
    long keys = store.keyCount();
    HashResult hash = store.hashByRev(rev);
    MvccStore source = store;
    try (StoreSnapshot snap = store.snapshot()) {
      put("after", "not in the snapshot");
      assertEquals(200, snap.consistentIndex());
      backend = newBackend();
      store = new MvccStore(backend, new TreeIndex());
      workload(6, 30); // data of its own, all of it replaced
      compact(store.rev() - 5); // and a compaction of its own, dropped by the restore
      store.restore(snap.data());
    } finally {
      source.close();
    }
    assertSameState(dumps, rev, compactTo, 200, keys);
    assertEquals(hash, store.hashByRev(rev));
    finishCompaction();
    assertEquals(dumps.get(rev), dump(rev));
    long next = put("more", "writes go on from the snapshot's revision");
    assertEquals(rev + 1, next);
    restart();
    assertEquals(rev + 1, store.rev());
    assertEquals(200, store.consistentIndex());
  }

  @Test
  void restoreFromACutSnapshotChangesNothing() throws java.io.IOException {
    workload(7, 50);
    byte[] data;
    try (StoreSnapshot snap = store.snapshot()) {
      data = snap.data().readAllBytes();
    }
    Map<Long, List<String>> mine = workload(8, 20);
    long rev = store.rev();
    long keys = store.keyCount();
    byte[] cut = java.util.Arrays.copyOf(data, data.length - 3);
    assertThrows(
        java.io.IOException.class, () -> store.restore(new java.io.ByteArrayInputStream(cut)));
    assertSameState(mine, rev, 0, 20, keys);
    put("still", "writable");
  }

  @Test
  void restartAfterFinishedCompaction() {
    Map<Long, List<String>> dumps = workload(3, 200);
    long compactTo = store.rev() - 40;
    compact(compactTo);
    finishCompaction();
    long rev = store.rev();
    long keys = store.keyCount();
    restart();
    assertSameState(dumps, rev, compactTo, 200, keys);
    assertThrows(CompactedException.class, () -> dump(compactTo - 1));
    assertFalse(store.compactionStep(10));
    // Compacting again after the restart works from the rebuilt index.
    compact(rev);
    finishCompaction();
    assertEquals(dumps.get(rev), dump(rev));
  }

  @Test
  void restartResumesAnUnfinishedCompaction() {
    Map<Long, List<String>> dumps = workload(4, 200);
    long compactTo = store.rev() - 30;
    compact(compactTo);
    assertTrue(store.compactionStep(25));
    assertTrue(store.compactionStep(25));
    long rev = store.rev();
    long keys = store.keyCount();
    restart();
    assertEquals(compactTo, store.compactRev());
    assertSameState(dumps, rev, compactTo, 200, keys);
    finishCompaction();
    assertSameState(dumps, rev, compactTo, 200, keys);
    List<String> resumed = backendRevisions();

    // The same history compacted without interruption leaves the same revisions.
    store.close();
    backend = newBackend();
    store = new MvccStore(backend, new TreeIndex());
    workload(4, 200);
    compact(compactTo);
    finishCompaction();
    assertEquals(resumed, backendRevisions());
    restart();
    assertSameState(dumps, rev, compactTo, 200, store.keyCount());
  }

  @Test
  void readViewSurvivesPhysicalCompactionOfItsSnapshot() {
    history();
    try (TxnRead old = store.read()) {
      compact(9);
      finishCompaction();
      assertEquals(List.of("a=4 c9 m9 v1 l0", "c=1 c7 m7 v1 l0"), descriptions(old.range(ALL, ALL, RangeOptions.LATEST)));
      assertThrows(CompactedException.class, () -> old.range(ALL, ALL, new RangeOptions(0, 8, false)));
    }
  }

  /**
   * Readers on other threads while the apply thread writes and compacts: every read sees a whole
   * batch (all ten keys written by one txn carry the same value), and a read either succeeds
   * consistently or throws CompactedException because a compaction has passed its revision.
   */
  @Test
  void concurrentReadersSeeWholeBatchesDuringCompaction() throws Exception {
    int keys = 10;
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicLong reads = new java.util.concurrent.atomic.AtomicLong();
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
    List<java.util.concurrent.Future<?>> readers = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      int lag = t; // reader t reads t revisions behind
      readers.add(
          pool.submit(
              () -> {
                while (!stop.get()) {
                  try (TxnRead read = store.read()) {
                    long at = Math.max(1, read.rev() - lag);
                    RangeResult r;
                    try {
                      r = read.range(ALL, ALL, new RangeOptions(0, at, false));
                    } catch (CompactedException e) {
                      // Only legitimate if a compaction passed the revision (a slow view).
                      assertTrue(at < store.compactRev(), at + " vs " + store.compactRev());
                      continue;
                    }
                    if (at > 1) {
                      assertEquals(keys, r.kvs().size(), "at " + at);
                      String value = r.kvs().get(0).getValue().toStringUtf8();
                      for (KeyValue kv : r.kvs()) {
                        assertEquals(value, kv.getValue().toStringUtf8());
                        assertEquals(at, kv.getModRevision());
                      }
                      assertEquals(Long.toString(at), value);
                    }
                    reads.incrementAndGet();
                  }
                }
                return null;
              }));
    }
    try {
      for (int i = 0; i < 400; i++) {
        try (WriteBatch batch = store.beginBatch()) {
          TxnWrite txn = batch.write();
          long rev = store.rev() + 1;
          for (int k = 0; k < keys; k++) {
            txn.put(b("k" + k), b(Long.toString(rev)), 0);
          }
          txn.end();
          if (i % 20 == 19) {
            batch.compact(store.rev() - 1);
          }
          batch.commit();
        }
        while (store.compactionStep(7)) {
          Thread.yield();
        }
      }
    } finally {
      stop.set(true);
      for (java.util.concurrent.Future<?> f : readers) {
        f.get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      pool.shutdownNow();
    }
    assertTrue(reads.get() > 0);
  }
}
