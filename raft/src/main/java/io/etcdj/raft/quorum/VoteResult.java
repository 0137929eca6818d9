package io.etcdj.raft.quorum;

/** Outcome of counting votes in one configuration (etcd's {@code quorum.VoteResult}). */
public enum VoteResult {
  /** Some votes are missing; the outcome can still go either way. */
  PENDING,
  /** A quorum can no longer be reached. */
  LOST,
  /** A quorum voted yes. */
  WON
}
