package io.etcdj.storage.mvcc;

import static io.etcdj.storage.mvcc.KeyIndexTest.r;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Mirrors etcd's server/storage/mvcc/index_test.go, plus ranges, limits and concurrency. */
class TreeIndexTest {
  private static final byte[] FROM_KEY = {0};

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static List<String> strings(List<byte[]> keys) {
    List<String> out = new ArrayList<>();
    for (byte[] key : keys) {
      out.add(new String(key, StandardCharsets.UTF_8));
    }
    return out;
  }

  static Stream<Arguments> getCases() {
    return Stream.of(
        Arguments.of(0, null),
        Arguments.of(1, null),
        Arguments.of(2, new Index.KeyState(r(2), r(2), 1)),
        Arguments.of(3, new Index.KeyState(r(2), r(2), 1)),
        Arguments.of(4, new Index.KeyState(r(4), r(2), 2)),
        Arguments.of(5, new Index.KeyState(r(4), r(2), 2)),
        Arguments.of(6, null),
        Arguments.of(7, null));
  }

  @ParameterizedTest(name = "get at {0}")
  @MethodSource("getCases")
  void get(long atRev, Index.KeyState want) {
    TreeIndex ti = new TreeIndex();
    ti.put(b("foo"), r(2));
    ti.put(b("foo"), r(4));
    ti.tombstone(b("foo"), r(6));

    assertEquals(want, ti.get(b("foo"), atRev));
    assertNull(ti.get(b("bar"), atRev), "never written");
  }

  /** Keys foo, foo1, foo2 put at 1, 2, 3; ranges read at 3. */
  static Stream<Arguments> rangeCases() {
    return Stream.of(
        Arguments.of("bar", null, List.of()),
        Arguments.of("foo", null, List.of("foo")),
        Arguments.of("foo", "", List.of("foo")),
        Arguments.of("foo", "foo1", List.of("foo")),
        Arguments.of("foo", "foo2", List.of("foo", "foo1")),
        Arguments.of("foo", "fop", List.of("foo", "foo1", "foo2")),
        Arguments.of("foo1", "fop", List.of("foo1", "foo2")),
        Arguments.of("foo2", "fop", List.of("foo2")),
        Arguments.of("foo3", "fop", List.of()),
        Arguments.of("fop", "foo", List.of()),
        Arguments.of("foo1", "\0", List.of("foo1", "foo2")),
        Arguments.of("", "\0", List.of("foo", "foo1", "foo2")),
        Arguments.of("a", "\0", List.of("foo", "foo1", "foo2")));
  }

  @ParameterizedTest(name = "[{0}, {1})")
  @MethodSource("rangeCases")
  void range(String key, String end, List<String> wantKeys) {
    TreeIndex ti = new TreeIndex();
    Map<String, Revision> revs = Map.of("foo", r(1), "foo1", r(2), "foo2", r(3));
    revs.forEach((k, rev) -> ti.put(b(k), rev));
    byte[] endBytes = end == null ? null : b(end);

    Index.RangeRevisions all = ti.revisions(b(key), endBytes, 3, 0);
    assertEquals(wantKeys, strings(all.keys()));
    assertEquals(wantKeys.stream().map(revs::get).toList(), all.revisions());
    assertEquals(wantKeys.size(), all.total());
    assertEquals(wantKeys.size(), ti.countRevisions(b(key), endBytes, 3));

    Index.RangeRevisions limited = ti.revisions(b(key), endBytes, 3, 1);
    assertEquals(wantKeys.stream().limit(1).toList(), strings(limited.keys()));
    assertEquals(wantKeys.size(), limited.total(), "total is not capped by the limit");
  }

  @Test
  void rangeWithLimitCountsOnlyLiveKeys() {
    TreeIndex ti = new TreeIndex(2);
    for (int i = 0; i < 100; i++) {
      ti.put(b(String.format("k%03d", i)), r(i + 1));
    }
    for (int i = 0; i < 100; i += 2) {
      ti.tombstone(b(String.format("k%03d", i)), r(101 + i));
    }
    long atRev = 300;

    Index.RangeRevisions page = ti.revisions(b("k"), b("l"), atRev, 10);
    assertEquals(10, page.keys().size());
    assertEquals(10, page.revisions().size());
    assertEquals(50, page.total());
    assertEquals("k001", strings(page.keys()).get(0));
    assertEquals("k019", strings(page.keys()).get(9));
    assertEquals(r(20), page.revisions().get(9));

    Index.RangeRevisions older = ti.revisions(b("k"), b("l"), 150, 0);
    assertEquals(75, older.total(), "at 150 only the deletes up to k048 have happened");
    assertEquals(75, older.keys().size());
    assertEquals(100, ti.size(), "deleted keys stay until compacted");
  }

  @Test
  void readersAtAnOlderRevisionDoNotSeeNewerRevisions() {
    TreeIndex ti = new TreeIndex(2);
    // Revision n writes key k(n % 10); k0's write at 30 is a delete, re-created at 40.
    for (long rev = 1; rev <= 40; rev++) {
      byte[] key = b("k" + rev % 10);
      if (rev == 30) {
        ti.tombstone(key, r(rev));
      } else {
        ti.put(key, r(rev));
      }
    }

    for (long atRev = 0; atRev <= 40; atRev++) {
      Index.RangeRevisions view = ti.revisions(b("k"), b("l"), atRev, 0);
      boolean k0Deleted = atRev >= 30 && atRev < 40;
      long wantLive = Math.min(atRev, 10) - (k0Deleted ? 1 : 0);
      assertEquals(wantLive, view.total(), "live keys at " + atRev);
      for (int i = 0; i < view.keys().size(); i++) {
        long main = view.revisions().get(i).main();
        assertTrue(main <= atRev, "revision " + main + " newer than " + atRev);
        assertTrue(main > atRev - 10, "revision " + main + " superseded at " + atRev);
        assertEquals("k" + main % 10, strings(view.keys()).get(i));
      }
    }
    assertEquals(new Index.KeyState(r(40), r(40), 1), ti.get(b("k0"), 40), "re-created");
    assertEquals(new Index.KeyState(r(20), r(10), 2), ti.get(b("k0"), 29));
    assertNull(ti.get(b("k0"), 35));
  }

  @Test
  void tombstone() {
    TreeIndex ti = new TreeIndex();
    ti.put(b("foo"), r(1));
    ti.tombstone(b("foo"), r(2));

    assertNull(ti.get(b("foo"), 2));
    assertThrows(IllegalStateException.class, () -> ti.tombstone(b("foo"), r(3)));
    assertThrows(IllegalStateException.class, () -> ti.tombstone(b("bar"), r(3)));
    assertEquals(1, ti.size());
    assertNull(ti.get(b("bar"), 3));
  }

  @Test
  void putNotAfterTheLastRevisionIsABrokenInvariant() {
    TreeIndex ti = new TreeIndex();
    ti.put(b("foo"), r(5, 1));

    assertThrows(IllegalStateException.class, () -> ti.put(b("foo"), r(5, 1)));
    assertThrows(IllegalStateException.class, () -> ti.put(b("foo"), r(4)));
    assertThrows(IllegalArgumentException.class, () -> ti.put(null, r(6)));
    assertThrows(IllegalArgumentException.class, () -> ti.put(b("foo"), null));
    assertEquals(new Index.KeyState(r(5, 1), r(5, 1), 1), ti.get(b("foo"), 10));
  }

  @Test
  void putCopiesTheCallersKey() {
    TreeIndex ti = new TreeIndex();
    byte[] key = b("foo");
    ti.put(key, r(1));
    key[0] = 'z';

    assertNotNull(ti.get(b("foo"), 1));
    assertNull(ti.get(b("zoo"), 1));
  }

  @Test
  void restore() {
    TreeIndex ti = new TreeIndex();
    ti.restore(b("foo"), r(3), r(7), 4);
    ti.restore(b("foo"), r(3), r(9), 5);
    ti.restoreTombstone(b("bar"), r(8));
    ti.restoreTombstone(b("foo"), r(10));

    assertEquals(new Index.KeyState(r(7), r(3), 4), ti.get(b("foo"), 8));
    assertEquals(new Index.KeyState(r(9), r(3), 5), ti.get(b("foo"), 9));
    assertNull(ti.get(b("foo"), 10));
    assertNull(ti.get(b("bar"), 8));
    assertEquals(Set.of(r(7), r(8)), ti.compact(8), "foo's value at 8 and bar's tombstone at 8");
  }

  /** The history of etcd's TestIndexCompactAndKeep: foo, foo1, foo2 with deletes at 7, 8, 9. */
  record Op(String key, boolean remove, Revision rev, Revision created, long version) {}

  static final List<Op> HISTORY =
      List.of(
          new Op("foo", false, r(1), r(1), 1),
          new Op("foo1", false, r(2), r(2), 1),
          new Op("foo2", false, r(3), r(3), 1),
          new Op("foo2", false, r(4), r(3), 2),
          new Op("foo", false, r(5), r(1), 2),
          new Op("foo1", false, r(6), r(2), 2),
          new Op("foo1", true, r(7), null, 0),
          new Op("foo2", true, r(8), null, 0),
          new Op("foo", true, r(9), null, 0),
          new Op("foo", false, r(10, 0), r(10, 0), 1),
          new Op("foo1", false, r(10, 1), r(10, 1), 1));

  static TreeIndex historyIndex() {
    TreeIndex ti = new TreeIndex(2);
    for (Op op : HISTORY) {
      if (op.remove()) {
        ti.tombstone(b(op.key()), op.rev());
      } else {
        ti.put(b(op.key()), op.rev());
      }
    }
    return ti;
  }

  /**
   * What compaction at rev must leave: the index restart would rebuild from the revisions the
   * compaction kept plus every revision after rev.
   */
  static TreeIndex rebuiltFrom(Set<Revision> kept, long rev) {
    TreeIndex want = new TreeIndex(2);
    for (Op op : HISTORY) {
      if (kept.contains(op.rev()) || op.rev().main() > rev) {
        if (op.remove()) {
          want.restoreTombstone(b(op.key()), op.rev());
        } else {
          want.restore(b(op.key()), op.created(), op.rev(), op.version());
        }
      }
    }
    return want;
  }

  /**
   * Key histories compared by their revisions, plus created and version of every generation that
   * holds a put: a generation left holding only its tombstone is never read, and its created and
   * version cannot be rebuilt from the tombstone alone.
   */
  static String describe(TreeIndex ti, String key) {
    KeyIndex ki = ti.keyIndex(b(key));
    if (ki == null) {
      return key + ": absent";
    }
    StringBuilder s = new StringBuilder(key).append(": modified=").append(ki.modified());
    for (int i = 0; i < ki.generationCount(); i++) {
      Generation g = ki.generation(i);
      boolean tombstoneOnly = g.size() == 1 && i < ki.generationCount() - 1;
      s.append(" {");
      if (!g.isEmpty() && !tombstoneOnly) {
        s.append("created=").append(g.created()).append(" ver=").append(g.version()).append(' ');
      }
      for (int j = 0; j < g.size(); j++) {
        s.append(g.revisionAt(j)).append(' ');
      }
      s.append('}');
    }
    return s.toString();
  }

  static void assertSameHistories(TreeIndex want, TreeIndex got, String message) {
    assertEquals(want.size(), got.size(), message + ": size");
    for (String key : List.of("foo", "foo1", "foo2")) {
      assertEquals(describe(want, key), describe(got, key), message);
    }
  }

  /** The revisions in kept that are tombstones exactly at rev (compact keeps them, keep not). */
  static Set<Revision> tombstonesAt(Set<Revision> kept, long rev) {
    Set<Revision> out = new HashSet<>();
    for (Op op : HISTORY) {
      if (op.remove() && op.rev().main() == rev && kept.contains(op.rev())) {
        out.add(op.rev());
      }
    }
    return out;
  }

  @Test
  void compactAndKeepContinuously() {
    TreeIndex ti = historyIndex();
    for (long rev = 1; rev < 20; rev++) {
      Set<Revision> keep = ti.keep(rev);
      Set<Revision> kept = ti.compact(rev);

      Set<Revision> keptWithoutTombstones = new HashSet<>(kept);
      keptWithoutTombstones.removeAll(tombstonesAt(kept, rev));
      assertEquals(keptWithoutTombstones, keep, "keep at " + rev);
      assertSameHistories(rebuiltFrom(kept, rev), ti, "compact at " + rev);
    }
    assertEquals(2, ti.size(), "foo2 is gone, foo and foo1 live");
  }

  @Test
  void compactAndKeepOnce() {
    for (long rev = 1; rev < 20; rev++) {
      TreeIndex ti = historyIndex();
      Set<Revision> keep = ti.keep(rev);
      Set<Revision> kept = ti.compact(rev);

      Set<Revision> keptWithoutTombstones = new HashSet<>(kept);
      keptWithoutTombstones.removeAll(tombstonesAt(kept, rev));
      assertEquals(keptWithoutTombstones, keep, "keep at " + rev);
      assertSameHistories(rebuiltFrom(kept, rev), ti, "compact at " + rev);
    }
  }

  static Stream<Arguments> keptSets() {
    return Stream.of(
        Arguments.of(1, Set.of(r(1))),
        Arguments.of(4, Set.of(r(1), r(2), r(4))),
        Arguments.of(6, Set.of(r(5), r(6), r(4))),
        Arguments.of(7, Set.of(r(5), r(7), r(4))),
        Arguments.of(8, Set.of(r(5), r(8))),
        Arguments.of(9, Set.of(r(9))),
        Arguments.of(10, Set.of(r(10, 0), r(10, 1))),
        Arguments.of(11, Set.of(r(10, 0), r(10, 1))));
  }

  @ParameterizedTest(name = "compact at {0}")
  @MethodSource("keptSets")
  void compactKeepsTheNewestRevisionOfEachNeededGeneration(long rev, Set<Revision> want) {
    assertEquals(want, historyIndex().compact(rev));
  }

  /**
   * Property: compaction at c changes no read at c or later, and keeps every revision a read at c
   * returns. Checked on a random history over more keys than one compaction batch holds.
   */
  @Test
  void compactionDoesNotChangeReadsAtOrAfterTheCompactedRevision() {
    Random random = new Random(42);
    TreeIndex ti = new TreeIndex(3);
    int keyCount = TreeIndex.KEYS_PER_LOCK_MAX * 3 + 7;
    boolean[] live = new boolean[keyCount];
    long rev = 0;
    for (int step = 0; step < 30_000; step++) {
      int k = random.nextInt(keyCount);
      byte[] key = b(String.format("key/%05d", k));
      rev++;
      int subs = 1 + random.nextInt(2);
      for (int sub = 0; sub < subs; sub++) {
        if (live[k] && random.nextInt(3) == 0) {
          ti.tombstone(key, r(rev, sub));
          live[k] = false;
        } else {
          ti.put(key, r(rev, sub));
          live[k] = true;
        }
      }
    }

    long[] compactAt = {rev / 4, rev / 2, rev / 2, rev - 10, rev + 5};
    for (long c : compactAt) {
      Map<String, Index.KeyState> before = readAll(ti, keyCount, c, rev);
      Index.RangeRevisions atC = ti.revisions(b("key/"), FROM_KEY, c, 0);
      long sizeBefore = ti.size();

      Set<Revision> keep = ti.keep(c);
      Set<Revision> kept = ti.compact(c);

      assertEquals(before, readAll(ti, keyCount, c, rev), "reads changed by compact(" + c + ")");
      assertTrue(kept.containsAll(atC.revisions()), "compact(" + c + ") dropped a live value");
      assertTrue(kept.containsAll(keep), "keep is a subset of what compact keeps");
      assertTrue(ti.size() <= sizeBefore);
    }
    assertEquals(
        ti.revisions(b("key/"), FROM_KEY, rev, 0).total(), ti.size(), "only live keys remain");
  }

  /** Every key's state at a few revisions in [from, to], keyed "key@rev". */
  private static Map<String, Index.KeyState> readAll(
      TreeIndex ti, int keyCount, long from, long to) {
    Map<String, Index.KeyState> out = new HashMap<>();
    long[] revs = {from, from + 1, (from + to) / 2, to};
    for (int k = 0; k < keyCount; k++) {
      for (long atRev : revs) {
        String key = String.format("key/%05d", k);
        out.put(key + "@" + atRev, ti.get(b(key), atRev));
      }
    }
    return out;
  }

  /**
   * One writer applies a fixed schedule (revision n writes key n % 64, deleting it when it is live
   * and n % 5 == 0) and publishes each revision after indexing it; it also compacts far behind.
   * Readers read at the published revision and check their view against the schedule: no
   * revision above what they asked for, each key at its newest revision, the exact live count,
   * and views that never go backwards.
   */
  @Test
  void concurrentReadersSeeConsistentViewsWhileOneWriterWrites() throws Exception {
    int keys = 64;
    int revisions = 60_000;
    boolean[] isPut = new boolean[revisions + 1];
    long[] liveAt = new long[revisions + 1];
    boolean[] live = new boolean[keys];
    long liveCount = 0;
    for (int n = 1; n <= revisions; n++) {
      int k = n % keys;
      isPut[n] = !(live[k] && n % 5 == 0);
      liveCount += isPut[n] == live[k] ? 0 : isPut[n] ? 1 : -1;
      live[k] = isPut[n];
      liveAt[n] = liveCount;
    }

    TreeIndex ti = new TreeIndex(4);
    AtomicLong published = new AtomicLong();
    AtomicLong compacted = new AtomicLong();
    AtomicBoolean done = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(5);
    try {
      Future<?> writer =
          pool.submit(
              () -> {
                for (int n = 1; n <= revisions; n++) {
                  byte[] key = b(String.format("k%02d", n % keys));
                  if (isPut[n]) {
                    ti.put(key, r(n));
                  } else {
                    ti.tombstone(key, r(n));
                  }
                  published.set(n);
                  if (n % 5_000 == 0) {
                    compacted.set(n - 2_000);
                    ti.compact(n - 2_000);
                  }
                }
                done.set(true);
              });
      List<Future<Long>> readers = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        readers.add(
            pool.submit(
                () -> readUntilDone(ti, published, compacted, done, keys, isPut, liveAt)));
      }
      writer.get(60, TimeUnit.SECONDS);
      long checked = 0;
      for (Future<Long> reader : readers) {
        checked += reader.get(60, TimeUnit.SECONDS);
      }
      assertTrue(checked > 0, "readers checked some views");
      assertEquals(liveAt[revisions], ti.revisions(b("k"), FROM_KEY, revisions, 0).total());
    } finally {
      pool.shutdownNow();
    }
  }

  private static long readUntilDone(
      TreeIndex ti,
      AtomicLong published,
      AtomicLong compacted,
      AtomicBoolean done,
      int keys,
      boolean[] isPut,
      long[] liveAt) {
    long checked = 0;
    long lastAtRev = 0;
    long lastTotalRev = 0;
    while (!done.get() || checked == 0) {
      long atRev = published.get();
      if (atRev == 0) {
        continue;
      }
      Index.RangeRevisions view = ti.revisions(b("k"), FROM_KEY, atRev, 0);
      long count = ti.countRevisions(b("k"), b("l"), atRev);
      if (compacted.get() > atRev) {
        continue; // compacted past atRev while reading: the store would refuse this read
      }
      assertTrue(atRev >= lastAtRev, "published revision went backwards");
      assertEquals(liveAt[(int) atRev], view.total(), "live keys at " + atRev);
      assertEquals(view.total(), count, "count at " + atRev);
      long newest = 0;
      for (int i = 0; i < view.keys().size(); i++) {
        long main = view.revisions().get(i).main();
        String key = new String(view.keys().get(i), StandardCharsets.UTF_8);
        assertEquals(String.format("k%02d", main % keys), key);
        assertTrue(main <= atRev && main > atRev - keys, "stale or future revision " + main);
        assertTrue(isPut[(int) main], "revision " + main + " was a delete");
        newest = Math.max(newest, main);
      }
      assertTrue(newest >= lastTotalRev, "view went backwards");
      lastTotalRev = newest;
      lastAtRev = atRev;
      checked++;
    }
    return checked;
  }
}
