package io.etcdj.storage.mvcc;

/**
 * A group of write txns applied in one backend transaction. The apply thread opens one per run
 * of consecutive committed log entries, so many entries share one backend commit.
 *
 * <p>Nothing in the batch is visible to {@link KV#read()} until {@link #commit()}, which
 * publishes the new revision. If the process dies before commit, the whole batch is lost and is
 * re-applied from the WAL (entries above the stored consistent index).
 */
public interface WriteBatch extends AutoCloseable {

  /** Starts the next write txn (one revision). The previous one must have ended. */
  TxnWrite write();

  /** Records the applied index; stored in the same backend transaction as the data. */
  void setConsistentIndex(long index);

  /**
   * Schedules a compaction at {@code rev}: the scheduled revision is recorded in this batch, the
   * key index drops superseded revisions as soon as the batch commits (not in steps), and {@link
   * KV#compactionStep(int)} removes the old revisions from the backend later, in bounded steps.
   * Reads below {@code rev} fail with {@link CompactedException} from the moment this batch
   * commits (at once for write txns of this batch); reads at {@code rev} keep working (etcd).
   * Call it between write txns, not inside one.
   *
   * @return a handle completed when the backend has physically removed the data (for
   *     Compact(physical=true))
   * @throws CompactedException if rev &lt;= the current compacted revision
   * @throws FutureRevisionException if rev &gt; the current revision
   */
  java.util.concurrent.CompletableFuture<Void> compact(long rev);

  /**
   * Stores a lease's record (opaque to the store) under its id, in this batch's backend
   * transaction, so a lease and the keys its grant or revoke changed are committed together.
   */
  void putLease(long leaseId, byte[] record);

  /** Removes a lease's record in this batch's backend transaction; no-op when absent. */
  void deleteLease(long leaseId);

  /**
   * Records an active alarm under {@code key} (opaque to the store: the server's encoding of the
   * member and alarm type) in this batch's backend transaction.
   */
  void putAlarm(byte[] key);

  /** Removes an alarm's key in this batch's backend transaction; no-op when absent. */
  void deleteAlarm(byte[] key);

  /** Commits the backend transaction and publishes the new revision to readers. */
  void commit();

  /** Aborts the batch if it was not committed. A failed batch is fatal for the member. */
  @Override
  void close();
}
