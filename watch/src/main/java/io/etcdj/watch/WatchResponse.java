package io.etcdj.watch;

import io.etcdj.api.mvccpb.Event;
import java.util.List;

/**
 * One message for a watch stream (etcd's {@code mvcc.WatchResponse} plus the control responses
 * etcd's server sends itself). The sender turns it into the wire's {@code WatchResponse}.
 *
 * @param kind what the message says
 * @param watchId the watcher it is for; -1 for a stream-wide progress or a refused create
 * @param revision the header revision: for events, the last revision they cover; for created,
 *     canceled and progress, the revision up to which the stream has everything; 0 for a
 *     compaction cancel (etcd sends that header without a revision)
 * @param events the events, in revision order (EVENTS only), shared and immutable
 * @param compactRevision the compacted revision (COMPACTED only)
 * @param cancelReason why a create was refused (REFUSED only)
 * @param spec the watcher's spec (null for stream-wide messages), for prev_kv and fragment
 */
public record WatchResponse(
    Kind kind,
    long watchId,
    long revision,
    List<Event> events,
    long compactRevision,
    String cancelReason,
    WatchSpec spec) {

  /** The kinds of watch-stream message. */
  public enum Kind {
    /** created: true. */
    CREATED,
    /** created: true, canceled: true, watch_id -1, with cancel_reason. */
    REFUSED,
    /** Events of one or more revisions. */
    EVENTS,
    /** No events: everything up to {@code revision} was sent. */
    PROGRESS,
    /** canceled: true, at the client's request. */
    CANCELED,
    /** canceled: true with compact_revision: the history the watcher needs is gone. */
    COMPACTED
  }

  static WatchResponse created(Watcher w, long rev) {
    return new WatchResponse(Kind.CREATED, w.id, rev, List.of(), 0, "", w.spec);
  }

  static WatchResponse refused(long rev, String reason) {
    return new WatchResponse(Kind.REFUSED, -1, rev, List.of(), 0, reason, null);
  }

  static WatchResponse events(Watcher w, long rev, List<Event> events) {
    return new WatchResponse(Kind.EVENTS, w.id, rev, events, 0, "", w.spec);
  }

  static WatchResponse progress(long watchId, long rev, WatchSpec spec) {
    return new WatchResponse(Kind.PROGRESS, watchId, rev, List.of(), 0, "", spec);
  }

  static WatchResponse canceled(Watcher w, long rev) {
    return new WatchResponse(Kind.CANCELED, w.id, rev, List.of(), 0, "", w.spec);
  }

  static WatchResponse compacted(Watcher w, long compactRev) {
    return new WatchResponse(Kind.COMPACTED, w.id, 0, List.of(), compactRev, "", w.spec);
  }
}
