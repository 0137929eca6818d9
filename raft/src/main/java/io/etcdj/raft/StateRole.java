package io.etcdj.raft;

/** The role of a node (etcd's {@code StateType}). */
public enum StateRole {
  FOLLOWER,
  CANDIDATE,
  LEADER,
  /** Running a PreVote round: asking peers whether they would vote, without raising the term. */
  PRE_CANDIDATE
}
