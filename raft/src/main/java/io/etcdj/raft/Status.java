package io.etcdj.raft;

import io.etcdj.raft.tracker.ProgressState;
import java.util.Map;

/**
 * A point-in-time description of a node (etcd's {@code Status}).
 *
 * @param progress the leader's view of every member (empty unless this node is the leader)
 */
public record Status(
    long id,
    long term,
    long vote,
    long commit,
    long applied,
    long lead,
    StateRole role,
    long leadTransferee,
    Map<Long, PeerProgress> progress) {

  public Status {
    progress = Map.copyOf(progress);
  }

  /** A copy of one {@link io.etcdj.raft.tracker.Progress}. */
  public record PeerProgress(
      long match,
      long next,
      ProgressState state,
      boolean learner,
      boolean recentActive,
      boolean paused,
      int inflight,
      long pendingSnapshot) {}
}
