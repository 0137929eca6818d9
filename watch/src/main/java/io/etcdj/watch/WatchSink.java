package io.etcdj.watch;

/**
 * Where a {@link WatchStream}'s messages go (the gRPC sender, in the server). Both methods are
 * called with the {@link WatchableStore}'s lock held, from the apply thread, the sync thread or a
 * caller of {@link WatchStream}; they must only enqueue, never block or call back into the store.
 */
public interface WatchSink {

  /**
   * Offers events or a periodic progress notification. Never blocks.
   *
   * @return false when the stream's send buffer is full: the watcher becomes a victim and the same
   *     message is offered again later
   */
  boolean offer(WatchResponse response);

  /**
   * Hands over a control message (created, refused, canceled, compacted, a requested progress).
   * Always accepted: their number is bounded by the client's own requests, which the sender
   * throttles by reading fewer of them while its buffer is full.
   */
  void control(WatchResponse response);
}
