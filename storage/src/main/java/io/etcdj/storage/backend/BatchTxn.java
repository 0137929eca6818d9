package io.etcdj.storage.backend;

/**
 * The one write transaction of a backend (etcd's {@code backend.BatchTx}). Reads through it see
 * its own uncommitted writes. Nothing is visible to other txns until {@link #commit()}.
 *
 * <p>Threading: confined to the thread that opened it (LMDB binds a write txn to its thread).
 */
public interface BatchTxn extends ReadTxn {

  /** Stores {@code value} under {@code key}, replacing any value. Both arrays are copied. */
  void put(Bucket bucket, byte[] key, byte[] value);

  /** Removes {@code key}; returns whether it was there. */
  boolean delete(Bucket bucket, byte[] key);

  /** Removes every entry of {@code bucket} (used to replace the whole store with a snapshot). */
  void clear(Bucket bucket);

  /** Makes the writes visible to txns opened from now on. Ends the txn. */
  void commit();

  /** Drops every write of this txn. Ends the txn. Idempotent. */
  void abort();

  /** Aborts unless committed. */
  @Override
  void close();
}
