/**
 * The multi-version key-value store, mirroring etcd's {@code server/storage/mvcc}.
 *
 * <p>Each write txn gets a {@code Revision{main, sub}}; the backend stores revision → KeyValue
 * (etcd's 17-byte revision keys, with a tombstone mark for deletes); an in-memory B-tree maps each
 * key to its {@code KeyIndex} of generations. The applied Raft index ("consistent index") and the
 * compaction state live in a meta bucket, written in the same backend transaction as the data.
 *
 * <p>Threading: one apply thread writes ({@link io.etcdj.storage.mvcc.KV#beginBatch()}); any
 * thread reads through {@link io.etcdj.storage.mvcc.KV#read()} at the last committed revision.
 */
package io.etcdj.storage.mvcc;
