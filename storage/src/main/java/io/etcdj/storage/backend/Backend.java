package io.etcdj.storage.backend;

/**
 * A transactional, ordered key-value store split in {@link Bucket}s: the persistence layer under
 * the mvcc store (etcd's {@code server/storage/backend.Backend}).
 *
 * <p>Threading: {@link #readTxn()}, the size getters and {@link #sync()} from any thread; {@link
 * #batchTxn()} only from the single writer thread, one open batch at a time. {@link #close()} once,
 * after the writer has stopped; it waits (bounded) for open read txns.
 */
public interface Backend extends AutoCloseable {

  /** Opens a snapshot read txn. Close it promptly. */
  ReadTxn readTxn();

  /**
   * Opens the write txn. Writer thread only.
   *
   * @throws IllegalStateException if a batch txn is already open
   */
  BatchTxn batchTxn();

  /** Bytes the backend takes on disk (the whole file; 0 ≤ in use ≤ this). */
  long sizeBytes();

  /** Bytes of pages holding live data (excludes free pages that a later write may reuse). */
  long sizeInUseBytes();

  /**
   * Forces every committed txn to stable storage. Needed because commits do not fsync: see the
   * package documentation.
   */
  void sync();

  @Override
  void close();
}
