package io.etcdj.raft.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ProgressTest {
  @Test
  void inflightsAddFreeAndWrap() {
    Inflights in = new Inflights(4);
    for (long i = 1; i <= 4; i++) {
      in.add(i, 10);
    }
    assertTrue(in.full());
    assertThrows(IllegalStateException.class, () -> in.add(5, 1));
    in.freeLE(2);
    assertEquals(2, in.count());
    assertEquals(20, in.bytes());
    in.add(5, 1);
    in.add(6, 1);
    assertTrue(in.full());
    in.freeLE(0); // below the window: no-op
    assertEquals(4, in.count());
    in.freeLE(5);
    assertEquals(1, in.count());
    in.freeLE(100);
    assertEquals(0, in.count());
    assertEquals(0, in.bytes());
    assertThrows(IllegalStateException.class, () -> {
      in.add(9, 1);
      in.add(8, 1);
    });
  }

  static Stream<Arguments> updateCases() {
    // prevMatch=3, prevNext=5; update n -> want match, next, updated
    return Stream.of(
        Arguments.of(2L, 3L, 5L, false),
        Arguments.of(3L, 3L, 5L, false),
        Arguments.of(4L, 4L, 5L, true),
        Arguments.of(5L, 5L, 6L, true),
        Arguments.of(6L, 6L, 7L, true));
  }

  @ParameterizedTest
  @MethodSource("updateCases")
  void maybeUpdate(long n, long wantMatch, long wantNext, boolean wantUpdated) {
    Progress p = new Progress(3, 5, new Inflights(1), false, false);
    assertEquals(wantUpdated, p.maybeUpdate(n));
    assertEquals(wantMatch, p.match());
    assertEquals(wantNext, p.next());
  }

  static Stream<Arguments> decrCases() {
    // state, match, next, rejected, hint -> want decreased, wantNext
    return Stream.of(
        // replicate: stale if rejected <= match
        Arguments.of(ProgressState.REPLICATE, 5L, 10L, 5L, 5L, false, 10L),
        Arguments.of(ProgressState.REPLICATE, 5L, 10L, 4L, 4L, false, 10L),
        // replicate: non-stale rejection goes back to match + 1
        Arguments.of(ProgressState.REPLICATE, 5L, 10L, 9L, 9L, true, 6L),
        // probe: stale unless rejected == next - 1
        Arguments.of(ProgressState.PROBE, 0L, 0L + 1, 0L, 0L, true, 1L),
        Arguments.of(ProgressState.PROBE, 0L, 10L, 5L, 5L, false, 10L),
        Arguments.of(ProgressState.PROBE, 0L, 10L, 9L, 9L, true, 9L),
        // probe: the hint moves next down to hint + 1
        Arguments.of(ProgressState.PROBE, 0L, 10L, 9L, 2L, true, 3L),
        // probe: next never goes below match + 1
        Arguments.of(ProgressState.PROBE, 5L, 10L, 9L, 2L, true, 6L));
  }

  @ParameterizedTest
  @MethodSource("decrCases")
  void maybeDecrTo(ProgressState st, long match, long next, long rejected, long hint, boolean want, long wantNext) {
    Progress p;
    if (st == ProgressState.REPLICATE) {
      p = new Progress(match, match + 1, new Inflights(4), false, false);
      p.becomeReplicate();
      p.sentEntries((int) (next - match - 1), 1);
    } else {
      p = new Progress(match, next, new Inflights(4), false, false);
    }
    assertEquals(st, p.state());
    assertEquals(want, p.maybeDecrTo(rejected, hint));
    assertEquals(wantNext, p.next());
  }

  @Test
  void pausedStates() {
    Progress probe = new Progress(0, 1, new Inflights(2), false, false);
    assertFalse(probe.isPaused());
    probe.sentEntries(1, 10);
    assertTrue(probe.isPaused(), "a probe waits for its answer");
    probe.maybeUpdate(1);
    assertFalse(probe.isPaused());

    Progress repl = new Progress(0, 1, new Inflights(2), false, false);
    repl.becomeReplicate();
    repl.sentEntries(1, 10);
    assertFalse(repl.isPaused());
    repl.sentEntries(1, 10);
    assertTrue(repl.isPaused(), "full window");
    repl.inflights().freeLE(1);
    repl.setMsgAppProbesPaused(false);
    assertFalse(repl.isPaused());

    Progress snap = new Progress(0, 1, new Inflights(2), false, false);
    snap.becomeSnapshot(10);
    assertTrue(snap.isPaused());
    assertThrows(IllegalStateException.class, () -> snap.sentEntries(1, 1));
  }

  @Test
  void leavingSnapshotState() {
    Progress ok = new Progress(1, 2, new Inflights(2), false, false);
    ok.becomeSnapshot(10);
    assertEquals(ProgressState.SNAPSHOT, ok.state());
    ok.becomeProbe();
    assertEquals(11, ok.next(), "after an applied snapshot, probe after it");

    Progress failed = new Progress(1, 2, new Inflights(2), false, false);
    failed.becomeSnapshot(10);
    failed.resetPendingSnapshot();
    failed.becomeProbe();
    assertEquals(2, failed.next(), "after a failed snapshot, probe from match + 1");
    assertEquals(ProgressState.PROBE, failed.state());
  }

  @Test
  void replicateAdvancesNextOptimisticallyAndTracksInflights() {
    Progress p = new Progress(5, 6, new Inflights(3), false, false);
    p.becomeReplicate();
    p.sentEntries(3, 30);
    assertEquals(9, p.next());
    assertEquals(1, p.inflights().count());
    p.sentEntries(0, 0); // empty append: no slot
    assertEquals(1, p.inflights().count());
  }
}
