package io.etcdj.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Mirrors etcd's server/storage/mvcc/key_index_test.go. */
class KeyIndexTest {

  static Revision r(long main) {
    return new Revision(main, 0);
  }

  static Revision r(long main, long sub) {
    return new Revision(main, sub);
  }

  /** A generation as data, for comparing with expected tables. */
  record Gen(Revision created, long version, List<Revision> revs) {
    static final Gen EMPTY = new Gen(r(0), 0, List.of());
  }

  static Gen gen(long createdMain, long version, Revision... revs) {
    return new Gen(r(createdMain), version, List.of(revs));
  }

  static List<Gen> gens(KeyIndex ki) {
    List<Gen> out = new ArrayList<>();
    for (int i = 0; i < ki.generationCount(); i++) {
      Generation g = ki.generation(i);
      List<Revision> revs = new ArrayList<>();
      for (int j = 0; j < g.size(); j++) {
        revs.add(g.revisionAt(j));
      }
      out.add(new Gen(g.created(), g.version(), revs));
    }
    return out;
  }

  static KeyIndex keyIndex() {
    return new KeyIndex("foo".getBytes(StandardCharsets.UTF_8));
  }

  /**
   * etcd's newTestKeyIndex:
   *
   * <pre>
   *   {2, 4, 6(t)}  {8, 10, 12(t)}  {14, 15.1, 16(t)}  {}
   * </pre>
   */
  static KeyIndex newTestKeyIndex() {
    KeyIndex ki = keyIndex();
    ki.put(r(2));
    ki.put(r(4));
    ki.tombstone(r(6));
    ki.put(r(8));
    ki.put(r(10));
    ki.tombstone(r(12));
    ki.put(r(14));
    ki.put(r(15, 1));
    ki.tombstone(r(16));
    return ki;
  }

  static Stream<Arguments> getCases() {
    return Stream.of(
        Arguments.of(17, null),
        Arguments.of(16, null),
        // generation 3
        Arguments.of(15, new Index.KeyState(r(15, 1), r(14), 2)),
        Arguments.of(14, new Index.KeyState(r(14), r(14), 1)),
        Arguments.of(13, null),
        Arguments.of(12, null),
        // generation 2
        Arguments.of(11, new Index.KeyState(r(10), r(8), 2)),
        Arguments.of(10, new Index.KeyState(r(10), r(8), 2)),
        Arguments.of(9, new Index.KeyState(r(8), r(8), 1)),
        Arguments.of(8, new Index.KeyState(r(8), r(8), 1)),
        Arguments.of(7, null),
        Arguments.of(6, null),
        // generation 1, compacted at 4: revision 2 is gone
        Arguments.of(5, new Index.KeyState(r(4), r(2), 2)),
        Arguments.of(4, new Index.KeyState(r(4), r(2), 2)),
        Arguments.of(3, null),
        Arguments.of(2, null),
        Arguments.of(1, null),
        Arguments.of(0, null));
  }

  @ParameterizedTest(name = "get at {0}")
  @MethodSource("getCases")
  void getAcrossGenerations(long atRev, Index.KeyState want) {
    KeyIndex ki = newTestKeyIndex();
    ki.compact(4, new HashSet<>());

    assertEquals(want, ki.get(atRev));
    assertEquals(want == null ? null : want.modified(), ki.modifiedAt(atRev));
    assertEquals(want != null, ki.isLiveAt(atRev));
  }

  static Stream<Arguments> sinceCases() {
    List<Revision> all = List.of(r(4), r(6), r(8), r(10), r(12), r(14), r(15, 1), r(16));
    return Stream.of(
        Arguments.of(17, List.of()),
        Arguments.of(16, all.subList(7, 8)),
        Arguments.of(15, all.subList(6, 8)),
        Arguments.of(14, all.subList(5, 8)),
        Arguments.of(13, all.subList(5, 8)),
        Arguments.of(12, all.subList(4, 8)),
        Arguments.of(11, all.subList(4, 8)),
        Arguments.of(10, all.subList(3, 8)),
        Arguments.of(9, all.subList(3, 8)),
        Arguments.of(8, all.subList(2, 8)),
        Arguments.of(7, all.subList(2, 8)),
        Arguments.of(6, all.subList(1, 8)),
        Arguments.of(5, all.subList(1, 8)),
        Arguments.of(4, all),
        Arguments.of(3, all),
        Arguments.of(2, all),
        Arguments.of(1, all),
        Arguments.of(0, all));
  }

  @ParameterizedTest(name = "since {0}")
  @MethodSource("sinceCases")
  void since(long rev, List<Revision> want) {
    KeyIndex ki = newTestKeyIndex();
    ki.compact(4, new HashSet<>());

    assertEquals(want, ki.since(rev));
  }

  @Test
  void sinceReturnsOnlyTheLastSubRevisionOfAMainRevision() {
    KeyIndex ki = keyIndex();
    ki.put(r(3, 0));
    ki.put(r(3, 1));
    ki.put(r(3, 2));
    ki.put(r(4, 0));

    assertEquals(List.of(r(3, 2), r(4)), ki.since(1));
  }

  @Test
  void put() {
    KeyIndex ki = keyIndex();
    ki.put(r(5));
    assertEquals(List.of(gen(5, 1, r(5))), gens(ki));
    assertEquals(r(5), ki.modified());

    ki.put(r(7));
    assertEquals(List.of(gen(5, 2, r(5), r(7))), gens(ki));
    assertEquals(r(7), ki.modified());
  }

  @ParameterizedTest(name = "put at {0} after 5.1")
  @MethodSource("notAfterModified")
  void putNotAfterModifiedIsABrokenInvariant(Revision rev) {
    KeyIndex ki = keyIndex();
    ki.put(r(5, 1));

    assertThrows(IllegalStateException.class, () -> ki.put(rev));
    assertEquals(
        List.of(new Gen(r(5, 1), 1, List.of(r(5, 1)))), gens(ki), "a rejected put changes nothing");
    assertEquals(r(5, 1), ki.modified());
  }

  static Stream<Revision> notAfterModified() {
    return Stream.of(r(5, 1), r(5, 0), r(4, 9), r(0));
  }

  @Test
  void restore() {
    KeyIndex ki = keyIndex();
    ki.restore(r(5), r(7), 2);

    assertEquals(List.of(gen(5, 2, r(7))), gens(ki));
    assertEquals(r(7), ki.modified());
    assertEquals(new Index.KeyState(r(7), r(5), 2), ki.get(7));
    assertNull(ki.get(6), "history before the restored revision was compacted");

    ki.put(r(9));
    assertEquals(new Index.KeyState(r(9), r(5), 3), ki.get(9));
  }

  @Test
  void restoreOnAKeyWithHistoryIsABrokenInvariant() {
    KeyIndex ki = keyIndex();
    ki.put(r(1));

    assertThrows(IllegalStateException.class, () -> ki.restore(r(1), r(2), 2));
  }

  @Test
  void restoreTombstone() {
    KeyIndex ki = keyIndex();
    ki.restoreTombstone(r(16));

    for (long atRev = 16; atRev <= 20; atRev++) {
      assertNull(ki.get(atRev), "deleted at " + atRev);
    }
    Set<Revision> kept = new HashSet<>();
    ki.compact(16, kept);
    assertEquals(Set.of(r(16)), kept, "compaction at the tombstone keeps it");

    ki.put(r(17));
    ki.put(r(18));
    assertEquals(List.of(r(16), r(17), r(18)), ki.since(16));

    ki.compact(17, new HashSet<>());
    assertEquals(List.of(gen(17, 2, r(17), r(18))), gens(ki), "compaction drops the tombstone");
  }

  @Test
  void tombstone() {
    KeyIndex ki = keyIndex();
    ki.put(r(5));
    ki.tombstone(r(7));
    assertEquals(List.of(gen(5, 2, r(5), r(7)), Gen.EMPTY), gens(ki));
    assertFalse(ki.isLive());

    ki.put(r(8));
    ki.put(r(9));
    ki.tombstone(r(15));
    assertEquals(
        List.of(gen(5, 2, r(5), r(7)), gen(8, 3, r(8), r(9), r(15)), Gen.EMPTY), gens(ki));
    assertEquals(r(15), ki.modified());

    assertThrows(IllegalStateException.class, () -> ki.tombstone(r(16)));
    assertEquals(r(15), ki.modified(), "a rejected tombstone changes nothing");
  }

  @Test
  void tombstoneOfAFreshKeyIsABrokenInvariant() {
    assertThrows(IllegalStateException.class, () -> keyIndex().tombstone(r(1)));
  }

  @Test
  void readsOfAnEmptyKeyIndexAreBrokenInvariants() {
    KeyIndex ki = keyIndex();
    assertThrows(IllegalStateException.class, () -> ki.get(1));
    assertThrows(IllegalStateException.class, () -> ki.since(1));
    assertThrows(IllegalStateException.class, () -> ki.compact(1, new HashSet<>()));
    Set<Revision> kept = new HashSet<>();
    ki.keep(1, kept);
    assertTrue(kept.isEmpty(), "keep on an empty key keeps nothing");
  }

  /** One row of etcd's TestKeyIndexCompactAndKeep: compaction at rev of newTestKeyIndex. */
  record CompactCase(long rev, List<Gen> wantGens, Set<Revision> wantKept) {
    @Override
    public String toString() {
      return "compact(" + rev + ")";
    }
  }

  static final Gen G1 = gen(2, 3, r(2), r(4), r(6));
  static final Gen G2 = gen(8, 3, r(8), r(10), r(12));
  static final Gen G3 = gen(14, 3, r(14), r(15, 1), r(16));

  static List<CompactCase> compactCases() {
    return List.of(
        new CompactCase(1, List.of(G1, G2, G3, Gen.EMPTY), Set.of()),
        new CompactCase(2, List.of(G1, G2, G3, Gen.EMPTY), Set.of(r(2))),
        new CompactCase(3, List.of(G1, G2, G3, Gen.EMPTY), Set.of(r(2))),
        new CompactCase(4, List.of(gen(2, 3, r(4), r(6)), G2, G3, Gen.EMPTY), Set.of(r(4))),
        new CompactCase(5, List.of(gen(2, 3, r(4), r(6)), G2, G3, Gen.EMPTY), Set.of(r(4))),
        new CompactCase(6, List.of(gen(2, 3, r(6)), G2, G3, Gen.EMPTY), Set.of(r(6))),
        new CompactCase(7, List.of(G2, G3, Gen.EMPTY), Set.of()),
        new CompactCase(8, List.of(G2, G3, Gen.EMPTY), Set.of(r(8))),
        new CompactCase(9, List.of(G2, G3, Gen.EMPTY), Set.of(r(8))),
        new CompactCase(10, List.of(gen(8, 3, r(10), r(12)), G3, Gen.EMPTY), Set.of(r(10))),
        new CompactCase(11, List.of(gen(8, 3, r(10), r(12)), G3, Gen.EMPTY), Set.of(r(10))),
        new CompactCase(12, List.of(gen(8, 3, r(12)), G3, Gen.EMPTY), Set.of(r(12))),
        new CompactCase(13, List.of(G3, Gen.EMPTY), Set.of()),
        new CompactCase(14, List.of(G3, Gen.EMPTY), Set.of(r(14))),
        new CompactCase(15, List.of(gen(14, 3, r(15, 1), r(16)), Gen.EMPTY), Set.of(r(15, 1))),
        new CompactCase(16, List.of(gen(14, 3, r(16)), Gen.EMPTY), Set.of(r(16))),
        new CompactCase(17, List.of(Gen.EMPTY), Set.of()));
  }

  /** True when rev is the tombstone closing one of ki's generations. */
  static boolean isTombstoneRev(KeyIndex ki, long rev) {
    for (int i = 0; i < ki.generationCount() - 1; i++) {
      Generation g = ki.generation(i);
      if (!g.isEmpty() && g.lastMain() == rev) {
        return true;
      }
    }
    return false;
  }

  /** keep must not change ki, and keeps what compact keeps except a tombstone at rev. */
  static void assertKeep(KeyIndex ki, CompactCase tt) {
    List<Gen> before = gens(ki);
    boolean tombstoneAtRev = isTombstoneRev(ki, tt.rev());
    Set<Revision> kept = new HashSet<>();
    ki.keep(tt.rev(), kept);
    assertEquals(before, gens(ki), tt + ": keep must not change the key index");
    assertEquals(tombstoneAtRev ? Set.of() : tt.wantKept(), kept, tt + ": keep");
  }

  static void assertCompact(KeyIndex ki, CompactCase tt) {
    Set<Revision> kept = new HashSet<>();
    ki.compact(tt.rev(), kept);
    assertEquals(tt.wantGens(), gens(ki), tt + ": generations");
    assertEquals(tt.wantKept(), kept, tt + ": compact kept");
  }

  @Test
  void compactAndKeepContinuously() {
    KeyIndex ki = newTestKeyIndex();
    for (CompactCase tt : compactCases()) {
      assertKeep(ki, tt);
      assertCompact(ki, tt);
    }
    assertTrue(ki.isEmpty(), "everything compacted after the last tombstone");
  }

  @Test
  void compactAndKeepJumping() {
    KeyIndex ki = newTestKeyIndex();
    int compacted = 0;
    for (CompactCase tt : compactCases()) {
      if (isTombstoneRev(ki, tt.rev())) {
        continue;
      }
      assertKeep(ki, tt);
      assertCompact(ki, tt);
      compacted++;
    }
    assertEquals(14, compacted, "every case but the three tombstones ran");
  }

  static Stream<CompactCase> compactCaseStream() {
    return compactCases().stream();
  }

  @ParameterizedTest(name = "{0} once")
  @MethodSource("compactCaseStream")
  void compactAndKeepOnce(CompactCase tt) {
    assertKeep(newTestKeyIndex(), tt);
    assertCompact(newTestKeyIndex(), tt);
  }

  /** etcd's TestKeyIndexCompactAndKeepOnRecreatedRev: delete and re-create in one main rev. */
  record RecreatedCase(
      String name,
      Supplier<KeyIndex> build,
      long rev,
      List<Gen> wantGens,
      Set<Revision> wantCompact,
      Set<Revision> wantKeep) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<RecreatedCase> recreatedCases() {
    return Stream.of(
        new RecreatedCase(
            "deleted and re-created in the compacted revision",
            () -> build(k -> {
              k.put(r(3, 89));
              k.tombstone(r(4, 0));
              k.put(r(4, 145));
            }),
            4,
            List.of(new Gen(r(4, 145), 1, List.of(r(4, 145)))),
            Set.of(r(4, 145)),
            Set.of(r(4, 145))),
        new RecreatedCase(
            "deleted, re-created and deleted again in the compacted revision",
            () -> build(k -> {
              k.put(r(1));
              k.tombstone(r(2, 0));
              k.put(r(2, 1));
              k.tombstone(r(2, 2));
            }),
            2,
            List.of(new Gen(r(2, 1), 2, List.of(r(2, 2))), Gen.EMPTY),
            Set.of(r(2, 2)),
            Set.of()),
        new RecreatedCase(
            "tombstone at the compacted revision is kept",
            () -> build(k -> {
              k.put(r(2));
              k.put(r(3));
              k.tombstone(r(4));
            }),
            4,
            List.of(gen(2, 3, r(4)), Gen.EMPTY),
            Set.of(r(4)),
            Set.of()),
        new RecreatedCase(
            "re-created in a later revision keeps the tombstone",
            () -> build(k -> {
              k.put(r(1));
              k.tombstone(r(2));
              k.put(r(3));
            }),
            2,
            List.of(gen(1, 2, r(2)), gen(3, 1, r(3))),
            Set.of(r(2)),
            Set.of()));
  }

  static KeyIndex build(java.util.function.Consumer<KeyIndex> ops) {
    KeyIndex ki = keyIndex();
    ops.accept(ki);
    return ki;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recreatedCases")
  void compactAndKeepOnRecreatedRev(RecreatedCase tt) {
    KeyIndex ki = tt.build().get();
    List<Gen> before = gens(ki);
    Set<Revision> kept = new HashSet<>();
    ki.keep(tt.rev(), kept);
    assertEquals(before, gens(ki), "keep must not change the key index");
    assertEquals(tt.wantKeep(), kept, "keep");

    ki = tt.build().get();
    Index.KeyState visible = ki.get(tt.rev());
    Set<Revision> compacted = new HashSet<>();
    ki.compact(tt.rev(), compacted);
    assertEquals(tt.wantCompact(), compacted, "compact kept");
    assertEquals(tt.wantGens(), gens(ki), "generations");
    assertEquals(visible, ki.get(tt.rev()), "compaction must not change what rev reads");
  }

  @Test
  void compactOnFurtherRev() {
    KeyIndex ki = keyIndex();
    ki.put(r(1));
    ki.put(r(2));
    Set<Revision> kept = new HashSet<>();
    ki.compact(3, kept);

    assertEquals(List.of(gen(1, 2, r(2))), gens(ki));
    assertEquals(Set.of(r(2)), kept);
    assertEquals(r(2), ki.modified());
  }

  @Test
  void isEmpty() {
    assertTrue(keyIndex().isEmpty(), "no generations");
    KeyIndex live = keyIndex();
    live.put(r(1));
    assertFalse(live.isEmpty());
    KeyIndex deleted = keyIndex();
    deleted.put(r(1));
    deleted.tombstone(r(2));
    assertFalse(deleted.isEmpty(), "a tombstone is history until compacted");
    deleted.compact(3, new HashSet<>());
    assertTrue(deleted.isEmpty(), "compacted past the tombstone");
  }

  @ParameterizedTest(name = "generation at {0}")
  @MethodSource("findGenerationCases")
  void findGeneration(long rev, int wantIndex) {
    KeyIndex ki = newTestKeyIndex();
    Generation want = wantIndex < 0 ? null : ki.generation(wantIndex);
    assertSame(want, ki.findGeneration(rev));
  }

  static Stream<Arguments> findGenerationCases() {
    int[] want = {-1, -1, 0, 0, 0, 0, -1, -1, 1, 1, 1, 1, -1, -1};
    return IntStream.range(0, want.length).mapToObj(rev -> Arguments.of(rev, want[rev]));
  }

  @Test
  void generationFindRevisionIndex() {
    Generation g = new Generation();
    g.add(2, 0);
    g.add(4, 0);
    g.add(4, 1);
    g.add(6, 0);

    int[] want = {-1, -1, 0, 0, 2, 2, 3, 3};
    for (int atRev = 0; atRev < want.length; atRev++) {
      assertEquals(want[atRev], g.findRevisionIndex(atRev), "at " + atRev);
    }
    assertEquals(r(2), g.created());
    assertEquals(4, g.version());
    assertEquals(3, g.versionAt(2));
  }

  @Test
  void generationDropBeforeKeepsVersionAndCreated() {
    Generation g = new Generation();
    for (long main = 1; main <= 100; main++) {
      g.add(main, 0);
    }
    g.dropBefore(98);

    assertEquals(2, g.size());
    assertEquals(r(99), g.revisionAt(0));
    assertEquals(r(100), g.revisionAt(1));
    assertEquals(r(1), g.created());
    assertEquals(100, g.version());
    assertEquals(99, g.versionAt(0));
    g.add(101, 0);
    assertEquals(r(101), g.revisionAt(2));
    assertThrows(IllegalStateException.class, () -> g.revisionAt(3));
  }
}
