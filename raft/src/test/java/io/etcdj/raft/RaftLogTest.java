package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Table-driven tests of the log (etcd's log_test.go, log_unstable_test.go, storage_test.go). */
class RaftLogTest {
  static LogEntry e(long index, long term) {
    return LogEntry.newBuilder().setIndex(index).setTerm(term).build();
  }

  /** Entries with the given terms at indexes from, from+1, ... */
  static List<LogEntry> ents(long from, long... terms) {
    List<LogEntry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(e(from + i, terms[i]));
    }
    return out;
  }

  static Snapshot snap(long index, long term) {
    return Snapshot.newBuilder()
        .setMetadata(
            SnapshotMetadata.newBuilder()
                .setIndex(index)
                .setTerm(term)
                .setConfState(ConfState.newBuilder().addVoters(1)))
        .build();
  }

  /** A log whose unstable part holds {@code entries} (nothing in storage). */
  static RaftLog unstableLog(List<LogEntry> entries) {
    RaftLog log = new RaftLog(new MemoryStorage(), Long.MAX_VALUE);
    log.append(entries);
    return log;
  }

  /** A log whose stable part holds {@code entries}. */
  static RaftLog stableLog(List<LogEntry> entries) {
    MemoryStorage s = new MemoryStorage();
    s.append(entries);
    return new RaftLog(s, Long.MAX_VALUE);
  }

  static Stream<Arguments> conflictCases() {
    List<LogEntry> prev = ents(1, 1, 2, 3);
    return Stream.of(
        Arguments.of(prev, List.of(), 0L),
        Arguments.of(prev, ents(1, 1, 2, 3), 0L),
        Arguments.of(prev, ents(2, 2, 3), 0L),
        Arguments.of(prev, ents(3, 3), 0L),
        // new entries beyond the end
        Arguments.of(prev, ents(1, 1, 2, 3, 4, 4), 4L),
        Arguments.of(prev, ents(2, 2, 3, 4, 4), 4L),
        Arguments.of(prev, ents(4, 4, 4), 4L),
        // conflicts with existing entries
        Arguments.of(prev, ents(1, 4, 4), 1L),
        Arguments.of(prev, ents(2, 1, 4, 4), 2L),
        Arguments.of(prev, ents(3, 1, 2, 4, 4), 3L));
  }

  @ParameterizedTest
  @MethodSource("conflictCases")
  void findConflict(List<LogEntry> prev, List<LogEntry> incoming, long want) {
    assertEquals(want, stableLog(prev).findConflict(incoming));
    assertEquals(want, unstableLog(prev).findConflict(incoming));
  }

  static Stream<Arguments> conflictByTermCases() {
    // log terms at 1..n (index 0 has term 0), probe index, probe term -> want index, want term
    return Stream.of(
        Arguments.of(new long[] {2, 2, 5, 5, 5}, 5L, 4L, 2L, 2L),
        Arguments.of(new long[] {2, 2, 5, 5, 5}, 5L, 5L, 5L, 5L),
        Arguments.of(new long[] {2, 2, 5, 5, 5}, 5L, 1L, 0L, 0L),
        Arguments.of(new long[] {2, 2, 5, 5, 5}, 2L, 2L, 2L, 2L),
        Arguments.of(new long[] {2, 2, 5, 5, 5}, 3L, 9L, 3L, 5L),
        Arguments.of(new long[] {1, 1, 1}, 3L, 1L, 3L, 1L));
  }

  @ParameterizedTest
  @MethodSource("conflictByTermCases")
  void findConflictByTerm(long[] terms, long index, long term, long wantIndex, long wantTerm) {
    RaftLog log = stableLog(ents(1, terms));
    assertEquals(new RaftLog.EntryId(wantIndex, wantTerm), log.findConflictByTerm(index, term));
  }

  @Test
  void findConflictByTermAcrossCompaction() {
    MemoryStorage s = new MemoryStorage();
    s.applySnapshot(snap(10, 3));
    s.append(ents(11, 3, 4, 4));
    RaftLog log = new RaftLog(s, Long.MAX_VALUE);
    assertEquals(new RaftLog.EntryId(11, 3), log.findConflictByTerm(13, 3));
    assertEquals(new RaftLog.EntryId(10, 3), log.findConflictByTerm(10, 3));
    // Below the snapshot the term is unknown (0): assume a possible match.
    assertEquals(new RaftLog.EntryId(9, 0), log.findConflictByTerm(13, 1));
  }

  static Stream<Arguments> maybeAppendCases() {
    // log 1..3 terms 1,2,3, committed 1. (index, logTerm, commit, entries) -> lastNew (-1 rejected), wantCommit, wantLast
    return Stream.of(
        // mismatched term or missing index: rejected, nothing changes
        Arguments.of(3L, 2L, 3L, ents(4, 4), -1L, 1L, 3L),
        Arguments.of(4L, 3L, 3L, ents(5, 4), -1L, 1L, 3L),
        // match with the last entry
        Arguments.of(3L, 3L, 3L, List.of(), 3L, 3L, 3L),
        Arguments.of(3L, 3L, 4L, List.of(), 3L, 3L, 3L), // commit up to last new only
        Arguments.of(3L, 3L, 2L, List.of(), 3L, 2L, 3L),
        Arguments.of(3L, 3L, 0L, List.of(), 3L, 1L, 3L), // commit never decreases
        Arguments.of(3L, 3L, 3L, ents(4, 4), 4L, 3L, 4L),
        Arguments.of(3L, 3L, 4L, ents(4, 4), 4L, 4L, 4L),
        Arguments.of(3L, 3L, 5L, ents(4, 4, 4), 5L, 5L, 5L),
        // match with an entry in the middle
        Arguments.of(2L, 2L, 3L, ents(3, 4), 3L, 3L, 3L),
        Arguments.of(2L, 2L, 4L, ents(3, 4, 4), 4L, 4L, 4L),
        Arguments.of(1L, 1L, 3L, ents(2, 2), 2L, 2L, 3L), // duplicate prefix: nothing truncated
        // a shorter (reordered, duplicated) message never truncates
        Arguments.of(1L, 1L, 1L, List.of(), 1L, 1L, 3L));
  }

  @ParameterizedTest
  @MethodSource("maybeAppendCases")
  void maybeAppend(long index, long logTerm, long commit, List<LogEntry> es, long want, long wantCommit, long wantLast) {
    RaftLog log = unstableLog(ents(1, 1, 2, 3));
    log.commitTo(1);
    assertEquals(want, log.maybeAppend(index, logTerm, commit, es));
    assertEquals(wantCommit, log.committed());
    assertEquals(wantLast, log.lastIndex());
    if (want >= 0) {
      for (LogEntry x : es) {
        assertEquals(x.getTerm(), log.term(x.getIndex()));
      }
    }
  }

  @Test
  void maybeAppendConflictingWithCommittedEntryIsFatal() {
    RaftLog log = unstableLog(ents(1, 1, 2, 3));
    log.commitTo(2);
    assertThrows(IllegalStateException.class, () -> log.maybeAppend(0, 0, 3, ents(1, 4)));
  }

  static Stream<Arguments> appendCases() {
    // storage 1..2 terms 1,2; append -> want last, want entries (all), want unstable offset
    return Stream.of(
        Arguments.of(List.of(), 2L, ents(1, 1, 2), 3L),
        Arguments.of(ents(3, 2), 3L, ents(1, 1, 2, 2), 3L),
        Arguments.of(ents(1, 2), 1L, ents(1, 2), 1L), // conflict at 1
        Arguments.of(ents(2, 3, 3), 3L, ents(1, 1, 3, 3), 2L)); // conflict at 2
  }

  @ParameterizedTest
  @MethodSource("appendCases")
  void append(List<LogEntry> es, long wantLast, List<LogEntry> wantAll, long wantOffset) {
    RaftLog log = stableLog(ents(1, 1, 2));
    assertEquals(wantLast, log.append(es));
    assertEquals(wantAll, log.slice(1, log.lastIndex() + 1, Long.MAX_VALUE));
    List<LogEntry> unstable = log.unstableEntries();
    if (!unstable.isEmpty()) {
      assertEquals(wantOffset, unstable.get(0).getIndex());
    }
  }

  @Test
  void appendBelowCommitIsFatal() {
    RaftLog log = unstableLog(ents(1, 1, 2, 3));
    log.commitTo(2);
    assertThrows(IllegalStateException.class, () -> log.append(ents(2, 5)));
  }

  @Test
  void commitToNeverDecreasesAndNeverPassesLastIndex() {
    RaftLog log = unstableLog(ents(1, 1, 2, 3));
    log.commitTo(3);
    log.commitTo(1);
    assertEquals(3, log.committed());
    assertThrows(IllegalStateException.class, () -> log.commitTo(4));
  }

  @Test
  void appliedToBounds() {
    RaftLog log = unstableLog(ents(1, 1, 2, 3));
    log.commitTo(2);
    log.appliedTo(2);
    assertThrows(IllegalStateException.class, () -> log.appliedTo(3)); // beyond commit
    assertThrows(IllegalStateException.class, () -> log.appliedTo(1)); // backwards
  }

  static Stream<Arguments> upToDateCases() {
    // our log: 1..3 terms 1,2,3; candidate (lastIndex, lastTerm) -> up to date?
    return Stream.of(
        Arguments.of(2L, 4L, true), // higher term wins regardless of length
        Arguments.of(3L, 4L, true),
        Arguments.of(4L, 4L, true),
        Arguments.of(2L, 2L, false), // lower term loses regardless of length
        Arguments.of(4L, 2L, false),
        Arguments.of(2L, 3L, false), // same term: longer or equal wins
        Arguments.of(3L, 3L, true),
        Arguments.of(4L, 3L, true));
  }

  @ParameterizedTest
  @MethodSource("upToDateCases")
  void isUpToDate(long lastIndex, long term, boolean want) {
    assertEquals(want, unstableLog(ents(1, 1, 2, 3)).isUpToDate(lastIndex, term));
  }

  @Test
  void termLookupsAroundSnapshot() {
    MemoryStorage s = new MemoryStorage();
    s.applySnapshot(snap(100, 5));
    s.append(ents(101, 5, 6));
    RaftLog log = new RaftLog(s, Long.MAX_VALUE);
    log.append(ents(103, 7));
    assertEquals(101, log.firstIndex());
    assertEquals(103, log.lastIndex());
    assertEquals(100, log.committed(), "everything in the snapshot is committed");
    assertEquals(5, log.term(100), "the snapshot's last term is known");
    assertEquals(6, log.term(102));
    assertEquals(7, log.term(103));
    assertThrows(CompactedException.class, () -> log.term(99));
    assertThrows(UnavailableException.class, () -> log.term(104));
    assertEquals(0, log.termOrZero(99));
    assertThrows(CompactedException.class, () -> log.slice(100, 102, Long.MAX_VALUE));
    assertEquals(ents(101, 5, 6, 7), log.slice(101, 104, Long.MAX_VALUE));
  }

  @Test
  void restoreFromSnapshotResetsTheLog() {
    RaftLog log = unstableLog(ents(1, 1, 2, 3));
    log.restore(snap(50, 4));
    assertEquals(50, log.committed());
    assertEquals(51, log.firstIndex());
    assertEquals(50, log.lastIndex());
    assertEquals(4, log.term(50));
    assertEquals(List.of(), log.nextCommittedEntries(), "the snapshot is applied first");
    log.stableSnapTo(50);
    assertEquals(null, log.unstableSnapshot());
  }

  @Test
  void sliceHonoursSizeLimitAcrossStableAndUnstable() {
    MemoryStorage s = new MemoryStorage();
    List<LogEntry> stable = new ArrayList<>();
    for (long i = 1; i <= 3; i++) {
      stable.add(e(i, 1).toBuilder().setData(ByteString.copyFrom(new byte[100])).build());
    }
    s.append(stable);
    RaftLog log = new RaftLog(s, Long.MAX_VALUE);
    List<LogEntry> unst = new ArrayList<>();
    for (long i = 4; i <= 6; i++) {
      unst.add(e(i, 1).toBuilder().setData(ByteString.copyFrom(new byte[100])).build());
    }
    log.append(unst);
    long one = stable.get(0).getSerializedSize();
    assertEquals(1, log.slice(1, 7, 0).size(), "always at least one entry");
    assertEquals(2, log.slice(1, 7, 2 * one).size());
    assertEquals(4, log.slice(1, 7, 4 * one).size());
    assertEquals(6, log.slice(1, 7, Long.MAX_VALUE).size());
    assertEquals(2, log.slice(4, 7, 2 * one).size());
  }

  @Test
  void stableToIgnoresEntriesReplacedByANewerTerm() {
    RaftLog log = unstableLog(ents(1, 1, 1, 1));
    log.stableTo(2, 1);
    assertEquals(ents(3, 1), log.unstableEntries());
    log.append(ents(3, 2)); // a new leader overwrote index 3 meanwhile
    log.stableTo(3, 1); // the old write of (3, term 1) completes: must not mark (3, term 2) stable
    assertEquals(ents(3, 2), log.unstableEntries());
  }

  @Test
  void unstableTruncateAndAppend() {
    UnstableLog u = new UnstableLog(5);
    u.truncateAndAppend(ents(5, 1, 1, 1));
    u.truncateAndAppend(ents(8, 1)); // directly after
    assertEquals(ents(5, 1, 1, 1, 1), u.entries());
    u.truncateAndAppend(ents(6, 2, 2)); // in the middle
    assertEquals(ents(5, 1, 2, 2), u.entries());
    u.truncateAndAppend(ents(4, 3)); // before the offset: replace everything
    assertEquals(ents(4, 3), u.entries());
    assertEquals(4, u.offset());
    assertEquals(UnstableLog.NONE, u.maybeTerm(3));
    assertEquals(3, u.maybeTerm(4));
    assertEquals(UnstableLog.NONE, u.maybeFirstIndex());
    u.restore(snap(10, 4));
    assertEquals(11, u.maybeFirstIndex());
    assertEquals(10, u.maybeLastIndex());
    assertEquals(4, u.maybeTerm(10));
  }

  @Test
  void memoryStorageAppendCompactSnapshot() {
    MemoryStorage s = new MemoryStorage();
    s.append(ents(1, 1, 1, 2, 2, 3));
    assertEquals(1, s.firstIndex());
    assertEquals(5, s.lastIndex());
    s.append(ents(4, 4)); // truncates 4..5
    assertEquals(4, s.lastIndex());
    assertEquals(4, s.term(4));
    s.compact(2);
    assertEquals(3, s.firstIndex());
    assertEquals(1, s.term(2), "the compacted entry's term stays known");
    assertThrows(CompactedException.class, () -> s.term(1));
    assertThrows(CompactedException.class, () -> s.entries(2, 4, Long.MAX_VALUE));
    assertThrows(CompactedException.class, () -> s.compact(2));
    assertThrows(UnavailableException.class, () -> s.term(5));
    s.append(ents(1, 1, 1)); // entirely below the first index: ignored
    assertEquals(4, s.lastIndex());
    Snapshot sn = s.createSnapshot(4, ConfState.newBuilder().addVoters(1).build(), ByteString.EMPTY);
    assertEquals(4, sn.getMetadata().getTerm());
    assertThrows(SnapOutOfDateException.class, () -> s.applySnapshot(snap(3, 2)));
    s.applySnapshot(snap(10, 5));
    assertEquals(11, s.firstIndex());
    assertEquals(10, s.lastIndex());
    assertThrows(IllegalStateException.class, () -> s.append(ents(13, 5)), "gap in the log");
  }
}
