package io.etcdj.storage.mvcc;

/**
 * Options of a store-level range (etcd's {@code mvcc.RangeOptions}).
 *
 * @param limit the most KeyValues to return, 0 for no limit
 * @param rev the revision to read at, 0 (or less) for the view's current revision
 * @param countOnly return no KeyValues, only the count
 */
public record RangeOptions(long limit, long rev, boolean countOnly) {
  public static final RangeOptions LATEST = new RangeOptions(0, 0, false);
}
