package io.etcdj.server;

/**
 * What the server needs from the replicated log: accept a proposal without blocking, and say the
 * current term, leader and commit index. {@link RaftLoop} implements it over the Raft core.
 */
interface Consensus {

  /**
   * Queues one proposal (a serialized InternalRaftRequest whose header carries {@code id}). Never
   * blocks. While there is no leader it is held; if none appears by {@code deadlineNanos} (a
   * {@link System#nanoTime} instant) the waiter of {@code id} fails and the proposal is dropped.
   *
   * @param accepted runs once raft took the proposal (it may still be lost on its way to a leader)
   * @return false when the proposal queue is full (the caller answers "too many requests")
   */
  boolean propose(long id, byte[] data, long deadlineNanos, Runnable accepted);

  long term();

  long leaderId();

  /** Highest log index known committed. */
  long committedIndex();

  void start();

  /** Stops accepting proposals and waits for the loop to finish its current step. */
  void stop();
}
