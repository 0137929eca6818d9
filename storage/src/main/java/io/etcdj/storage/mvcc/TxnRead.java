package io.etcdj.storage.mvcc;

/** A read view of the store at one revision (etcd's {@code mvcc.TxnRead}). */
public interface TxnRead extends AutoCloseable {

  /** The revision this view reads at when {@link RangeOptions#rev()} is 0. */
  long rev();

  /** The compacted revision as seen by this view. */
  long compactRev();

  /**
   * Reads the keys in [key, end). An empty or null {@code end} means the single key {@code key};
   * {@code end = {0}} means every key ≥ key. Keys come back in ascending byte order.
   *
   * <p>{@link RangeResult#count()} is the number of keys in the range at that revision, not capped
   * by the limit. A rev ≤ 0 in the options reads at {@link #rev()}.
   *
   * @throws CompactedException if options.rev() is below the compacted revision (0 &lt;
   *     options.rev() &lt; compactRev). Reading exactly at compactRev works, as in etcd
   *     ({@code rangeKeys}: {@code rev < compactMainRev}): compaction keeps each key's newest
   *     revision ≤ compactRev.
   * @throws FutureRevisionException if options.rev() is above {@link #rev()}
   */
  RangeResult range(byte[] key, byte[] end, RangeOptions options);

  /**
   * Visits every change stored with a main revision in [fromRev, toRev], in revision order (etcd's
   * scan of the key bucket in {@code syncWatchers}): for a put the stored KeyValue, for a delete a
   * KeyValue holding only the key and the deleting mod_revision, as {@link TxnWrite#changes()}
   * gives them. Revisions a compaction has already removed are simply absent: callers check
   * {@link #compactRev()} themselves. Watch catch-up reads history through this.
   *
   * @return the number of changes visited
   */
  int changes(long fromRev, long toRev, ChangeVisitor visitor);

  /** Receives the changes of {@link #changes}. */
  @FunctionalInterface
  interface ChangeVisitor {
    /**
     * @param kv the change (a delete has only key and mod_revision)
     * @param delete true for a delete (tombstone)
     * @return true to go on, false to stop before the next change
     */
    boolean visit(io.etcdj.api.mvccpb.KeyValue kv, boolean delete);
  }

  /**
   * Reports the operations counted so far to the store's {@link TxnObserver} as one ended txn and
   * counts afresh, without ending this view. etcd evaluates a writing Txn's compares in a read txn
   * that it ends before opening the write txn; the applier calls this at that point so the counts
   * match etcd's.
   */
  void reportOps();

  @Override
  void close();
}
