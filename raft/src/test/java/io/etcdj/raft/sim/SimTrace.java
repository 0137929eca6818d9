package io.etcdj.raft.sim;

import com.google.protobuf.TextFormat;
import io.etcdj.api.internal.Message;

/**
 * The last {@link #CAPACITY} events of a run, formatted only when a run fails (formatting every
 * event would dominate the run time). Confined to the simulator's thread.
 */
final class SimTrace {
  static final int CAPACITY = 60;

  private final long[] timeMicros = new long[CAPACITY];
  private final String[] what = new String[CAPACITY];
  private final long[] node = new long[CAPACITY];
  private final Object[] detail = new Object[CAPACITY];
  private long count;
  /** Prints every event as it happens ({@code -Detcdj.sim.verbose=true}, for one seed). */
  private final boolean verbose = Boolean.getBoolean("etcdj.sim.verbose");

  void add(long nowMicros, String event, long nodeId, Object info) {
    int slot = (int) (count % CAPACITY);
    timeMicros[slot] = nowMicros;
    what[slot] = event;
    node[slot] = nodeId;
    detail[slot] = info;
    count++;
    if (verbose) {
      System.out.printf("t=%9.3fms %-10s n%-2d %s%n", nowMicros / 1000.0, event, nodeId, describe(info));
    }
  }

  String format() {
    StringBuilder sb = new StringBuilder();
    long start = Math.max(0, count - CAPACITY);
    for (long i = start; i < count; i++) {
      int slot = (int) (i % CAPACITY);
      sb.append(String.format("%n  t=%9.3fms %-10s n%-2d ", timeMicros[slot] / 1000.0, what[slot], node[slot]));
      sb.append(describe(detail[slot]));
    }
    return sb.toString();
  }

  static String describe(Object o) {
    if (o == null) {
      return "";
    }
    if (o instanceof Message m) {
      StringBuilder sb = new StringBuilder();
      sb.append(m.getType()).append(' ').append(m.getFrom()).append("->").append(m.getTo());
      sb.append(" term=").append(m.getTerm());
      if (m.getLogTerm() != 0 || m.getIndex() != 0) {
        sb.append(" logTerm=").append(m.getLogTerm()).append(" index=").append(m.getIndex());
      }
      if (m.getEntriesCount() > 0) {
        sb.append(" ents=").append(m.getEntriesCount()).append('@').append(m.getEntries(0).getIndex()).append("..");
      }
      if (m.getCommit() != 0) {
        sb.append(" commit=").append(m.getCommit());
      }
      if (m.getReject()) {
        sb.append(" reject hint=").append(m.getRejectHint());
      }
      if (m.hasSnapshot()) {
        sb.append(" snap=").append(m.getSnapshot().getMetadata().getIndex());
      }
      if (!m.getContext().isEmpty()) {
        sb.append(" ctx=").append(m.getContext().toStringUtf8());
      }
      return sb.toString();
    }
    if (o instanceof com.google.protobuf.MessageOrBuilder p) {
      return TextFormat.shortDebugString(p);
    }
    return o.toString();
  }
}
