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

  @Override
  void close();
}
