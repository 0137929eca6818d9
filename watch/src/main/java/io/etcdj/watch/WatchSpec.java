package io.etcdj.watch;

/**
 * What one watcher asks for (etcd's {@code WatchCreateRequest}, after the server has normalised
 * it).
 *
 * @param key the first key watched
 * @param end null for the single key {@code key}; an empty array for every key ≥ key (etcd's
 *     range end {@code "\0"}); otherwise the exclusive end of the range
 * @param startRevision the first revision to deliver; 0 means "after the current revision" (a
 *     negative one, which etcd does not refuse, reads from the oldest history kept)
 * @param watchId the client's id, or {@link WatchStream#AUTO_WATCH_ID} to have one given out
 * @param noPut drop PUT events (etcd's NOPUT filter)
 * @param noDelete drop DELETE events (etcd's NODELETE filter)
 * @param progressNotify send periodic progress notifications while idle
 * @param prevKv carried for the sender: attach each event's previous KeyValue
 * @param fragment carried for the sender: split a response larger than the request limit
 */
public record WatchSpec(
    byte[] key,
    byte[] end,
    long startRevision,
    long watchId,
    boolean noPut,
    boolean noDelete,
    boolean progressNotify,
    boolean prevKv,
    boolean fragment) {

  public WatchSpec {
    if (key == null) {
      throw new IllegalArgumentException("null key");
    }
  }

  /** A single-key watcher from now on, with no options (tests). */
  public static WatchSpec key(byte[] key) {
    return new WatchSpec(key, null, 0, WatchStream.AUTO_WATCH_ID, false, false, false, false, false);
  }

  /** True for a range (or ≥ key) watcher, false for a single key. */
  boolean isRange() {
    return end != null;
  }

  /** The interval-tree end: null (open) for "every key ≥ key". */
  byte[] intervalEnd() {
    return end.length == 0 ? null : end;
  }

  /** True when the spec covers no key at all (etcd's "watcher range is empty"). */
  boolean isEmptyRange() {
    return end != null && end.length > 0 && java.util.Arrays.compareUnsigned(key, end) >= 0;
  }
}
