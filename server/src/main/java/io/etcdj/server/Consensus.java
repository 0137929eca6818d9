package io.etcdj.server;

/**
 * What the server needs from the replicated log: accept a proposal without blocking, and say the
 * current term, leader and commit index. The single-member {@link SingleMemberLog} implements it
 * now; the Raft node (next issue) replaces it without changing the gRPC or apply layers.
 */
interface Consensus {

  /**
   * Queues one proposal (a serialized InternalRaftRequest). Never blocks.
   *
   * @return false when the proposal queue is full (the caller answers "too many requests")
   */
  boolean propose(byte[] data);

  long term();

  long leaderId();

  /** Highest log index known committed. */
  long committedIndex();

  void start();

  /** Stops accepting proposals and waits for the loop to finish its current step. */
  void stop();
}
