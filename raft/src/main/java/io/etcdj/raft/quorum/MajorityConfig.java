package io.etcdj.raft.quorum;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.function.LongUnaryOperator;

/**
 * Majority quorum computations over a set of voter ids (etcd's {@code quorum.MajorityConfig}).
 * Learners must never be passed in: they do not count towards any quorum.
 */
public final class MajorityConfig {
  private MajorityConfig() {}

  /** Size of a majority of {@code voters} voters. */
  public static int quorum(int voters) {
    return voters / 2 + 1;
  }

  /**
   * The largest index that a majority of {@code voters} has acknowledged, where {@code acked}
   * maps a voter id to its acknowledged (match) index, or 0 when unknown. An empty configuration
   * returns {@link Long#MAX_VALUE} (like etcd), so it never holds back a joint computation.
   */
  public static long committedIndex(Collection<Long> voters, LongUnaryOperator acked) {
    int n = voters.size();
    if (n == 0) {
      return Long.MAX_VALUE;
    }
    long[] matched = new long[n];
    int i = 0;
    for (long id : voters) {
      matched[i++] = acked.applyAsLong(id);
    }
    Arrays.sort(matched);
    // Ascending order: the entry at n - quorum is acknowledged by itself and every voter after
    // it, which is exactly a quorum.
    return matched[n - quorum(n)];
  }

  /**
   * The outcome of a vote where {@code votes} holds the received votes (true = granted); voters
   * missing from the map have not answered. Votes from non-voters are ignored. An empty
   * configuration wins (etcd's convention).
   */
  public static VoteResult voteResult(Collection<Long> voters, Map<Long, Boolean> votes) {
    int n = voters.size();
    if (n == 0) {
      return VoteResult.WON;
    }
    int yes = 0;
    int missing = 0;
    for (long id : voters) {
      Boolean v = votes.get(id);
      if (v == null) {
        missing++;
      } else if (v) {
        yes++;
      }
    }
    int q = quorum(n);
    if (yes >= q) {
      return VoteResult.WON;
    }
    if (yes + missing >= q) {
      return VoteResult.PENDING;
    }
    return VoteResult.LOST;
  }
}
