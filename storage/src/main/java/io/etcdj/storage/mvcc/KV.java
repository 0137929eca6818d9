package io.etcdj.storage.mvcc;

/**
 * The multi-version key-value store (etcd's {@code mvcc.KV}): revisioned keys in a backend and a
 * B-tree key index in memory.
 *
 * <p>Threading: {@link #read()}, {@link #rev()}, {@link #compactRev()}, the hashes and the size
 * getters may be called from any thread. {@link #beginBatch()} and {@link #compactionStep(int)} only from the one
 * apply thread, which is the only writer.
 */
public interface KV extends AutoCloseable {

  /** The newest revision whose batch has committed (what readers see). A new store is at 1. */
  long rev();

  /** The revision the store was compacted to (scheduled), 0 when never compacted. */
  long compactRev();

  /** The applied Raft index stored with the data ("consistent index"); 0 for a new store. */
  long consistentIndex();

  /**
   * Installs the observer of txn operation counts and commit times (replacing the previous one;
   * {@link TxnObserver#NONE} at first). Txns opened before the call report to the old observer.
   */
  void observeTxns(TxnObserver observer);

  /** A read view at {@link #rev()}. Close it promptly: it pins a backend snapshot. */
  TxnRead read();

  /**
   * Opens a write batch: one backend write transaction holding any number of write txns (one
   * revision each), committed together by {@link WriteBatch#commit()}. Apply thread only; at most
   * one open batch at a time.
   */
  WriteBatch beginBatch();

  /**
   * Physically removes, in one backend transaction, up to {@code maxRevisions} superseded
   * revisions of a scheduled compaction. Apply thread only, never while a batch is open.
   *
   * @return true when compaction work remains (call again later)
   */
  boolean compactionStep(int maxRevisions);

  /**
   * Forces every committed batch to stable storage (commits themselves do not fsync; the WAL is
   * the durable record). Any thread. Callers may discard WAL entries only up to a consistent
   * index read before this call began.
   */
  void sync();

  /**
   * The hash of the key bucket's MVCC history up to {@code rev}, computed exactly as etcd 3.4's
   * {@code HashByRev} (the value {@code etcdctl endpoint hashkv} prints and the corruption check
   * compares): a CRC-32C seeded with the bucket name {@code "key"}, then, in revision order, the
   * revision key (17 bytes, 18 with the tombstone mark) and the stored KeyValue bytes of every
   * revision with main ≤ rev. Revisions at or below the compacted revision count only if a
   * compaction at rev would keep them ({@code Index.keep(rev)}), so the hash does not depend on how
   * far the physical removal of a compaction has got; when nothing at all is live at rev (the keep
   * set is empty) etcd skips nothing, and neither does this.
   *
   * <p>Two stores that applied the same writes and compactions give the same hash, and the same
   * hash as a real etcd 3.4 member that applied them.
   *
   * <p>Cost: scans the whole key bucket up to rev (O(history size) time) plus one walk of the index
   * for the keep set (memory O(live keys)). Runs on the caller's thread from a backend snapshot; it
   * takes the index read lock only in short batches, so the apply thread is never held up for
   * long. Call it off latency-sensitive threads.
   *
   * @param rev the revision to hash up to; 0 means the current revision. A negative revision hashes
   *     no revision at all (as in etcd, which does not reject it).
   * @throws FutureRevisionException if rev is above {@link #rev()}
   * @throws CompactedException if rev is positive and at or below {@link #compactRev()} (etcd 3.4
   *     rejects rev == compactRev too, unlike a range read at compactRev)
   */
  HashResult hashByRev(long rev);

  /**
   * The hash of the whole backend (etcd's {@code Maintenance.Hash}): see {@code Backend.hash}. It
   * leaves out the consistent index, as etcd does, so members that applied the same writes agree;
   * it cannot equal a real etcd's number because the backends' buckets differ.
   */
  HashResult hash();

  /**
   * A consistent copy of the whole store as committed now (etcd's backend snapshot), for a member
   * too far behind to catch up from the log. Any thread; it pins a backend read snapshot until
   * closed, so stream it and close it.
   */
  StoreSnapshot snapshot();

  /**
   * Replaces the whole store with the data of a {@link StoreSnapshot} (usually another member's),
   * in one backend transaction, and rebuilds the index. Apply thread only, with no batch open. A
   * scheduled compaction of the old data is dropped (its futures complete); one recorded in the
   * snapshot resumes. The result is not durable until {@link #sync()}.
   *
   * @throws java.io.IOException if the stream is cut or corrupt; then nothing has changed
   */
  void restore(java.io.InputStream data) throws java.io.IOException;

  /** Receives the stored lease records of {@link #forEachLease}. */
  @FunctionalInterface
  interface LeaseVisitor {
    void visit(long leaseId, byte[] record);
  }

  /**
   * Visits every committed lease record (see {@link WriteBatch#putLease}) in ascending id order
   * (ids compared as unsigned), from one read snapshot. For rebuilding the lessor at start-up and
   * after a snapshot install. Any thread.
   */
  void forEachLease(LeaseVisitor visitor);

  /**
   * Visits the key of every committed alarm (see {@link WriteBatch#putAlarm}) in ascending
   * unsigned order, from one read snapshot: for rebuilding the alarm set at start-up and after a
   * snapshot install. Any thread.
   */
  void forEachAlarm(java.util.function.Consumer<byte[]> visitor);

  /** Bytes the backend file takes on disk. */
  long dbSize();

  /** Bytes of the backend actually holding live pages. */
  long dbSizeInUse();

  /** Number of distinct keys in the index (live or with history), for diagnostics. */
  long keyCount();

  @Override
  void close();
}
