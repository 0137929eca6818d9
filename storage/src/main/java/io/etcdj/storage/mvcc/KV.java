package io.etcdj.storage.mvcc;

/**
 * The multi-version key-value store (etcd's {@code mvcc.KV}): revisioned keys in a backend and a
 * B-tree key index in memory.
 *
 * <p>Threading: {@link #read()}, {@link #rev()}, {@link #compactRev()} and the size getters may be
 * called from any thread. {@link #beginBatch()} and {@link #compactionStep(int)} only from the one
 * apply thread, which is the only writer.
 */
public interface KV extends AutoCloseable {

  /** The newest revision whose batch has committed (what readers see). A new store is at 1. */
  long rev();

  /** The revision the store was compacted to (scheduled), 0 when never compacted. */
  long compactRev();

  /** The applied Raft index stored with the data ("consistent index"); 0 for a new store. */
  long consistentIndex();

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

  /** Bytes the backend file takes on disk. */
  long dbSize();

  /** Bytes of the backend actually holding live pages. */
  long dbSizeInUse();

  /** Number of distinct keys in the index (live or with history), for diagnostics. */
  long keyCount();

  @Override
  void close();
}
