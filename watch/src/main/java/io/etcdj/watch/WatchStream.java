package io.etcdj.watch;

import java.util.HashMap;
import java.util.Map;

/**
 * The watchers of one client stream (etcd's {@code watchStream}): gives out watch ids, creates and
 * cancels watchers, answers progress requests. Every message for the stream goes to its {@link
 * WatchSink} in order, with the store's lock held, so "created" always comes before the watcher's
 * first event and "canceled" after its last.
 *
 * <p>Threading: any thread (in the server, the stream's gRPC callbacks, one at a time); each call
 * takes the {@link WatchableStore}'s lock briefly and never blocks on I/O.
 */
public final class WatchStream {
  /** etcd's {@code AutoWatchID}: the client leaves the id to the server. */
  public static final long AUTO_WATCH_ID = 0;

  static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
  static final String EMPTY_RANGE = "mvcc: watcher range is empty";

  final WatchableStore store;
  final WatchSink sink;
  /** Guarded by the store's lock, like everything below. */
  final Map<Long, Watcher> watchers = new HashMap<>();

  private long nextId;
  /** Watchers of this stream not in the synced group (unsynced or victims). */
  int behind;
  /** A progress request waits until every watcher of the stream is synced. */
  boolean progressRequested;
  boolean closed;
  /** When this stream's progress ticker fires next (etcd runs one ticker per stream). */
  long nextProgressNanos;

  WatchStream(WatchableStore store, WatchSink sink) {
    this.store = store;
    this.sink = sink;
  }

  /**
   * Creates a watcher; its "created" (or the refusal) goes to the sink first.
   *
   * @return the watcher's id, or -1 when refused (duplicate id, empty range, closed stream)
   */
  public long watch(WatchSpec spec) {
    return store.watch(this, spec);
  }

  /**
   * Cancels a watcher of this stream: a "canceled" message follows its last event. An unknown id
   * is ignored, as etcd ignores it.
   *
   * @return true when there was such a watcher
   */
  public boolean cancel(long watchId) {
    return store.cancel(this, watchId);
  }

  /**
   * Asks for a progress message (watch id -1) whose revision bounds every event already sent on
   * this stream: sent at once when every watcher is synced, else as soon as they all are (etcd
   * 3.5's fix for etcd#15220; 3.4 could send it ahead of events still to come).
   */
  public void requestProgress() {
    store.requestProgress(this);
  }

  /** Removes every watcher of the stream, silently (the client has gone). Idempotent. */
  public void close() {
    store.closeStream(this);
  }

  /** Number of live watchers on this stream. */
  public int size() {
    return store.streamSize(this);
  }

  long nextAutoId() {
    while (watchers.containsKey(nextId)) {
      nextId++;
    }
    return nextId++;
  }
}
