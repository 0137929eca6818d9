package io.etcdj.server.robustness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When the harness first saw each raft term in a response header (raft_term), the input {@link
 * LeaseChecker} needs for leader changes: etcd 3.4 restarts every lease's TTL when a member is
 * promoted to leader, so a term seen for the first time during a run is a promotion the lease
 * oracle must allow for. Filled from every watch and lease answer the harness gets; thread-safe
 * (the recorders' gRPC threads write it).
 */
public final class TermLog {
  private final Map<Long, Long> firstSeen = new TreeMap<>(); // term -> nanoTime; guarded by this

  /** Notes a header's raft term (0: no header) seen at {@code time}. */
  public synchronized void saw(long term, long time) {
    if (term > 0) {
      firstSeen.merge(term, time, Math::min);
    }
  }

  /**
   * The first sighting of every term after the lowest one seen: the lowest is the term the run
   * started in (the watches open before any lease is granted), every later one a new leader.
   */
  public synchronized List<Long> newTermSeen() {
    List<Long> out = new ArrayList<>(firstSeen.values());
    if (!out.isEmpty()) {
      out.remove(0);
    }
    return out;
  }

  public synchronized int terms() {
    return firstSeen.size();
  }
}
