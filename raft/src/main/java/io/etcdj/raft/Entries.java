package io.etcdj.raft;

import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import java.util.List;

/** Small helpers over entries, shared by the log and the storages. */
final class Entries {
  private Entries() {}

  static long sizeBytes(LogEntry e) {
    return e.getSerializedSize();
  }

  static long sizeBytes(List<LogEntry> ents) {
    long total = 0;
    for (int i = 0; i < ents.size(); i++) {
      total += ents.get(i).getSerializedSize();
    }
    return total;
  }

  /**
   * The longest prefix of {@code ents} whose size is at most {@code maxBytes}, but at least one
   * entry so that progress is always possible.
   */
  static List<LogEntry> limitSize(List<LogEntry> ents, long maxBytes) {
    if (ents.isEmpty()) {
      return ents;
    }
    long size = ents.get(0).getSerializedSize();
    int n = 1;
    while (n < ents.size()) {
      size += ents.get(n).getSerializedSize();
      if (size > maxBytes) {
        break;
      }
      n++;
    }
    return n == ents.size() ? ents : ents.subList(0, n);
  }

  static boolean isEmpty(HardState hs) {
    return hs.getTerm() == 0 && hs.getVote() == 0 && hs.getCommit() == 0;
  }

  static boolean isEmpty(Snapshot s) {
    return s == null || s.getMetadata().getIndex() == 0;
  }

  /** Checks the log-matching precondition of an append batch: consecutive indexes. */
  static void checkContiguous(List<LogEntry> ents) {
    for (int i = 1; i < ents.size(); i++) {
      if (ents.get(i).getIndex() != ents.get(i - 1).getIndex() + 1) {
        throw new IllegalStateException(
            "non-contiguous entries: " + ents.get(i - 1).getIndex() + " then " + ents.get(i).getIndex());
      }
    }
  }
}
