package io.etcdj.server.robustness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The committed writes, revision by revision, as a watch on the whole key space from revision 1
 * reports them: the ground truth the revision checker replays. Each revision holds the events of
 * one write (a put, a delete, or all writes of one txn).
 */
public final class WriteLog {

  /** One watch event: a put of {@code value} (with its lease) or a delete ({@code value} null). */
  public record Event(long revision, String key, String value, long lease) {
    public boolean isPut() {
      return value != null;
    }
  }

  private final NavigableMap<Long, List<Event>> byRevision = new TreeMap<>();

  /** Adds events in the order the watch delivered them; revisions must not go back. */
  public WriteLog add(Event e) {
    Long last = byRevision.isEmpty() ? null : byRevision.lastKey();
    if (last != null && e.revision() < last) {
      throw new IllegalArgumentException("event at " + e.revision() + " after revision " + last);
    }
    byRevision.computeIfAbsent(e.revision(), r -> new ArrayList<>()).add(e);
    return this;
  }

  public static WriteLog of(Event... events) {
    WriteLog log = new WriteLog();
    for (Event e : events) {
      log.add(e);
    }
    return log;
  }

  public Map<Long, List<Event>> byRevision() {
    return Collections.unmodifiableMap(byRevision);
  }

  public long lastRevision() {
    return byRevision.isEmpty() ? 1 : byRevision.lastKey();
  }
}
