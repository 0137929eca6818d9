package io.etcdj.storage.mvcc;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link KV#hashByRev} and {@link KV#hash} (etcd's {@code HashByRev}, {@code Hash}), run over every
 * backend by a subclass. The golden numbers were printed by a real etcd 3.4.23 ({@code etcdctl
 * endpoint hashkv --rev N -w json}) after the same etcdctl writes.
 */
abstract class KvHashContractTest {
  /** CRC-32C of "key": the hash of a store with no revision (etcd 3.4.23, new member). */
  static final long EMPTY_HASH = 1084519789L;

  /** etcd 3.4.23 after {@link #history()}: hashkv --rev N for N = 1..9. */
  static final long[] HISTORY_HASHES = {
    0L, // unused: revisions start at 1
    1084519789L,
    2587454935L,
    535221974L,
    3593804405L,
    802087671L,
    3042461787L,
    552358273L,
    2949802940L,
    2750144910L,
  };

  List<KV> opened = new ArrayList<>();
  KV store;

  /** A fresh backend of the kind under test. */
  abstract Backend newBackend();

  /** Closes {@code old} and opens its data again (a restart), or returns null if not durable. */
  abstract KV reopen(KV old);

  @BeforeEach
  void setUp() {
    store = open();
  }

  @AfterEach
  void tearDown() {
    for (KV kv : opened) {
      kv.close();
    }
  }

  KV open() {
    KV kv = KvStores.open(newBackend());
    opened.add(kv);
    return kv;
  }

  static KV openInMemory() {
    return KvStores.openInMemory();
  }

  // ------------------------------------------------------------ helpers

  static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  static void put(KV kv, String key, String value) {
    write(kv, txn -> txn.put(b(key), b(value), 0));
  }

  static void delete(KV kv, String key, String end) {
    write(kv, txn -> txn.deleteRange(b(key), end == null ? null : b(end)));
  }

  static void write(KV kv, Consumer<TxnWrite> ops) {
    try (WriteBatch batch = kv.beginBatch()) {
      TxnWrite txn = batch.write();
      ops.accept(txn);
      txn.end();
      batch.commit();
    }
  }

  /** Schedules a compaction and runs none of its physical steps. */
  static void scheduleCompaction(KV kv, long rev) {
    try (WriteBatch batch = kv.beginBatch()) {
      batch.compact(rev);
      batch.commit();
    }
  }

  static void compactFully(KV kv, long rev) {
    scheduleCompaction(kv, rev);
    int steps = 0;
    while (kv.compactionStep(1)) {
      assertTrue(++steps < 100_000);
    }
  }

  static long hashAt(KV kv, long rev) {
    return kv.hashByRev(rev).unsignedHash();
  }

  /** The etcdctl writes the golden numbers come from; ends at revision 9. */
  static void history(KV kv) {
    put(kv, "a", "1"); // 2
    put(kv, "a", "2"); // 3
    put(kv, "a", "3"); // 4
    put(kv, "b", "1"); // 5
    delete(kv, "b", null); // 6
    put(kv, "c", "1"); // 7
    delete(kv, "a", null); // 8
    put(kv, "a", "4"); // 9
    assertEquals(9, kv.rev());
  }

  /** A random mix of puts, overwrites, range deletes and multi-op txns. */
  static List<Consumer<KV>> randomWrites(long seed, int count) {
    Random random = new Random(seed);
    List<Consumer<KV>> writes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String key = "k" + random.nextInt(12);
      String value = "v" + random.nextInt(1000);
      switch (random.nextInt(4)) {
        case 0, 1 -> writes.add(kv -> put(kv, key, value));
        case 2 -> {
          String end = "k" + random.nextInt(12);
          writes.add(kv -> delete(kv, key, key.compareTo(end) < 0 ? end : null));
        }
        default -> {
          String other = "m" + random.nextInt(5);
          writes.add(
              kv ->
                  write(
                      kv,
                      txn -> {
                        txn.put(b(key), b(value), 0);
                        txn.put(b(other), b(value), 0);
                        txn.deleteRange(b("z"), null);
                      }));
        }
      }
    }
    return writes;
  }

  // ------------------------------------------------------------ golden values from etcd 3.4.23

  @Test
  void newStoreHashesOnlyTheBucketName() {
    HashResult h = store.hashByRev(0);
    assertEquals(EMPTY_HASH, h.unsignedHash());
    assertEquals(1, h.hashRevision());
    assertEquals(1, h.currentRevision());
    assertEquals(0, h.compactRevision());
  }

  @Test
  void historyMatchesEtcdAtEveryRevision() {
    history(store);
    for (int rev = 1; rev <= 9; rev++) {
      assertEquals(HISTORY_HASHES[rev], hashAt(store, rev), "rev " + rev);
    }
    assertEquals(HISTORY_HASHES[9], hashAt(store, 0), "rev 0 is the current revision");
  }

  @Test
  void compactionAtATombstoneMatchesEtcd() {
    history(store);
    compactFully(store, 6); // b's tombstone is at 6: etcd 3.4.23 removes it, etcdj keeps it
    assertEquals(1324541613L, hashAt(store, 0));
    assertEquals(2681738798L, hashAt(store, 7));
    assertEquals(2721115022L, hashAt(store, 8));
    assertEquals(1324541613L, hashAt(store, 9));
    assertEquals(6, store.hashByRev(9).compactRevision());
  }

  @Test
  void nothingLiveAfterCompactionMatchesEtcd() {
    history(store);
    compactFully(store, 6);
    delete(store, "a", null); // 10
    delete(store, "c", null); // 11
    compactFully(store, 11); // the keep set is empty: etcd hashes whatever the bucket holds
    assertEquals(EMPTY_HASH, hashAt(store, 0));
  }

  @Test
  void compactedAtCurrentRevisionWithOneLiveKeyMatchesEtcd() {
    put(store, "a", "1");
    put(store, "b", "2");
    delete(store, "a", null);
    assertEquals(1562576432L, hashAt(store, 0));
    compactFully(store, 4);
    assertEquals(728145079L, hashAt(store, 0));
  }

  // ------------------------------------------------------------ properties

  @Test
  void everyPutAndDeleteChangesTheHash() {
    Set<Long> seen = new HashSet<>();
    seen.add(hashAt(store, 0));
    for (Consumer<KV> w : randomWrites(7, 200)) {
      long before = store.rev();
      w.accept(store);
      if (store.rev() != before) {
        assertTrue(seen.add(hashAt(store, 0)), "hash repeated at rev " + store.rev());
      }
    }
    put(store, "k1", "same");
    long once = hashAt(store, 0);
    put(store, "k1", "same"); // the same value again is a new revision all the same
    assertNotEquals(once, hashAt(store, 0));
  }

  @Test
  void storesFedTheSameWritesAgreeAcrossBackends() {
    KV reference = openInMemory();
    opened.add(reference);
    for (Consumer<KV> w : randomWrites(11, 150)) {
      w.accept(store);
      w.accept(reference);
      assertEquals(reference.hashByRev(0), store.hashByRev(0));
      assertEquals(reference.hash().hash(), store.hash().hash());
    }
    compactFully(store, 60);
    compactFully(reference, 60);
    for (long rev = 61; rev <= store.rev(); rev++) {
      assertEquals(reference.hashByRev(rev), store.hashByRev(rev), "rev " + rev);
    }
    assertEquals(reference.hash().hash(), store.hash().hash());
  }

  @Test
  void hashAtRevEqualsAStoreThatStoppedThere() {
    List<Consumer<KV>> writes = randomWrites(23, 80);
    for (Consumer<KV> w : writes) {
      w.accept(store);
    }
    for (int n = 0; n <= writes.size(); n += 7) {
      KV prefix = openInMemory();
      opened.add(prefix);
      for (Consumer<KV> w : writes.subList(0, n)) {
        w.accept(prefix);
      }
      assertEquals(
          prefix.hashByRev(0).unsignedHash(),
          hashAt(store, prefix.rev()),
          "after " + n + " writes (rev " + prefix.rev() + ")");
    }
  }

  /**
   * etcd's guarantee (its TestHashKVWhenCompacting): for a given revision and compacted revision
   * the hash does not depend on how far the physical removal has got. Note that compacting does
   * change the hash at a later revision (the golden numbers above show it): callers compare hashes
   * only when the compact revisions are equal, which is why the answer carries it.
   */
  @Test
  void physicalCompactionProgressDoesNotChangeTheHash() {
    for (Consumer<KV> w : randomWrites(31, 120)) {
      w.accept(store);
    }
    long last = store.rev();
    long target = last / 2;
    scheduleCompaction(store, target);
    List<Long> expected = new ArrayList<>();
    for (long rev = target + 1; rev <= last; rev++) {
      expected.add(hashAt(store, rev));
    }
    int steps = 0;
    do {
      List<Long> now = new ArrayList<>();
      for (long rev = target + 1; rev <= last; rev++) {
        now.add(hashAt(store, rev));
      }
      assertEquals(expected, now, "after " + steps + " physical steps");
      steps++;
    } while (store.compactionStep(5));
    assertTrue(steps > 3, "the compaction should take several steps");
  }

  @Test
  void restartKeepsTheHash() {
    history(store);
    compactFully(store, 6);
    put(store, "d", "1");
    List<HashResult> before = new ArrayList<>();
    for (long rev = 7; rev <= store.rev(); rev++) {
      before.add(store.hashByRev(rev));
    }
    int whole = store.hash().hash();
    KV reopened = reopen(store);
    if (reopened == null) {
      return;
    }
    store = reopened;
    List<HashResult> after = new ArrayList<>();
    for (long rev = 7; rev <= store.rev(); rev++) {
      after.add(store.hashByRev(rev));
    }
    assertEquals(before, after);
    assertEquals(whole, store.hash().hash());
  }

  // ------------------------------------------------------------ errors

  @ParameterizedTest(name = "compacted at 6, rev {0}: {1}")
  @CsvSource({
    "1, compacted",
    "5, compacted",
    "6, compacted", // etcd 3.4: rev == compactRev is rejected too
    "7, ok",
    "9, ok",
    "0, ok",
    "10, future",
    "100, future",
  })
  void revisionChecks(long rev, String outcome) {
    history(store);
    compactFully(store, 6);
    switch (outcome) {
      case "compacted" -> assertThrows(CompactedException.class, () -> store.hashByRev(rev));
      case "future" -> assertThrows(FutureRevisionException.class, () -> store.hashByRev(rev));
      default -> {
        HashResult h = store.hashByRev(rev);
        assertEquals(rev == 0 ? 9 : rev, h.hashRevision());
        assertEquals(6, h.compactRevision());
        assertEquals(9, h.currentRevision());
      }
    }
  }

  @Test
  void negativeRevisionHashesNothing() {
    history(store);
    assertEquals(EMPTY_HASH, hashAt(store, -1));
  }

  // ------------------------------------------------------------ whole-backend hash

  @Test
  void backendHashIgnoresTheConsistentIndexOnly() {
    KV other = openInMemory();
    opened.add(other);
    history(store);
    history(other);
    try (WriteBatch batch = store.beginBatch()) {
      batch.setConsistentIndex(42);
      batch.commit();
    }
    assertEquals(other.hash().hash(), store.hash().hash());
    assertEquals(9, store.hash().hashRevision());
    put(other, "x", "1");
    assertNotEquals(other.hash().hash(), store.hash().hash());
    put(store, "x", "1");
    assertEquals(other.hash().hash(), store.hash().hash());
    scheduleCompaction(store, 5); // the scheduled revision is in the meta bucket
    assertNotEquals(other.hash().hash(), store.hash().hash());
  }
}
