package io.etcdj.raft;

import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * The node's view of the replicated log: the stable part in {@link RaftStorage} followed by the
 * {@link UnstableLog}, plus the commit and applied cursors (etcd's {@code raftLog}). Invariant:
 * {@code applied <= committed <= lastIndex()}.
 */
final class RaftLog {
  private final RaftStorage storage;
  private final UnstableLog unstable;
  private long committed;
  private long applied;
  /** Bound on the committed entries handed out in one Ready. */
  private final long maxApplyingBytes;

  RaftLog(RaftStorage storage, long maxApplyingBytes) {
    this.storage = storage;
    long first = storage.firstIndex();
    long last = storage.lastIndex();
    this.unstable = new UnstableLog(last + 1);
    // Everything up to the snapshot is committed and applied by definition.
    this.committed = first - 1;
    this.applied = first - 1;
    this.maxApplyingBytes = maxApplyingBytes;
  }

  /** An entry's (index, term) identity. */
  record EntryId(long index, long term) {}

  /**
   * The follower side of MsgApp: if the entry at {@code index} has term {@code logTerm}, appends
   * {@code ents} (truncating from the first conflict), commits up to {@code min(leaderCommit,
   * last new index)} and returns the last new index; otherwise returns -1.
   */
  long maybeAppend(long index, long logTerm, long leaderCommit, List<LogEntry> ents) {
    if (!matchTerm(index, logTerm)) {
      return -1;
    }
    long lastNew = index + ents.size();
    long ci = findConflict(ents);
    if (ci != 0) {
      if (ci <= committed) {
        throw new IllegalStateException(
            "entry " + ci + " conflicts with committed entry [committed(" + committed + ")]");
      }
      append(ents.subList((int) (ci - (index + 1)), ents.size()));
    }
    commitTo(Math.min(leaderCommit, lastNew));
    return lastNew;
  }

  long append(List<LogEntry> ents) {
    if (ents.isEmpty()) {
      return lastIndex();
    }
    long after = ents.get(0).getIndex() - 1;
    if (after < committed) {
      throw new IllegalStateException("after(" + after + ") is out of range [committed(" + committed + ")]");
    }
    Entries.checkContiguous(ents);
    unstable.truncateAndAppend(ents);
    return lastIndex();
  }

  /**
   * The index of the first entry of {@code ents} whose term differs from the local one (or that
   * is new), or 0 when every entry is already present with the same term. Relies on the
   * log-matching property: same index and term means same prefix.
   */
  long findConflict(List<LogEntry> ents) {
    for (LogEntry e : ents) {
      if (!matchTerm(e.getIndex(), e.getTerm())) {
        return e.getIndex();
      }
    }
    return 0;
  }

  /**
   * The last index {@code <= index} whose term is {@code <= term}, with that term; a term of 0
   * means unknown (compacted). Used for the fast back-off of rejected appends: any index with a
   * larger local term cannot match the other side.
   */
  EntryId findConflictByTerm(long index, long term) {
    for (; index > 0; index--) {
      long ourTerm;
      try {
        ourTerm = term(index);
      } catch (RaftStorageException e) {
        return new EntryId(index, 0);
      }
      if (ourTerm <= term) {
        return new EntryId(index, ourTerm);
      }
    }
    return new EntryId(0, 0);
  }

  List<LogEntry> unstableEntries() {
    return unstable.entries();
  }

  /** Committed entries not yet applied, bounded by {@code maxApplyingBytes}. */
  List<LogEntry> nextCommittedEntries() {
    if (unstable.snapshot() != null) {
      // The snapshot must be applied first.
      return List.of();
    }
    long lo = applied + 1;
    long hi = committed + 1;
    if (lo >= hi) {
      return List.of();
    }
    return slice(lo, hi, maxApplyingBytes);
  }

  boolean hasNextCommittedEntries() {
    return unstable.snapshot() == null && committed > applied;
  }

  Snapshot unstableSnapshot() {
    return unstable.snapshot();
  }

  /** The snapshot a lagging follower should receive. */
  Snapshot snapshot() {
    Snapshot s = unstable.snapshot();
    return s != null ? s : storage.snapshot();
  }

  long firstIndex() {
    long i = unstable.maybeFirstIndex();
    return i != UnstableLog.NONE ? i : storage.firstIndex();
  }

  long lastIndex() {
    long i = unstable.maybeLastIndex();
    return i != UnstableLog.NONE ? i : storage.lastIndex();
  }

  EntryId lastEntryId() {
    long last = lastIndex();
    return new EntryId(last, term(last));
  }

  long lastTerm() {
    return term(lastIndex());
  }

  void commitTo(long toCommit) {
    if (toCommit > committed) {
      if (lastIndex() < toCommit) {
        throw new IllegalStateException(
            "tocommit(" + toCommit + ") is out of range [lastIndex(" + lastIndex() + ")]. "
                + "Was the raft log corrupted, truncated, or lost?");
      }
      committed = toCommit;
    }
  }

  void appliedTo(long i) {
    if (i == 0) {
      return;
    }
    if (committed < i || i < applied) {
      throw new IllegalStateException(
          "applied(" + i + ") is out of range [prevApplied(" + applied + "), committed(" + committed + ")]");
    }
    applied = i;
  }

  void stableTo(long i, long t) {
    unstable.stableTo(i, t);
  }

  void stableSnapTo(long i) {
    unstable.stableSnapTo(i);
  }

  /**
   * The term of entry {@code i}; the entry just before the first index (the snapshot's) is also
   * known.
   *
   * @throws CompactedException below that
   * @throws UnavailableException beyond the last index
   */
  long term(long i) {
    long t = unstable.maybeTerm(i);
    if (t != UnstableLog.NONE) {
      return t;
    }
    long first = firstIndex();
    if (i + 1 < first) {
      throw new CompactedException(i, first);
    }
    long last = lastIndex();
    if (i > last) {
      throw new UnavailableException(i, last);
    }
    return storage.term(i);
  }

  /** The term of {@code i}, or 0 when it is compacted or beyond the log. */
  long termOrZero(long i) {
    try {
      return term(i);
    } catch (RaftStorageException e) {
      return 0;
    }
  }

  /** Entries from {@code i} to the end, at most about {@code maxBytes}. */
  List<LogEntry> entries(long i, long maxBytes) {
    if (i > lastIndex()) {
      return List.of();
    }
    return slice(i, lastIndex() + 1, maxBytes);
  }

  /** Whether a log ending at {@code (lastIndex, term)} is at least as up-to-date as ours (§5.4.1). */
  boolean isUpToDate(long lastIndex, long term) {
    long ourTerm = lastTerm();
    return term > ourTerm || (term == ourTerm && lastIndex >= lastIndex());
  }

  boolean matchTerm(long i, long term) {
    try {
      return term(i) == term;
    } catch (RaftStorageException e) {
      return false;
    }
  }

  /**
   * Commits up to {@code maxIndex} if that entry is of {@code term}: the leader only counts
   * replicas for entries of its own term (§5.4.2).
   */
  boolean maybeCommit(long maxIndex, long term) {
    if (maxIndex > committed && termOrZero(maxIndex) == term) {
      commitTo(maxIndex);
      return true;
    }
    return false;
  }

  void restore(Snapshot s) {
    committed = s.getMetadata().getIndex();
    unstable.restore(s);
  }

  /** Entries {@code [lo, hi)} across storage and unstable, limited to about {@code maxBytes}. */
  List<LogEntry> slice(long lo, long hi, long maxBytes) {
    checkOutOfBounds(lo, hi);
    if (lo == hi) {
      return List.of();
    }
    long offset = unstable.offset();
    List<LogEntry> out = null;
    if (lo < offset) {
      List<LogEntry> stored;
      try {
        stored = storage.entries(lo, Math.min(hi, offset), maxBytes);
      } catch (UnavailableException e) {
        throw new IllegalStateException(
            "entries[" + lo + ":" + Math.min(hi, offset) + ") is unavailable from storage", e);
      }
      // The storage stopped early because of the size limit: no room for unstable entries.
      if (stored.size() < Math.min(hi, offset) - lo) {
        return stored;
      }
      out = stored;
    }
    if (hi > offset) {
      List<LogEntry> unst = unstable.slice(Math.max(lo, offset), hi);
      if (out == null) {
        out = new ArrayList<>(unst);
      } else {
        List<LogEntry> combined = new ArrayList<>(out.size() + unst.size());
        combined.addAll(out);
        combined.addAll(unst);
        out = combined;
      }
    }
    return new ArrayList<>(Entries.limitSize(out, maxBytes));
  }

  private void checkOutOfBounds(long lo, long hi) {
    if (lo > hi) {
      throw new IllegalStateException("invalid slice " + lo + " > " + hi);
    }
    long first = firstIndex();
    if (lo < first) {
      throw new CompactedException(lo, first);
    }
    long upper = lastIndex() + 1;
    if (hi > upper) {
      throw new IllegalStateException("slice[" + lo + "," + hi + ") out of bound [" + first + "," + (upper - 1) + "]");
    }
  }

  long committed() {
    return committed;
  }

  long applied() {
    return applied;
  }

  RaftStorage storage() {
    return storage;
  }
}
