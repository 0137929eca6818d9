package io.etcdj.server.robustness;

import io.etcdj.server.robustness.WatchRecord.Event;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The watch events etcd emits for a {@link WriteLog}, with everything a watcher can be held to:
 * each event's full kv (create revision, version, lease from {@link KvModel#replay}) and its
 * prev_kv (the key at the revision before, null for a create). These are what mvcc's
 * watchableStore publishes at the end of each write txn, in the txn's order.
 */
final class EventReplay {
  private final List<Event> events;
  private final Map<String, Event> byRevisionAndKey = new HashMap<>();

  private EventReplay(List<Event> events) {
    this.events = events;
    for (Event e : events) {
      byRevisionAndKey.put(e.revision() + "/" + e.key(), e);
    }
  }

  /**
   * Replays {@code log} from the empty store.
   *
   * @throws IllegalArgumentException if the log does not start at revision 2 or has a gap
   */
  static EventReplay of(WriteLog log) {
    List<Event> out = new ArrayList<>();
    KvModel.State state = KvModel.State.EMPTY;
    for (Map.Entry<Long, List<WriteLog.Event>> rev : log.byRevision().entrySet()) {
      KvModel.State after = KvModel.replay(state, rev.getKey(), rev.getValue());
      for (WriteLog.Event e : rev.getValue()) {
        KeyValue prev = state.get(e.key());
        out.add(e.isPut() ? Event.put(after.get(e.key()), prev) : Event.delete(e.key(), e.revision(), prev));
      }
      state = after;
    }
    return new EventReplay(Collections.unmodifiableList(out));
  }

  /** Every event, by revision, in each revision's order. */
  List<Event> events() {
    return events;
  }

  /** The log's event on {@code key} at {@code revision}, or null. */
  Event at(long revision, String key) {
    return byRevisionAndKey.get(revision + "/" + key);
  }

  /** The events a watch with {@code request} must deliver from revision {@code from} on, in order. */
  List<Event> wanted(WatchRecord.Request request, long from) {
    List<Event> out = new ArrayList<>();
    for (Event e : events) {
      if (e.revision() >= from && request.wants(e)) {
        out.add(e);
      }
    }
    return out;
  }
}
