package io.etcdj.watch;

import io.etcdj.api.mvccpb.Event;

/**
 * One watcher (etcd's {@code watcher}): what it watches, the next revision it needs, and which
 * group holds it. All fields are guarded by the {@link WatchableStore}'s lock.
 */
final class Watcher {
  enum State {
    SYNCED,
    UNSYNCED,
    VICTIM,
    GONE
  }

  final long id;
  final WatchSpec spec;
  final WatchStream stream;
  /** The next revision this watcher needs (etcd's {@code minRev}). */
  long minRev;
  State state;
  /** A victim's undelivered message and the last revision it covers. */
  WatchResponse pending;
  long pendingUpToRev;
  /** Events were sent since the last progress tick (etcd's {@code progress[id] = false}). */
  boolean sentSinceTick;

  Watcher(long id, WatchSpec spec, WatchStream stream, long minRev) {
    this.id = id;
    this.spec = spec;
    this.stream = stream;
    this.minRev = minRev;
  }

  /** True when the watcher's filters keep {@code event}. */
  boolean accepts(Event event) {
    return event.getType() == Event.EventType.PUT ? !spec.noPut() : !spec.noDelete();
  }

  @Override
  public String toString() {
    return "watcher " + id + " (minRev " + minRev + ", " + state + ")";
  }
}
