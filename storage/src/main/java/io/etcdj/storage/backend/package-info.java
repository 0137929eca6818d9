/**
 * The storage engine under the mvcc store, mirroring etcd's {@code server/storage/backend}: a
 * transactional, ordered key-value store split in buckets ({@link
 * io.etcdj.storage.backend.Bucket#KEY}: revision → KeyValue; {@link
 * io.etcdj.storage.backend.Bucket#META}: consistent index and compaction progress).
 *
 * <p>What it owns: {@link io.etcdj.storage.backend.Backend}, its snapshot {@link
 * io.etcdj.storage.backend.ReadTxn} and its single {@link io.etcdj.storage.backend.BatchTxn}; two
 * implementations, LMDB (the only code in etcdj that imports {@code org.lmdbjava}; every LMDB
 * failure is translated to {@link io.etcdj.storage.backend.BackendException} in one method) and
 * sorted maps in memory (tests, simulations). Both pass the same contract tests. It knows nothing
 * about revisions or KeyValues: keys and values are opaque bytes, ordered as unsigned bytes.
 *
 * <p>Threading: one writer thread (the apply thread) opens one batch txn at a time and commits
 * it; LMDB binds a write txn to its thread. Read txns are opened, used and closed on any thread
 * (LMDB {@code MDB_NOTLS}: a reader slot belongs to the txn, not to the thread), each by one
 * thread at a time; each sees the state of the last commit before it was opened, unaffected by
 * later commits. Up to 1024 read txns may be open at once. Bytes are copied out of LMDB's buffers
 * before anything else happens on the txn, so nothing handed out depends on a txn being open.
 *
 * <p>Durability, and why commits do not fsync. The Raft WAL (fsynced per Ready) is the source of
 * truth; the applied index ("consistent index") is written in the same backend txn as the data it
 * covers, so after a restart the server replays the WAL from the stored index and applying is
 * idempotent. LMDB is therefore opened with {@code MDB_NOSYNC}: a commit writes its pages to the
 * OS page cache without fsync, and {@link io.etcdj.storage.backend.Backend#sync()} makes them
 * durable. The server may discard WAL entries only up to the consistent index covered by a
 * completed {@code sync()}.
 *
 * <ul>
 *   <li>A crash of the process (kill -9, OOM, JVM crash) loses nothing: the page cache survives,
 *       and LMDB's copy-on-write commit is atomic in it.
 *   <li>A crash of the machine (power loss, kernel panic) can leave on disk a newer meta page than
 *       the pages it points to, or pages of the last synced tree overwritten by later commits: a
 *       plain {@code MDB_NOSYNC} file is then corrupt ("located page was wrong type"). So every
 *       {@code sync()} is a <b>checkpoint</b> ({@link io.etcdj.storage.backend.Checkpoint}): it
 *       pins the newest txn with a read txn (LMDB never reuses the pages of a tree a reader can
 *       see), copies its two meta pages, fsyncs the file and saves the metas in a side file, then
 *       releases the previous pin. The backend checkpoints itself every 250 ms when it has new
 *       commits (after 4,096 commits at the latest), and at close. When the machine has rebooted
 *       since the backend was last open (the kernel's boot id differs), opening it first writes
 *       the checkpoint's metas back: LMDB then opens the last checkpointed tree, whole, and the
 *       server's WAL replays the rest.
 * </ul>
 *
 * <p>The price of the pin: LMDB cannot reuse pages freed since the last checkpoint, so the file
 * holds up to two checkpoints' worth of commits' pages more than it would (a checkpoint comes
 * every 250 ms or 4,096 commits), and each checkpoint's fsync writes them. Measured in {@code
 * docs/benchmarks.md} ("Power-loss checkpoints").
 *
 * <p>Measured on this machine (10 puts of 200 B per commit, 2,000 commits): {@code MDB_NOSYNC}
 * 0.08 ms mean per commit (p50 0.02 ms, p99 1.5 ms); {@code MDB_NOMETASYNC}, which keeps the file
 * intact on power loss (it may only lose the last txn), 0.60 ms mean (p50 0.25 ms, p99 8 ms), about
 * 1,700 commits per second; full sync 0.62 ms mean. {@code MDB_NOMETASYNC} would put a second
 * fsync (after the WAL's) on the path of every client write and cap the apply thread at ~1,700
 * batches per second, so the default is {@code MDB_NOSYNC} plus checkpoints, which is what etcd
 * does in effect (bbolt commits, with fsync, only every 100 ms or 10,000 writes). The mode is one
 * constant ({@code LmdbBackend.DEFAULT_SYNC_MODE}).
 */
package io.etcdj.storage.backend;
