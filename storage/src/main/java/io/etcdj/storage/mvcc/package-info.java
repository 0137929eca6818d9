/**
 * The multi-version key-value store, mirroring etcd's {@code server/storage/mvcc} ({@code
 * kvstore.go}, {@code kvstore_txn.go}, {@code kvstore_compaction.go}, {@code revision.go}).
 *
 * <p>Each write txn gets a {@code Revision{main, sub}}; the backend stores revision → KeyValue
 * (etcd's 17-byte revision keys, with a tombstone mark for deletes; a tombstone's value holds only
 * the key, as in etcd); an in-memory B-tree maps each key to its {@code KeyIndex} of generations.
 * The applied Raft index ("consistent index") and the compaction state (scheduled and finished
 * revision, progress of the physical removal) live in the meta bucket, written in the same backend
 * transaction as the data. On open the index is rebuilt by scanning the key bucket in revision
 * order, and an unfinished compaction resumes.
 *
 * <p>Threading: one apply thread writes ({@link io.etcdj.storage.mvcc.KV#beginBatch()}, {@link
 * io.etcdj.storage.mvcc.KV#compactionStep(int)}); any thread reads through {@link
 * io.etcdj.storage.mvcc.KV#read()} at the last committed revision. Writes go into the index as
 * they happen (so later txns of the batch see them) at revisions readers do not read yet; the new
 * revision is published (volatile) only after the backend commit.
 *
 * <p>Compaction: {@code WriteBatch.compact(rev)} records the scheduled revision; when the batch
 * commits, the new compactRev is published and then the index is compacted (readers recheck
 * compactRev after reading the index, so they never return a half-compacted answer); {@code
 * compactionStep(n)} then deletes the superseded revisions from the backend, n per backend txn.
 * As in etcd, a read exactly at compactRev still works; below it, {@link
 * io.etcdj.storage.mvcc.CompactedException}.
 *
 * <p>Hashes: {@link io.etcdj.storage.mvcc.KV#hashByRev(long)} is etcd 3.4's {@code HashByRev}
 * (what {@code etcdctl endpoint hashkv} prints), bit for bit; a differential test against a real
 * etcd 3.4.23 checks it. {@link io.etcdj.storage.mvcc.KV#hash()} hashes the whole backend and
 * cannot match etcd's number, whose backend has other buckets.
 */
package io.etcdj.storage.mvcc;
