package io.etcdj.storage.backend;

/**
 * A consistent snapshot of the backend. It sees everything committed before it was opened and
 * nothing committed after.
 *
 * <p>Threading: may be opened, used and closed from any thread, but by one thread at a time. It
 * pins a snapshot (and, on LMDB, a reader slot and the pages it sees), so close it promptly.
 *
 * <p>Every byte array handed out is a fresh copy owned by the caller; every byte array passed in
 * is only read during the call and may be reused afterwards.
 */
public interface ReadTxn extends AutoCloseable {

  /** The value stored under {@code key}, or null. */
  byte[] get(Bucket bucket, byte[] key);

  /**
   * Visits the entries with {@code from ≤ key < to} in ascending unsigned byte order.
   *
   * @param from the first key (inclusive); null or empty means the first key of the bucket
   * @param to the end key (exclusive); null means the end of the bucket
   * @param limit the most entries to visit; ≤ 0 means no limit
   * @param visitor called for each entry; returning false stops the scan. It must not write to
   *     this txn.
   * @return the number of entries visited
   */
  int scan(Bucket bucket, byte[] from, byte[] to, int limit, EntryVisitor visitor);

  /** Ends the txn (a write txn that was not committed is aborted). Idempotent. */
  @Override
  void close();

  /** Receives the entries of a {@link #scan}. */
  @FunctionalInterface
  interface EntryVisitor {
    /**
     * @return true to go on, false to stop
     */
    boolean visit(byte[] key, byte[] value);
  }
}
