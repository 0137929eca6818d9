package io.etcdj.storage.mvcc;

import io.etcdj.api.mvccpb.KeyValue;
import java.util.List;

/**
 * One write transaction: every change in it has the same main revision (etcd's {@code
 * mvcc.TxnWrite}). Reads inside see the txn's own earlier writes, as in etcd (they read at
 * beginRev + 1 once the txn has changed anything). Apply thread only.
 */
public interface TxnWrite extends TxnRead {

  /**
   * Puts a key. Creates it (version 1, create_revision = this revision) or adds a version.
   *
   * @return the revision of the write (the txn's main revision)
   */
  long put(byte[] key, byte[] value, long lease);

  /**
   * Deletes the live keys in [key, end) (same range rules as {@link #range}), writing a tombstone
   * for each.
   *
   * @return the number of keys deleted
   */
  long deleteRange(byte[] key, byte[] end);

  /**
   * What this txn changed so far, in order: the new KeyValue of each put, and for each delete a
   * KeyValue holding only the key and the deleting mod_revision. For watch (a later issue).
   */
  List<KeyValue> changes();

  /**
   * Ends the txn. The revision advances by one if and only if the txn changed something. Must be
   * called before the next {@link WriteBatch#write()}.
   */
  void end();

  /** Same as {@link #end()}. */
  @Override
  default void close() {
    end();
  }
}
