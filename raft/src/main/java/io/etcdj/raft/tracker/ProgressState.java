package io.etcdj.raft.tracker;

/** Flow-control state of a follower as seen by the leader (etcd's {@code tracker.StateType}). */
public enum ProgressState {
  /**
   * The leader does not know where the follower's log ends: it sends at most one append per
   * heartbeat interval and waits for the answer.
   */
  PROBE,
  /** The follower is known to match; the leader streams appends optimistically. */
  REPLICATE,
  /** The follower needs a snapshot; appends stop until the snapshot is reported. */
  SNAPSHOT
}
