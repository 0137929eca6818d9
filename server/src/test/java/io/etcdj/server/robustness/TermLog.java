package io.etcdj.server.robustness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When each raft term's leader could have been promoted, the input {@link LeaseChecker} needs for
 * leader changes: etcd 3.4 restarts every lease's TTL when a member is promoted to leader, so a
 * term seen for the first time during a run is a promotion the lease oracle must allow for.
 *
 * <p>Two bounds per term. The upper bound is the first time the harness saw the term in a
 * response header (watch, lease and KV answers). It can be late: while a leader is cut off,
 * clients' calls hang, and the new term may first show seconds after the promotion. The lower
 * bound comes from answers a quorum vouched for: a KV call (a write, or a linearizable read)
 * answered under a lower term was committed, or had its read index confirmed, by that term's
 * leader with a quorum, which cannot happen once a quorum has voted in a newer term; so the newer
 * leader was promoted after that call was sent. Thread-safe (the recorders' threads write it).
 */
public final class TermLog {
  private final Map<Long, Long> firstSeen = new TreeMap<>(); // term -> nanoTime; guarded by this
  private final Map<Long, Long> quorumCall = new TreeMap<>(); // term -> latest call vouched for

  /**
   * A leader's promotion: after {@code after} (Long.MIN_VALUE when nothing bounds it) and no later
   * than {@code seen}.
   */
  public record Promotion(long term, long after, long seen) {
    /** A promotion known only by its first sighting (tests). */
    public static Promotion seenAt(long seen) {
      return new Promotion(0, Long.MIN_VALUE, seen);
    }
  }

  /** Notes a header's raft term (0: no header) seen at {@code time}. */
  public synchronized void saw(long term, long time) {
    if (term > 0) {
      firstSeen.merge(term, time, Math::min);
    }
  }

  /**
   * Notes a KV call sent at {@code call} and answered under {@code term} through a quorum (any
   * write, a linearizable read): the term's leader still led a quorum after {@code call}.
   */
  public synchronized void quorumAnswered(long term, long call, long answered) {
    if (term > 0) {
      quorumCall.merge(term, call, Math::max);
      saw(term, answered);
    }
  }

  /**
   * Every promotion after the lowest term seen: the lowest is the term the run started in (the
   * watches open before any lease is granted), every later one a new leader.
   */
  public synchronized List<Promotion> promotions() {
    List<Promotion> out = new ArrayList<>();
    boolean first = true;
    for (Map.Entry<Long, Long> e : firstSeen.entrySet()) {
      if (first) {
        first = false;
        continue;
      }
      long after = Long.MIN_VALUE;
      for (Map.Entry<Long, Long> q : quorumCall.entrySet()) {
        if (q.getKey() < e.getKey()) {
          after = Math.max(after, q.getValue());
        }
      }
      out.add(new Promotion(e.getKey(), after, e.getValue()));
    }
    return out;
  }

  public synchronized int terms() {
    return firstSeen.size();
  }
}
