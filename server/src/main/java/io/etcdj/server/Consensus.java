package io.etcdj.server;

/**
 * What the server needs from the replicated log: accept a proposal without blocking, and say the
 * current term, leader and commit index. {@link RaftLoop} implements it over the Raft core.
 */
interface Consensus {

  /**
   * Queues one proposal (a serialized InternalRaftRequest whose header carries {@code id}). Never
   * blocks. If the log later refuses it (no leader), the waiter of {@code id} is failed.
   *
   * @return false when the proposal queue is full (the caller answers "too many requests")
   */
  boolean propose(long id, byte[] data);

  long term();

  long leaderId();

  /** Highest log index known committed. */
  long committedIndex();

  void start();

  /** Stops accepting proposals and waits for the loop to finish its current step. */
  void stop();
}
