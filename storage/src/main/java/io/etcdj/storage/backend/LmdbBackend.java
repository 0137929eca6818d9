package io.etcdj.storage.backend;

import io.etcdj.storage.failpoint.FailPoints;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.lmdbjava.Cursor;
import org.lmdbjava.Dbi;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.EnvFlags;
import org.lmdbjava.GetOp;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Stat;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The LMDB backend: one environment in a directory ({@code data.mdb}, {@code lock.mdb}), one named
 * database per {@link Bucket}. The only class of etcdj that imports {@code org.lmdbjava}.
 *
 * <p>The environment is opened with {@code MDB_NOTLS}, so read txns are not tied to a thread (the
 * gRPC pool may open one on one thread and close it on another) and one thread may hold several.
 * Write txns stay bound to the writer thread, as LMDB requires.
 *
 * <p>Bytes are copied out of LMDB's buffers (which point into the memory map and are reused by
 * the next call on the same txn) before any other call, so nothing handed out outlives its txn.
 * Every {@link LmdbException} is translated in {@link #translate}.
 *
 * <p>Threading: see {@link Backend}. The reader count and the closed flag are the only state
 * shared between threads; the writer key buffer is confined to the writer thread.
 */
final class LmdbBackend implements Backend {
  private static final Logger LOG = LoggerFactory.getLogger(LmdbBackend.class);

  /** How commits reach the disk; see the package documentation for the trade-off. */
  enum SyncMode {
    /** {@code MDB_NOSYNC}: no fsync at commit; only {@link #sync()} flushes. */
    NO_SYNC,
    /** {@code MDB_NOMETASYNC}: fsync data pages at commit, meta page at the next commit/sync. */
    NO_META_SYNC,
    /** Full LMDB durability: two fsyncs per commit. For measurements. */
    FULL_SYNC
  }

  static final SyncMode DEFAULT_SYNC_MODE = SyncMode.NO_SYNC;

  /** LMDB's compiled-in key size limit. */
  static final int KEY_BYTES_MAX = 511;

  /** Reader slots: concurrent read txns. Each range request holds one while it runs. */
  static final int READERS_MAX = 1024;

  private static final long CLOSE_WAIT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /**
   * How often the backend checkpoints itself when it has new commits (see {@link Checkpoint}):
   * bounds what a power loss sends back to the WAL, and how far the file grows while a checkpoint
   * pins its tree. etcd's bbolt commits (with fsync) every 100 ms. Every commit's copied pages reach
   * the disk whatever the interval (see docs/robustness.md); a shorter one makes each fsync smaller,
   * and a one-client put's p99 suffered less at 250 ms than at 1 s (docs/benchmarks.md).
   */
  static final long CHECKPOINT_INTERVAL_MS = 250;

  /**
   * Commits after which a checkpoint is due before its interval: while a checkpoint pins its
   * tree, every commit's copied pages take new space (about five 4 KiB pages for a put), so this
   * bounds how far the file grows between checkpoints (about 80 MiB) at any write rate.
   */
  static final int CHECKPOINT_COMMITS_MAX = 4_096;

  private final Path dir;
  private final Env<ByteBuffer> env;
  private final Dbi<ByteBuffer>[] dbis;
  private final AtomicInteger openTxns = new AtomicInteger();
  private final ThreadLocal<ByteBuffer> readerKeyBuffer =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(KEY_BYTES_MAX));
  private volatile boolean closed;
  /** See {@link #sizeInUseBytes()}: recomputed by the writer at each commit. */
  private volatile long inUseBytes;

  // Writer thread only.
  private final ByteBuffer writerKeyBuffer = ByteBuffer.allocateDirect(KEY_BYTES_MAX);
  private final ByteBuffer emptyValue = ByteBuffer.allocateDirect(0);
  private LmdbBatchTxn openBatch;

  // Checkpoints (see Checkpoint): commits and the capture of a pinned txn's metas exclude each
  // other through metaLock; checkpoints run one at a time under checkpointLock.
  private final Object metaLock = new Object();
  private final Object checkpointLock = new Object();
  private final FileChannel dataFile;
  private final int pageSize;
  /** The read txn whose tree the last saved checkpoint describes; guarded by checkpointLock. */
  private Txn<ByteBuffer> pinned;
  private volatile long checkpointTxnId = -1;
  /** Commits since the checkpointer last looked; written by the writer thread only. */
  private volatile int commitsSinceCheckpoint;
  /** Counts checkpoints of this open backend (which slot of the file is next); checkpointLock. */
  private long checkpointSeq;
  private final Thread checkpointer;

  private LmdbBackend(Path dir, Env<ByteBuffer> env, Dbi<ByteBuffer>[] dbis) throws IOException {
    this.dir = dir;
    this.env = env;
    this.dbis = dbis;
    this.pageSize = env.stat().pageSize;
    this.dataFile = FileChannel.open(dir.resolve("data.mdb"), StandardOpenOption.READ);
    this.checkpointer = new Thread(this::checkpointPeriodically, "etcdj-backend-checkpoint");
    checkpointer.setDaemon(true);
  }

  static LmdbBackend open(Path dir, long mapSizeBytes, SyncMode syncMode) {
    if (mapSizeBytes <= 0) {
      throw new IllegalArgumentException("mapSizeBytes must be > 0: " + mapSizeBytes);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new BackendException("cannot create backend directory " + dir, e);
    }
    long lastCheckpointSeq;
    try {
      lastCheckpointSeq = prepareForOpen(dir);
    } catch (IOException e) {
      throw new BackendException("cannot prepare the backend in " + dir + ": " + e.getMessage(), e);
    }
    Env<ByteBuffer> env = null;
    try {
      env =
          Env.create()
              .setMapSize(mapSizeBytes)
              .setMaxDbs(Bucket.values().length)
              .setMaxReaders(READERS_MAX)
              .open(dir.toFile(), envFlags(syncMode));
      int stale = env.readerCheck();
      if (stale > 0) {
        LOG.info("cleared {} stale LMDB reader slots in {}", stale, dir);
      }
      @SuppressWarnings("unchecked")
      Dbi<ByteBuffer>[] dbis = new Dbi[Bucket.values().length];
      for (Bucket bucket : Bucket.values()) {
        dbis[bucket.ordinal()] = env.openDbi(bucket.dbName(), DbiFlags.MDB_CREATE);
      }
      LmdbBackend backend = new LmdbBackend(dir, env, dbis);
      backend.checkpointSeq = lastCheckpointSeq;
      try (Txn<ByteBuffer> txn = env.txnRead()) {
        backend.publishInUse(backend.bucketPages(txn));
      }
      backend.checkpoint(); // before any write: from now on the disk always holds a whole tree
      backend.checkpointer.start();
      return backend;
    } catch (LmdbException e) {
      if (env != null) {
        env.close();
      }
      throw translate("open " + dir, e);
    } catch (IOException e) {
      if (env != null) {
        env.close();
      }
      throw new BackendException("cannot open the backend in " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Before LMDB opens the file: after a reboot, the file goes back to its last checkpoint (see
   * {@link Checkpoint}); then this boot is recorded.
   *
   * @return the sequence number of the newest checkpoint (0 if none), which the next continues
   */
  private static long prepareForOpen(Path dir) throws IOException {
    Path data = dir.resolve("data.mdb");
    String boot = Checkpoint.currentBootId();
    String lastBoot = Checkpoint.recordedBootId(dir);
    boolean rebooted = boot == null || !boot.equals(lastBoot);
    Checkpoint checkpoint = Checkpoint.load(dir);
    if (Files.exists(data) && rebooted && lastBoot != null) {
      if (checkpoint != null) {
        if (checkpoint.restoreInto(data)) {
          LOG.warn(
              "the machine restarted since this backend was last open, and it was not closed "
                  + "cleanly: going back to its last checkpoint (txn {}) in {}; the WAL replays the "
                  + "rest",
              checkpoint.txnId,
              dir);
        }
      } else {
        // The first open recorded the boot but died before its first checkpoint: nothing was
        // written yet but the empty buckets, and the file may be torn.
        LOG.warn("the backend in {} never completed its first checkpoint: creating it again", dir);
        Files.delete(data);
        Files.deleteIfExists(dir.resolve("lock.mdb"));
      }
    }
    Checkpoint.recordBootId(dir, boot == null ? "unknown" : boot);
    return checkpoint == null ? 0 : checkpoint.seq;
  }

  private static EnvFlags[] envFlags(SyncMode mode) {
    switch (mode) {
      case NO_SYNC:
        return new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOSYNC};
      case NO_META_SYNC:
        return new EnvFlags[] {EnvFlags.MDB_NOTLS, EnvFlags.MDB_NOMETASYNC};
      case FULL_SYNC:
        return new EnvFlags[] {EnvFlags.MDB_NOTLS};
      default:
        throw new IllegalArgumentException("sync mode " + mode);
    }
  }

  /** The one place LMDB failures become etcdj exceptions. */
  static BackendException translate(String what, LmdbException e) {
    if (e instanceof Env.MapFullException) {
      return new BackendFullException("lmdb: map full during " + what, e);
    }
    if (e instanceof Env.ReadersFullException) {
      return new BackendException(
          "lmdb: all " + READERS_MAX + " reader slots in use during " + what, e);
    }
    return new BackendException("lmdb: " + what + " failed: " + e.getMessage(), e);
  }

  @Override
  public ReadTxn readTxn() {
    enter();
    try {
      return new LmdbReadTxn(env.txnRead());
    } catch (LmdbException e) {
      openTxns.decrementAndGet();
      throw translate("begin read txn", e);
    } catch (RuntimeException e) {
      openTxns.decrementAndGet();
      throw e;
    }
  }

  @Override
  public BatchTxn batchTxn() {
    if (openBatch != null) {
      throw new IllegalStateException("a batch txn is already open");
    }
    enter();
    try {
      openBatch = new LmdbBatchTxn(env.txnWrite());
      return openBatch;
    } catch (LmdbException e) {
      openTxns.decrementAndGet();
      throw translate("begin write txn", e);
    }
  }

  /** Counts a txn in before checking closed, so {@link #close()} either refuses or waits. */
  private void enter() {
    openTxns.incrementAndGet();
    if (closed) {
      openTxns.decrementAndGet();
      throw new IllegalStateException("backend closed");
    }
  }

  @Override
  public long sizeBytes() {
    try {
      return Files.size(dir.resolve("data.mdb"));
    } catch (IOException e) {
      throw new BackendException("cannot stat data.mdb in " + dir, e);
    }
  }

  /**
   * The pages of every B-tree (the main database and each bucket's: branch, leaf and overflow
   * pages) times the page size, as of the last commit. Free pages (LMDB's free list, reused by
   * later writes) are not counted: this is what the data needs, while {@link #sizeBytes()} is the
   * high-water mark of the file, which LMDB never shrinks.
   */
  @Override
  public long sizeInUseBytes() {
    return inUseBytes;
  }

  /** The pages the B-trees take as {@code txn} sees them (main database counted separately). */
  private long bucketPages(Txn<ByteBuffer> txn) {
    long pages = 0;
    for (Dbi<ByteBuffer> dbi : dbis) {
      pages += pages(dbi.stat(txn));
    }
    return pages;
  }

  /** Publishes the in-use size after a commit that left the buckets at {@code bucketPages}. */
  private void publishInUse(long bucketPages) {
    Stat main = env.stat(); // reads the newest meta page: no txn needed
    inUseBytes = (bucketPages + pages(main)) * main.pageSize;
  }

  private static long pages(Stat stat) {
    return stat.branchPages + stat.leafPages + stat.overflowPages;
  }

  /** A checkpoint (see {@link Checkpoint}): every commit so far is durable when this returns. */
  @Override
  public void sync() {
    enter();
    try {
      checkpoint();
    } finally {
      openTxns.decrementAndGet();
    }
  }

  /**
   * Pins the newest txn, copies its meta pages, fsyncs the file, saves the checkpoint, and only
   * then releases the previous pin: at no moment is the disk without a whole tree and its metas.
   */
  private void checkpoint() {
    synchronized (checkpointLock) {
      Txn<ByteBuffer> pin = null;
      try {
        byte[][] metas;
        synchronized (metaLock) { // no commit between the pin and the copy of its metas
          pin = env.txnRead();
          metas = Checkpoint.readMetas(dataFile, pageSize);
        }
        long txnId = pin.getId();
        long newest = Math.max(Checkpoint.metaTxnId(metas[0]), Checkpoint.metaTxnId(metas[1]));
        if (newest != txnId) {
          throw new IllegalStateException(
              "lmdb meta pages describe txn " + newest + ", the pinned read txn is " + txnId
                  + ": the meta page layout is not the one etcdj knows");
        }
        env.sync(true);
        FailPoints.hit(FailPoints.BACKEND_BEFORE_CHECKPOINT_SAVE);
        new Checkpoint(txnId, metas[0], metas[1], ++checkpointSeq).save(dir);
        FailPoints.hit(FailPoints.BACKEND_AFTER_CHECKPOINT_SAVE);
        Txn<ByteBuffer> previous = pinned;
        pinned = pin;
        pin = null;
        checkpointTxnId = txnId;
        if (previous != null) {
          previous.close();
        }
      } catch (LmdbException e) {
        throw translate("sync", e);
      } catch (IOException e) {
        throw new BackendException("cannot checkpoint the backend in " + dir + ": " + e.getMessage(), e);
      } finally {
        if (pin != null) {
          pin.close();
        }
      }
    }
  }

  private void checkpointPeriodically() {
    while (!closed) {
      long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CHECKPOINT_INTERVAL_MS);
      long left;
      while (!closed
          && commitsSinceCheckpoint < CHECKPOINT_COMMITS_MAX
          && (left = due - System.nanoTime()) > 0) {
        LockSupport.parkNanos(left);
      }
      if (closed) {
        return;
      }
      commitsSinceCheckpoint = 0; // a racing commit's count may be lost: it only comes due later
      try {
        enter();
      } catch (IllegalStateException closing) {
        return;
      }
      try {
        if (env.info().lastTransactionId != checkpointTxnId) {
          checkpoint();
        }
      } catch (RuntimeException e) {
        // The last checkpoint stays pinned and valid; a later one may succeed. A server that needs
        // durability now (before releasing its WAL) calls sync() itself and sees the failure.
        LOG.error("backend checkpoint failed in {}: {}", dir, e.toString());
      } finally {
        openTxns.decrementAndGet();
      }
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (openBatch != null) {
      openBatch.abort();
    }
    long deadline = System.nanoTime() + CLOSE_WAIT_NANOS;
    while (openTxns.get() > 0) {
      if (System.nanoTime() - deadline > 0) {
        // Closing the env under a live txn can crash the JVM; leaking it at shutdown cannot.
        LOG.warn("{} LMDB txns still open after 5 s; leaving the environment open", openTxns.get());
        return;
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
    checkpointer.interrupt();
    try {
      checkpoint(); // the newest state: the next open after a reboot has nothing to go back over
      synchronized (checkpointLock) {
        if (pinned != null) {
          pinned.close();
          pinned = null;
        }
      }
      dataFile.close();
      env.close();
    } catch (LmdbException e) {
      throw translate("close", e);
    } catch (IOException e) {
      throw new BackendException("cannot close " + dir + ": " + e.getMessage(), e);
    }
  }

  private Dbi<ByteBuffer> dbi(Bucket bucket) {
    return dbis[bucket.ordinal()];
  }

  private static ByteBuffer fill(ByteBuffer buffer, byte[] key) {
    if (key.length == 0 || key.length > KEY_BYTES_MAX) {
      throw new IllegalArgumentException("key length must be 1.." + KEY_BYTES_MAX + ": " + key.length);
    }
    buffer.clear();
    buffer.put(key).flip();
    return buffer;
  }

  private static byte[] copy(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  /** Read-side operations shared by read and write txns. */
  private abstract class LmdbTxn implements ReadTxn {
    final Txn<ByteBuffer> txn;
    boolean ended;

    LmdbTxn(Txn<ByteBuffer> txn) {
      this.txn = txn;
    }

    abstract ByteBuffer keyBuffer();

    void checkActive() {
      if (ended) {
        throw new IllegalStateException("txn already ended");
      }
    }

    @Override
    public byte[] get(Bucket bucket, byte[] key) {
      checkActive();
      try {
        ByteBuffer value = dbi(bucket).get(txn, fill(keyBuffer(), key));
        return value == null ? null : copy(value);
      } catch (LmdbException e) {
        throw translate("get", e);
      }
    }

    @Override
    public int scan(Bucket bucket, byte[] from, byte[] to, int limit, EntryVisitor visitor) {
      checkActive();
      try (Cursor<ByteBuffer> cursor = dbi(bucket).openCursor(txn)) {
        boolean found =
            from == null || from.length == 0
                ? cursor.first()
                : cursor.get(fill(keyBuffer(), from), GetOp.MDB_SET_RANGE);
        int visited = 0;
        while (found) {
          byte[] key = copy(cursor.key());
          if (to != null && Arrays.compareUnsigned(key, to) >= 0) {
            break;
          }
          byte[] value = copy(cursor.val());
          visited++;
          if (!visitor.visit(key, value) || (limit > 0 && visited >= limit)) {
            break;
          }
          found = cursor.next();
        }
        return visited;
      } catch (LmdbException e) {
        throw translate("scan", e);
      }
    }

    /** Ends the LMDB txn once and releases its count. */
    void end(boolean commit) {
      if (ended) {
        return;
      }
      ended = true;
      try {
        if (commit) {
          txn.commit(); // marks the txn done even when it fails, so close() never double-frees
        }
      } catch (LmdbException e) {
        throw translate("commit", e);
      } finally {
        try {
          txn.close(); // aborts a txn that is still live; frees its buffers
        } catch (LmdbException e) {
          LOG.error("lmdb: closing a txn failed", e);
        } finally {
          openTxns.decrementAndGet();
        }
      }
    }
  }

  private final class LmdbReadTxn extends LmdbTxn {
    LmdbReadTxn(Txn<ByteBuffer> txn) {
      super(txn);
    }

    @Override
    ByteBuffer keyBuffer() {
      return readerKeyBuffer.get();
    }

    @Override
    public void close() {
      end(false);
    }
  }

  private final class LmdbBatchTxn extends LmdbTxn implements BatchTxn {
    LmdbBatchTxn(Txn<ByteBuffer> txn) {
      super(txn);
    }

    @Override
    ByteBuffer keyBuffer() {
      return writerKeyBuffer;
    }

    @Override
    public void put(Bucket bucket, byte[] key, byte[] value) {
      checkActive();
      try {
        ByteBuffer keyBuffer = fill(writerKeyBuffer, key);
        if (value.length == 0) {
          dbi(bucket).put(txn, keyBuffer, emptyValue.clear());
        } else {
          // Reserve writes the value straight into the page: no staging buffer.
          dbi(bucket).reserve(txn, keyBuffer, value.length).put(value);
        }
      } catch (LmdbException e) {
        throw translate("put", e);
      }
    }

    @Override
    public boolean delete(Bucket bucket, byte[] key) {
      checkActive();
      try {
        return dbi(bucket).delete(txn, fill(writerKeyBuffer, key));
      } catch (LmdbException e) {
        throw translate("delete", e);
      }
    }

    @Override
    public void clear(Bucket bucket) {
      checkActive();
      try {
        dbi(bucket).drop(txn); // empties the database, keeps it open
      } catch (LmdbException e) {
        throw translate("clear", e);
      }
    }

    @Override
    public void commit() {
      checkActive();
      long pages;
      try {
        pages = bucketPages(txn); // before the commit ends the txn; cheap (one record per bucket)
      } catch (LmdbException e) {
        throw translate("stat", e);
      }
      openBatch = null;
      synchronized (metaLock) { // see checkpoint()
        end(true);
      }
      publishInUse(pages);
      int commits = commitsSinceCheckpoint + 1; // single writer: no lost update
      commitsSinceCheckpoint = commits;
      if (commits == CHECKPOINT_COMMITS_MAX) {
        LockSupport.unpark(checkpointer); // due early; see CHECKPOINT_COMMITS_MAX
      }
    }

    @Override
    public void abort() {
      if (openBatch == this) {
        openBatch = null;
      }
      end(false);
    }

    @Override
    public void close() {
      abort();
    }
  }
}
