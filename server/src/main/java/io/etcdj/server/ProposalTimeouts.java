package io.etcdj.server;

import io.etcdj.server.errors.EtcdError;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * Which "request timed out" a proposal that raft took but that was not applied by its deadline
 * gets (etcd 3.4's {@code parseProposeCtxErr}). The texts tell clients and operators why:
 *
 * <ul>
 *   <li>"possibly due to previous leader failure": the proposal was made in the two election
 *       timeouts before this member was elected leader, so it probably went to the old leader;
 *   <li>"possibly due to connection lost": this member leads but has not been connected to a
 *       quorum since the proposal was made, or it follows a leader it has not been connected to
 *       since then;
 *   <li>plain "request timed out" otherwise, and always when there is no leader.
 * </ul>
 *
 * <p>A proposal raft never took (no leader until the deadline) is not classified here: etcd
 * answers that one with the raw context error. Pure and stateless; times are epoch millis.
 */
final class ProposalTimeouts {
  private ProposalTimeouts() {}

  /**
   * @param startMillis when the proposal was made
   * @param leaderElectedMillis when this member last became leader, 0 if never
   * @param electionTimeoutMs the election timeout
   * @param leader the leader now, 0 for none
   * @param self this member's id
   * @param members every member's id, learners included (etcd counts the whole member list)
   * @param activeSinceMillis a peer's connected-since time, 0 while its stream is down
   */
  static EtcdError classify(
      long startMillis,
      long leaderElectedMillis,
      long electionTimeoutMs,
      long leader,
      long self,
      List<Long> members,
      LongUnaryOperator activeSinceMillis) {
    if (leaderElectedMillis != 0) {
      long previousLeaderLost = leaderElectedMillis - 2 * electionTimeoutMs;
      if (startMillis > previousLeaderLost && startMillis < leaderElectedMillis) {
        return EtcdError.TIMEOUT_LEADER_FAIL;
      }
    }
    if (leader == 0) {
      return EtcdError.TIMEOUT;
    }
    if (leader == self) {
      int connected = 0;
      for (long id : members) {
        if (id == self || connectedSince(activeSinceMillis.applyAsLong(id), startMillis)) {
          connected++;
        }
      }
      if (connected < members.size() / 2 + 1) {
        return EtcdError.TIMEOUT_CONNECTION_LOST;
      }
    } else if (!connectedSince(activeSinceMillis.applyAsLong(leader), startMillis)) {
      return EtcdError.TIMEOUT_CONNECTION_LOST;
    }
    return EtcdError.TIMEOUT;
  }

  /** etcd's isConnectedSince: connected, and already before {@code sinceMillis}. */
  private static boolean connectedSince(long activeSince, long sinceMillis) {
    return activeSince != 0 && activeSince < sinceMillis;
  }
}
