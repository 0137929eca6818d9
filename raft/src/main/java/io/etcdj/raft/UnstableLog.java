package io.etcdj.raft;

import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import java.util.ArrayList;
import java.util.List;

/**
 * Entries (and possibly a snapshot) that the core accepted but the application has not yet
 * persisted (etcd's {@code unstable}). {@code entries.get(i)} has index {@code offset + i}; when a
 * snapshot is present, {@code offset == snapshot index + 1}.
 */
final class UnstableLog {
  static final long NONE = -1;

  private Snapshot snapshot;
  private List<LogEntry> entries = new ArrayList<>();
  private long offset;

  UnstableLog(long offset) {
    this.offset = offset;
  }

  /** The first index if a snapshot is pending, else {@link #NONE}. */
  long maybeFirstIndex() {
    return snapshot == null ? NONE : snapshot.getMetadata().getIndex() + 1;
  }

  /** The last index held here, else {@link #NONE}. */
  long maybeLastIndex() {
    if (!entries.isEmpty()) {
      return offset + entries.size() - 1;
    }
    return snapshot == null ? NONE : snapshot.getMetadata().getIndex();
  }

  /** The term of entry {@code i} if held here (or the snapshot's last index), else {@link #NONE}. */
  long maybeTerm(long i) {
    if (i < offset) {
      if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
        return snapshot.getMetadata().getTerm();
      }
      return NONE;
    }
    long last = maybeLastIndex();
    if (last == NONE || i > last) {
      return NONE;
    }
    return entries.get((int) (i - offset)).getTerm();
  }

  /**
   * The application persisted entries up to {@code (i, t)}. A mismatching term means the entry
   * was replaced by a newer leader meanwhile; then nothing is marked stable.
   */
  void stableTo(long i, long t) {
    long gt = maybeTerm(i);
    if (gt == NONE || gt != t || i < offset) {
      return;
    }
    entries = new ArrayList<>(entries.subList((int) (i + 1 - offset), entries.size()));
    offset = i + 1;
  }

  void stableSnapTo(long i) {
    if (snapshot != null && snapshot.getMetadata().getIndex() == i) {
      snapshot = null;
    }
  }

  void restore(Snapshot s) {
    offset = s.getMetadata().getIndex() + 1;
    entries = new ArrayList<>();
    snapshot = s;
  }

  void truncateAndAppend(List<LogEntry> ents) {
    long from = ents.get(0).getIndex();
    if (from == offset + entries.size()) {
      entries.addAll(ents);
    } else if (from <= offset) {
      // Replaces everything unstable, and tells the application (through the next Ready) to
      // truncate its persisted log from `from` on.
      offset = from;
      entries = new ArrayList<>(ents);
    } else {
      List<LogEntry> kept = new ArrayList<>(entries.subList(0, (int) (from - offset)));
      kept.addAll(ents);
      entries = kept;
    }
  }

  /** Entries {@code [lo, hi)}, which must lie within the unstable range. */
  List<LogEntry> slice(long lo, long hi) {
    long upper = offset + entries.size();
    if (lo > hi || lo < offset || hi > upper) {
      throw new IllegalStateException(
          "unstable.slice[" + lo + "," + hi + ") out of bound [" + offset + "," + upper + "]");
    }
    return entries.subList((int) (lo - offset), (int) (hi - offset));
  }

  Snapshot snapshot() {
    return snapshot;
  }

  List<LogEntry> entries() {
    return entries;
  }

  long offset() {
    return offset;
  }
}
