package io.etcdj.server.robustness;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * What one recording watcher saw: the Watch create request it sent and every WatchResponse the
 * stream gave it, in arrival order, until it stopped watching. It is the input of {@link
 * WatchChecker}, which holds it against the {@link WriteLog}.
 *
 * <p>Fill it from the raw gRPC Watch stream (the generated stub), one record per watch id, not
 * from jetcd's {@code Watcher}: that one swallows the created response, turns a compaction cancel
 * into an error and silently re-opens a broken stream from its last revision, which would hide
 * exactly what the checker looks at. A fragmented response (the {@code fragment} option) is
 * recorded once reassembled. Progress is best asked for with the watch's progress_notify:
 * etcd 3.4 answers a stream-wide RequestProgress with the store's revision whether or not the
 * stream's watchers have caught up (etcd issue 15220), which the checker rightly names a
 * bookmarkable violation.
 *
 * <p>Times are {@link System#nanoTime()} on the harness's one clock (see {@link LeaseChecker}).
 *
 * @param name for messages, e.g. "client 3 watch 7"
 * @param member the endpoint the stream was opened on (a compaction acknowledged by the same
 *     member is known to that member's watches)
 * @param requested when the create request was sent
 */
public record WatchRecord(String name, String member, long requested, Request request, List<Response> responses) {

  public WatchRecord {
    responses = List.copyOf(responses);
  }

  /**
   * The write log this watch saw, for a watch on the whole key space from revision 1 (the
   * harness's log watcher): its events as the log's puts and deletes.
   */
  public WriteLog writeLog() {
    if (!request.equals(Request.all().from(1)) && !request.equals(Request.all().from(1).withPrevKv())) {
      throw new IllegalArgumentException("a write log needs a watch on every key from revision 1, not " + request);
    }
    WriteLog log = new WriteLog();
    for (Response r : responses) {
      for (Event e : r.events()) {
        boolean put = e.type() == EventType.PUT;
        log.add(new WriteLog.Event(e.revision(), e.key(), put ? e.kv().value() : null, put ? e.kv().lease() : 0));
      }
    }
    return log;
  }

  /**
   * The WatchCreateRequest: a key, or the range [key, rangeEnd) (rangeEnd "\0": every key from
   * key on), the start revision (0: the revision after the current one), prev_kv, the NOPUT and
   * NODELETE filters, and progress_notify.
   */
  public record Request(
      String key, String rangeEnd, long startRevision, boolean prevKv, boolean noPut, boolean noDelete, boolean progressNotify) {

    public Request {
      if (key == null || key.isEmpty()) {
        throw new IllegalArgumentException("a watch needs a key");
      }
      if (startRevision < 0) {
        throw new IllegalArgumentException("start revision " + startRevision);
      }
      if (rangeEnd != null && rangeEnd.isEmpty()) {
        rangeEnd = null;
      }
    }

    /** One key. */
    public static Request key(String key) {
      return new Request(key, null, 0, false, false, false, false);
    }

    /** Every key starting with {@code prefix} (etcd's GetPrefixRangeEnd, for a last char below 0x7f). */
    public static Request prefix(String prefix) {
      char last = prefix.charAt(prefix.length() - 1);
      if (last >= 0x7f) {
        throw new IllegalArgumentException("prefix watches here need an ASCII last char: " + prefix);
      }
      return new Request(prefix, prefix.substring(0, prefix.length() - 1) + (char) (last + 1), 0, false, false, false, false);
    }

    /** The whole key space, as etcdctl watch --prefix "" asks for it. */
    public static Request all() {
      return new Request("\0", "\0", 0, false, false, false, false);
    }

    public Request from(long revision) {
      return new Request(key, rangeEnd, revision, prevKv, noPut, noDelete, progressNotify);
    }

    public Request withPrevKv() {
      return new Request(key, rangeEnd, startRevision, true, noPut, noDelete, progressNotify);
    }

    public Request withoutPuts() {
      return new Request(key, rangeEnd, startRevision, prevKv, true, noDelete, progressNotify);
    }

    public Request withoutDeletes() {
      return new Request(key, rangeEnd, startRevision, prevKv, noPut, true, progressNotify);
    }

    public Request withProgressNotify() {
      return new Request(key, rangeEnd, startRevision, prevKv, noPut, noDelete, true);
    }

    /** Whether {@code k} is in the watched range, comparing UTF-8 bytes unsigned as etcd does. */
    public boolean inRange(String k) {
      byte[] b = bytes(k);
      if (rangeEnd == null) {
        return Arrays.equals(b, bytes(key));
      }
      boolean fromKey = Arrays.compareUnsigned(b, bytes(key)) >= 0;
      return rangeEnd.equals("\0") ? fromKey : fromKey && Arrays.compareUnsigned(b, bytes(rangeEnd)) < 0;
    }

    /** Whether the watch must deliver {@code e}: in range and not filtered out. */
    public boolean wants(Event e) {
      return inRange(e.kv().key()) && !(e.type() == EventType.PUT ? noPut : noDelete);
    }

    private static byte[] bytes(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }
  }

  public enum EventType {
    PUT,
    DELETE
  }

  /**
   * An mvccpb.Event. A put's kv is the key as stored after the put; a delete's kv carries only the
   * key and the delete's revision as mod_revision (value "", the other fields 0), as etcd sends
   * it. {@code prevKv} is null when the stream sent none.
   */
  public record Event(EventType type, KeyValue kv, KeyValue prevKv) {

    public long revision() {
      return kv.modRevision();
    }

    public String key() {
      return kv.key();
    }

    /** clientv3's IsCreate: a put whose create revision is its own revision. */
    public boolean isCreate() {
      return type == EventType.PUT && kv.createRevision() == kv.modRevision();
    }

    public static Event put(KeyValue kv, KeyValue prevKv) {
      return new Event(EventType.PUT, kv, prevKv);
    }

    public static Event delete(String key, long revision, KeyValue prevKv) {
      return new Event(EventType.DELETE, new KeyValue(key, "", 0, revision, 0, 0), prevKv);
    }

    @Override
    public String toString() {
      String what = type == EventType.PUT ? "put " + kv : "delete " + kv.key();
      return what + "@" + revision() + (prevKv == null ? "" : " prev " + prevKv);
    }
  }

  /**
   * A WatchResponse as received at {@code time}: header revision, events, the created and
   * canceled flags and compact_revision (etcd sets canceled exactly when it cancels a watch for
   * compaction, and then leaves the header revision 0).
   */
  public record Response(long time, long headerRevision, List<Event> events, boolean created, boolean canceled, long compactRevision) {

    public Response {
      events = List.copyOf(events);
    }

    /** clientv3's IsProgressNotify: nothing but a header revision. */
    public boolean isProgressNotify() {
      return events.isEmpty() && !canceled && !created && compactRevision == 0 && headerRevision != 0;
    }

    public boolean isCompactionCancel() {
      return canceled && compactRevision != 0;
    }

    public static Response created(long time, long headerRevision) {
      return new Response(time, headerRevision, List.of(), true, false, 0);
    }

    public static Response events(long time, long headerRevision, List<Event> events) {
      return new Response(time, headerRevision, events, false, false, 0);
    }

    public static Response progress(long time, long headerRevision) {
      return new Response(time, headerRevision, List.of(), false, false, 0);
    }

    public static Response compacted(long time, long compactRevision) {
      return new Response(time, 0, List.of(), false, true, compactRevision);
    }
  }
}
