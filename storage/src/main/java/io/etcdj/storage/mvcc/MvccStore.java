package io.etcdj.storage.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.WireFormat;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.BackendDump;
import io.etcdj.storage.backend.BatchTxn;
import io.etcdj.storage.backend.Bucket;
import io.etcdj.storage.backend.ReadTxn;
import io.etcdj.storage.failpoint.FailPoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store (etcd's {@code kvstore.go}, {@code kvstore_txn.go}, {@code kvstore_compaction.go}):
 * revisions in the backend's key bucket, key history in the {@link Index}.
 *
 * <p>Threading: two sets of fields. The apply thread owns the {@code writer*} fields, the open
 * batch and the compaction job. Readers on any thread see only the volatile {@link #rev}, {@link
 * #compactRev} and {@link #consistentIndex}, which the apply thread publishes after each backend
 * commit (compactRev before rev, so a reader that sees a rev also sees the compaction that came
 * with it). The index is updated as each write happens, at revisions above the published rev, so
 * readers (who read the index at or below the rev they captured) never see an uncommitted write.
 *
 * <p>Compaction and readers: the index is compacted right after the batch that scheduled the
 * compaction commits, once the new compactRev is published. A reader checks compactRev before and
 * again after reading the index, so a read at a revision that a concurrent index compaction may
 * have torn throws {@link CompactedException} instead of returning partial data. Its backend
 * snapshot is older than any physical removal it could need (removals start after the publish).
 */
final class MvccStore implements KV {
  private static final Logger LOG = LoggerFactory.getLogger(MvccStore.class);

  static final byte[] CONSISTENT_INDEX_KEY = ascii("consistent_index");
  static final byte[] SCHEDULED_COMPACT_KEY = ascii("scheduledCompactRev");
  static final byte[] FINISHED_COMPACT_KEY = ascii("finishedCompactRev");
  /** Progress of an unfinished physical compaction: 8-byte target rev + next revision key. */
  static final byte[] COMPACT_CURSOR_KEY = ascii("compactCursor");

  private static final byte[] EMPTY = new byte[0];
  private static final byte[] FIRST_REV_KEY = RevisionKeys.encode(0, 0);
  /** Attempts of {@link #hashByRev} when compactions keep landing while it computes the keep set. */
  static final int HASH_ATTEMPTS_MAX = 8;

  private final Backend backend;
  /** Replaced (never mutated by a restore) when a snapshot replaces the whole store. */
  private volatile Index index;

  // Published to readers; written by the apply thread only after a backend commit.
  private volatile long rev;
  private volatile long compactRev;
  private volatile long consistentIndex;
  /** Batches that set the index, counted only for the planted bug BUG_INDEX_OUTSIDE_TXN. */
  private long plantedIndexSaves;
  private volatile boolean closed;
  private volatile TxnObserver observer = TxnObserver.NONE;

  // Apply thread only: the state including the open (uncommitted) batch.
  private long writerRev;
  private long writerCompactRev;
  private long writerConsistentIndex;
  private StoreBatch batch;
  private Compaction compaction;
  /** Set when a batch that changed the index was not committed: the index no longer matches. */
  private boolean failed;

  MvccStore(Backend backend, Index index) {
    this.backend = backend;
    restore(index);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  // ---------------------------------------------------------------- KV

  @Override
  public long rev() {
    return rev;
  }

  @Override
  public long compactRev() {
    return compactRev;
  }

  @Override
  public long consistentIndex() {
    return consistentIndex;
  }

  @Override
  public void observeTxns(TxnObserver observer) {
    this.observer = java.util.Objects.requireNonNull(observer);
  }

  @Override
  public TxnRead read() {
    checkNotClosed();
    long atRev = rev; // first the revision, then the snapshot: the snapshot holds at least atRev
    long atCompactRev = compactRev;
    return new StoreRead(backend.readTxn(), atRev, atCompactRev, observer);
  }

  @Override
  public WriteBatch beginBatch() {
    checkWritable();
    if (batch != null) {
      throw new IllegalStateException("a write batch is already open");
    }
    batch = new StoreBatch(backend.batchTxn());
    return batch;
  }

  @Override
  public boolean compactionStep(int maxRevisions) {
    checkWritable();
    if (batch != null) {
      throw new IllegalStateException("compactionStep while a write batch is open");
    }
    if (maxRevisions <= 0) {
      throw new IllegalArgumentException("maxRevisions must be > 0: " + maxRevisions);
    }
    Compaction job = compaction;
    if (job == null) {
      return false;
    }
    boolean done = job.step(maxRevisions);
    if (done) {
      compaction = null;
      LOG.info("finished compaction at revision {}", job.targetRev);
      job.complete();
    }
    return !done;
  }

  @Override
  public void sync() {
    backend.sync();
  }

  @Override
  public StoreSnapshot snapshot() {
    checkNotClosed();
    ReadTxn tx = backend.readTxn();
    try {
      long index = readLong(tx.get(Bucket.META, CONSISTENT_INDEX_KEY));
      return new StoreSnapshot(index, BackendDump.dump(tx));
    } catch (RuntimeException e) {
      tx.close();
      throw e;
    }
  }

  /**
   * Loads the dump in one backend txn (aborted, leaving everything as it was, if the stream is
   * bad), then rebuilds a new index from it and publishes it with the new revisions. A reader that
   * captured the old revision just before the swap may read it against the new data; only a member
   * that is installing a snapshot (far behind, not serving linearizable reads) can see that.
   */
  @Override
  public void restore(java.io.InputStream data) throws IOException {
    checkWritable();
    if (batch != null) {
      throw new IllegalStateException("restore while a write batch is open");
    }
    try (BatchTxn tx = backend.batchTxn()) {
      BackendDump.load(tx, data);
      tx.commit();
    }
    if (compaction != null) {
      // The old data is gone; a compaction the snapshot still needs resumes from its own meta.
      compaction.complete();
      compaction = null;
    }
    restore(new TreeIndex());
  }

  @Override
  public HashResult hashByRev(long rev) {
    checkNotClosed();
    for (int attempt = 1; ; attempt++) {
      long curRev = this.rev; // first rev, then compactRev: compactRev is at least rev's
      long atCompactRev = this.compactRev;
      if (rev > 0 && rev <= atCompactRev) {
        throw new CompactedException();
      }
      if (rev > curRev) {
        throw new FutureRevisionException();
      }
      // curRev < atCompactRev: a batch that compacts past curRev is being published; look again.
      if (curRev >= atCompactRev) {
        long atRev = rev == 0 ? curRev : rev;
        // The keep set at atRev ≥ compactRev is the same whether or not the index has already
        // been compacted at compactRev, so it may run while the apply thread compacts the index.
        Set<Revision> keep = atRev > 0 ? index.keep(atRev) : Set.of();
        try (ReadTxn tx = backend.readTxn()) {
          // compactRev unchanged after the snapshot opened: no removal for a later compaction had
          // started before the snapshot, so every revision above atCompactRev is still in it.
          if (this.compactRev == atCompactRev) {
            int hash = hashKeyBucket(tx, atRev, atCompactRev, keep);
            return new HashResult(hash, atRev, atCompactRev, curRev);
          }
        }
      }
      if (attempt == HASH_ATTEMPTS_MAX) {
        throw new IllegalStateException(
            "hashByRev: " + attempt + " compactions in a row raced the hash; giving up");
      }
    }
  }

  /**
   * etcd 3.4's {@code HashByRev} loop over the key bucket. One deliberate difference: etcdj's
   * compaction keeps a tombstone at exactly the compacted revision in the backend (as etcd does
   * since its PR #18274 for issue #18089, so watchers still see the delete), while 3.4.23 removes
   * it. Those
   * tombstones are never in the keep set, so they are skipped anyway, except when the keep set is
   * empty and etcd hashes whatever the bucket holds: then they are skipped explicitly, to give the
   * number etcd 3.4.23 gives once its compaction has finished.
   */
  private static int hashKeyBucket(ReadTxn tx, long atRev, long atCompactRev, Set<Revision> keep) {
    CRC32C crc = new CRC32C();
    crc.update(Bucket.KEY.dbName().getBytes(StandardCharsets.US_ASCII));
    if (atRev < 0) {
      return (int) crc.getValue(); // etcd: nothing is below a negative upper bound
    }
    boolean filter = !keep.isEmpty();
    tx.scan(
        Bucket.KEY,
        null,
        RevisionKeys.encode(atRev + 1, 0), // etcd's upper bound: revision{main: rev + 1}
        0,
        (k, v) -> {
          long main = RevisionKeys.main(k);
          if (main <= atCompactRev) {
            boolean skip =
                filter
                    ? !keep.contains(new Revision(main, RevisionKeys.sub(k)))
                    : main == atCompactRev && RevisionKeys.isTombstone(k);
            if (skip) {
              return true;
            }
          }
          crc.update(k);
          crc.update(v);
          return true;
        });
    return (int) crc.getValue();
  }

  @Override
  public HashResult hash() {
    checkNotClosed();
    long curRev = this.rev;
    long atCompactRev = this.compactRev;
    int hash =
        backend.hash(
            (bucket, key) ->
                bucket == Bucket.META && Arrays.equals(key, CONSISTENT_INDEX_KEY));
    return new HashResult(hash, curRev, atCompactRev, curRev);
  }

  @Override
  public void forEachLease(LeaseVisitor visitor) {
    try (ReadTxn tx = backend.readTxn()) {
      tx.scan(
          Bucket.LEASE,
          null,
          null,
          0,
          (key, value) -> {
            if (key.length != Long.BYTES) {
              throw new IllegalStateException("lease bucket key of " + key.length + " bytes");
            }
            visitor.visit(RevisionKeys.getLong(key, 0), value);
            return true;
          });
    }
  }

  @Override
  public void forEachAlarm(java.util.function.Consumer<byte[]> visitor) {
    try (ReadTxn tx = backend.readTxn()) {
      tx.scan(
          Bucket.ALARM,
          null,
          null,
          0,
          (key, value) -> {
            visitor.accept(key);
            return true;
          });
    }
  }

  /** A lease's key in the lease bucket: its id, 8 bytes big-endian (as etcd's lease bucket). */
  static byte[] leaseKey(long leaseId) {
    byte[] key = new byte[Long.BYTES];
    RevisionKeys.putLong(key, 0, leaseId);
    return key;
  }

  @Override
  public long dbSize() {
    return backend.sizeBytes();
  }

  @Override
  public long dbSizeInUse() {
    return backend.sizeInUseBytes();
  }

  @Override
  public long keyCount() {
    return index.size();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (batch != null) {
      batch.close();
    }
    if (compaction != null) {
      compaction.fail(new IllegalStateException("store closed before compaction finished"));
      compaction = null;
    }
    backend.close();
  }

  private void checkNotClosed() {
    if (closed) {
      throw new IllegalStateException("store closed");
    }
  }

  private void checkWritable() {
    checkNotClosed();
    if (failed) {
      throw new IllegalStateException("store failed: a batch that changed the index was aborted");
    }
  }

  // ---------------------------------------------------------------- reads

  /**
   * etcd's rule ({@code rangeKeys}): a read below the compacted revision fails; a read exactly at
   * it still works, because compaction keeps each key's newest revision ≤ compactRev.
   */
  static boolean isCompacted(long atRev, long compactedRev) {
    return atRev < compactedRev;
  }

  /**
   * The range shared by read views and write txns.
   *
   * @param curRev the view's revision (header revision and default read revision)
   * @param concurrent true for read views: recheck the live compactRev after reading the index
   */
  private RangeResult range(
      ReadTxn tx, byte[] key, byte[] end, RangeOptions options, long curRev, boolean concurrent) {
    if (key == null) {
      throw new IllegalArgumentException("null key");
    }
    long atRev = options.rev();
    if (atRev > curRev) {
      throw new FutureRevisionException();
    }
    if (atRev <= 0) {
      atRev = curRev;
    }
    checkCompacted(atRev, concurrent);
    if (options.countOnly()) {
      long total = index.countRevisions(key, end, atRev);
      checkCompacted(atRev, concurrent);
      return new RangeResult(List.of(), curRev, total);
    }
    int limit = options.limit() <= 0 ? 0 : (int) Math.min(options.limit(), Integer.MAX_VALUE);
    Index.RangeRevisions found = index.revisions(key, end, atRev, limit);
    checkCompacted(atRev, concurrent);
    List<Revision> revisions = found.revisions();
    int n = limit > 0 ? Math.min(limit, revisions.size()) : revisions.size();
    if (n == 0) {
      return new RangeResult(List.of(), curRev, found.total());
    }
    ArrayList<KeyValue> kvs = new ArrayList<>(n);
    byte[] revKey = new byte[RevisionKeys.REV_BYTES];
    for (int i = 0; i < n; i++) {
      Revision r = revisions.get(i);
      RevisionKeys.encode(r.main(), r.sub(), revKey);
      byte[] value = tx.get(Bucket.KEY, revKey);
      if (value == null) {
        throw new IllegalStateException(
            "index revision " + r + " missing from the backend (read at " + atRev + ")");
      }
      kvs.add(parseKeyValue(value));
    }
    return new RangeResult(kvs, curRev, found.total());
  }

  private void checkCompacted(long atRev, boolean concurrent) {
    if (isCompacted(atRev, concurrent ? compactRev : writerCompactRev)) {
      throw new CompactedException();
    }
  }

  static KeyValue parseKeyValue(byte[] value) {
    try {
      return KeyValue.parseFrom(value);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt KeyValue in the key bucket", e);
    }
  }

  /** A read view at a published revision, on a backend snapshot. */
  private final class StoreRead implements TxnRead {
    private final ReadTxn tx;
    private final long atRev;
    private final long atCompactRev;
    private final TxnObserver observer;
    private int ranges; // one reader thread at a time
    private boolean closed;

    StoreRead(ReadTxn tx, long atRev, long atCompactRev, TxnObserver observer) {
      this.tx = tx;
      this.atRev = atRev;
      this.atCompactRev = atCompactRev;
      this.observer = observer;
    }

    @Override
    public long rev() {
      return atRev;
    }

    @Override
    public long compactRev() {
      return atCompactRev;
    }

    @Override
    public RangeResult range(byte[] key, byte[] end, RangeOptions options) {
      ranges++; // counted before the range, as etcd, so a failing range counts too
      return MvccStore.this.range(tx, key, end, options, atRev, true);
    }

    @Override
    public void reportOps() {
      observer.txnEnded(ranges, 0, 0);
      ranges = 0;
    }

    @Override
    public int changes(long fromRev, long toRev, ChangeVisitor visitor) {
      return scanChanges(tx, fromRev, toRev, visitor);
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        reportOps();
      }
      tx.close();
    }
  }

  /** The key bucket from revision {fromRev, 0} up to and including every sub of toRev. */
  private static int scanChanges(ReadTxn tx, long fromRev, long toRev, TxnRead.ChangeVisitor v) {
    if (fromRev > toRev) {
      return 0;
    }
    int[] visited = {0};
    tx.scan(
        Bucket.KEY,
        RevisionKeys.encode(Math.max(0, fromRev), 0),
        toRev == Long.MAX_VALUE ? null : RevisionKeys.encode(toRev + 1, 0),
        0,
        (k, value) -> {
          KeyValue kv = parseKeyValue(value);
          boolean delete = RevisionKeys.isTombstone(k);
          if (delete) {
            // etcd stores only the key of a delete; the revision is in the bucket key.
            kv = kv.toBuilder().setModRevision(RevisionKeys.main(k)).build();
          }
          if (!v.visit(kv, delete)) {
            return false;
          }
          visited[0]++;
          return true;
        });
    return visited[0];
  }

  // ---------------------------------------------------------------- writes

  private final class StoreBatch implements WriteBatch {
    private final BatchTxn tx;
    private StoreTxnWrite current;
    private boolean done;
    private boolean indexChanged;
    private long scheduledCompactRev;
    private List<CompletableFuture<Void>> compactFutures = List.of();

    StoreBatch(BatchTxn tx) {
      this.tx = tx;
    }

    @Override
    public TxnWrite write() {
      checkActive();
      if (current != null && !current.ended) {
        throw new IllegalStateException("previous write txn not ended");
      }
      current = new StoreTxnWrite(this, writerRev);
      return current;
    }

    @Override
    public void setConsistentIndex(long index) {
      checkActive();
      if (index < 0) {
        throw new IllegalArgumentException("negative consistent index " + index);
      }
      byte[] value = new byte[8];
      RevisionKeys.putLong(value, 0, index);
      if (!FailPoints.on(FailPoints.BUG_INDEX_OUTSIDE_TXN) || ++plantedIndexSaves % 64 == 0) {
        tx.put(Bucket.META, CONSISTENT_INDEX_KEY, value);
      }
      writerConsistentIndex = index;
    }

    @Override
    public void putLease(long leaseId, byte[] record) {
      checkActive();
      tx.put(Bucket.LEASE, leaseKey(leaseId), record);
    }

    @Override
    public void deleteLease(long leaseId) {
      checkActive();
      tx.delete(Bucket.LEASE, leaseKey(leaseId));
    }

    @Override
    public void putAlarm(byte[] key) {
      checkActive();
      tx.put(Bucket.ALARM, key, EMPTY);
    }

    @Override
    public void deleteAlarm(byte[] key) {
      checkActive();
      tx.delete(Bucket.ALARM, key);
    }

    @Override
    public CompletableFuture<Void> compact(long compactTo) {
      checkActive();
      if (current != null && !current.ended) {
        throw new IllegalStateException("compact inside an open write txn");
      }
      if (compactTo <= writerCompactRev) {
        throw new CompactedException();
      }
      if (compactTo > writerRev) {
        throw new FutureRevisionException();
      }
      writerCompactRev = compactTo;
      tx.put(Bucket.META, SCHEDULED_COMPACT_KEY, RevisionKeys.encode(compactTo, 0));
      scheduledCompactRev = compactTo;
      CompletableFuture<Void> future = new CompletableFuture<>();
      if (compactFutures.isEmpty()) {
        compactFutures = new ArrayList<>(1);
      }
      compactFutures.add(future);
      return future;
    }

    @Override
    public void commit() {
      checkActive();
      if (current != null && !current.ended) {
        throw new IllegalStateException("commit with an open write txn");
      }
      long startNanos = System.nanoTime();
      tx.commit();
      observer.committed(System.nanoTime() - startNanos);
      done = true;
      batch = null;
      consistentIndex = writerConsistentIndex;
      compactRev = writerCompactRev;
      rev = writerRev; // last: publishes the batch
      if (scheduledCompactRev > 0) {
        startCompaction(scheduledCompactRev, compactFutures, FIRST_REV_KEY);
      }
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      batch = null;
      tx.abort();
      // Undo the writer view; the index cannot be undone, so a batch that touched it is fatal.
      writerRev = rev;
      writerCompactRev = compactRev;
      writerConsistentIndex = consistentIndex;
      RuntimeException aborted = new IllegalStateException("write batch aborted");
      for (CompletableFuture<Void> f : compactFutures) {
        f.completeExceptionally(aborted);
      }
      if (indexChanged) {
        failed = true;
        LOG.error("write batch aborted after changing the index; the store refuses further writes");
      }
    }

    private void checkActive() {
      if (done) {
        throw new IllegalStateException("write batch already ended");
      }
    }
  }

  private final class StoreTxnWrite implements TxnWrite {
    private final StoreBatch owner;
    private final long beginRev;
    private final ArrayList<KeyValue> changes = new ArrayList<>(4);
    private final byte[] revKey = new byte[RevisionKeys.REV_BYTES];
    private final TxnObserver observer = MvccStore.this.observer;
    private int ranges;
    private int puts;
    private int deletes;
    private boolean ended;

    StoreTxnWrite(StoreBatch owner, long beginRev) {
      this.owner = owner;
      this.beginRev = beginRev;
    }

    /** etcd: once the txn has changed something, it reads at its own revision. */
    @Override
    public long rev() {
      return changes.isEmpty() ? beginRev : beginRev + 1;
    }

    @Override
    public long compactRev() {
      return writerCompactRev;
    }

    @Override
    public RangeResult range(byte[] key, byte[] end, RangeOptions options) {
      checkActive();
      ranges++;
      return MvccStore.this.range(owner.tx, key, end, options, rev(), false);
    }

    @Override
    public void reportOps() {
      observer.txnEnded(ranges, puts, deletes);
      ranges = 0;
      puts = 0;
      deletes = 0;
    }

    @Override
    public long put(byte[] key, byte[] value, long lease) {
      checkActive();
      if (key == null || key.length == 0) {
        throw new IllegalArgumentException("empty key");
      }
      puts++;
      long writeRev = beginRev + 1;
      byte[] ownKey = key.clone(); // the index keeps the array
      Index.KeyState prior = index.get(ownKey, writeRev);
      long createRev = prior == null ? writeRev : prior.created().main();
      long version = prior == null ? 1 : prior.version() + 1;
      KeyValue kv =
          KeyValue.newBuilder()
              .setKey(UnsafeByteOperations.unsafeWrap(ownKey))
              .setValue(ByteString.copyFrom(value))
              .setCreateRevision(createRev)
              .setModRevision(writeRev)
              .setVersion(version)
              .setLease(lease)
              .build();
      int sub = changes.size();
      RevisionKeys.encode(writeRev, sub, revKey);
      owner.tx.put(Bucket.KEY, revKey, kv.toByteArray());
      owner.indexChanged = true;
      index.put(ownKey, new Revision(writeRev, sub));
      changes.add(kv);
      return writeRev;
    }

    @Override
    public long deleteRange(byte[] key, byte[] end) {
      checkActive();
      if (key == null) {
        throw new IllegalArgumentException("null key");
      }
      deletes++;
      List<byte[]> keys = index.revisions(key, end, rev(), 0).keys();
      int n = keys.size();
      for (int i = 0; i < n; i++) {
        delete(keys.get(i));
      }
      return n;
    }

    private void delete(byte[] key) {
      long writeRev = beginRev + 1;
      int sub = changes.size();
      ByteString keyBytes = UnsafeByteOperations.unsafeWrap(key); // index-owned, never mutated
      // etcd stores only the key; the revision (and the mark) are in the bucket key.
      byte[] stored = KeyValue.newBuilder().setKey(keyBytes).build().toByteArray();
      owner.tx.put(Bucket.KEY, RevisionKeys.encodeTombstone(writeRev, sub), stored);
      owner.indexChanged = true;
      index.tombstone(key, new Revision(writeRev, sub));
      changes.add(KeyValue.newBuilder().setKey(keyBytes).setModRevision(writeRev).build());
    }

    @Override
    public List<KeyValue> changes() {
      return Collections.unmodifiableList(changes);
    }

    @Override
    public int changes(long fromRev, long toRev, ChangeVisitor visitor) {
      checkActive();
      return scanChanges(owner.tx, fromRev, toRev, visitor);
    }

    @Override
    public void end() {
      if (ended) {
        return;
      }
      ended = true;
      reportOps();
      if (!changes.isEmpty()) {
        writerRev = beginRev + 1;
      }
    }

    private void checkActive() {
      if (ended || owner.done) {
        throw new IllegalStateException("write txn already ended");
      }
    }
  }

  // ---------------------------------------------------------------- compaction

  /**
   * Compacts the index at {@code targetRev} and queues the physical removal. A job still running
   * is replaced: every revision it would remove is also superseded at the later target, so the new
   * job (restarted from the first revision) finishes both, and completes both futures.
   */
  private void startCompaction(
      long targetRev, List<CompletableFuture<Void>> futures, byte[] cursor) {
    long startNanos = System.nanoTime();
    Set<Revision> keep = index.compact(targetRev);
    LOG.info(
        "compacted index at revision {} in {} ms, keeping {} revisions",
        targetRev,
        (System.nanoTime() - startNanos) / 1_000_000,
        keep.size());
    List<CompletableFuture<Void>> all = new ArrayList<>(futures);
    if (compaction != null) {
      all.addAll(compaction.futures);
    }
    compaction = new Compaction(targetRev, keep, cursor, all);
  }

  /** The physical half of one compaction: delete the superseded revisions in steps. */
  private final class Compaction {
    final long targetRev;
    final Set<Revision> keep;
    final List<CompletableFuture<Void>> futures;
    final byte[] endKey;
    byte[] cursor;

    Compaction(
        long targetRev, Set<Revision> keep, byte[] cursor, List<CompletableFuture<Void>> futures) {
      this.targetRev = targetRev;
      this.keep = keep;
      this.cursor = cursor;
      this.futures = futures;
      this.endKey = RevisionKeys.encode(targetRev + 1, 0);
    }

    /** One backend txn; returns true when the whole range up to targetRev has been swept. */
    boolean step(int maxRevisions) {
      ArrayList<byte[]> doomed = new ArrayList<>();
      byte[][] last = new byte[1][];
      try (BatchTxn tx = backend.batchTxn()) {
        int scanned =
            tx.scan(
                Bucket.KEY,
                cursor,
                endKey,
                maxRevisions,
                (k, v) -> {
                  if (!keep.contains(RevisionKeys.decode(k))) {
                    doomed.add(k);
                  }
                  last[0] = k;
                  return true;
                });
        for (byte[] k : doomed) {
          tx.delete(Bucket.KEY, k);
        }
        boolean done = scanned < maxRevisions;
        if (done) {
          tx.put(Bucket.META, FINISHED_COMPACT_KEY, RevisionKeys.encode(targetRev, 0));
          tx.delete(Bucket.META, COMPACT_CURSOR_KEY);
        } else {
          cursor = RevisionKeys.encode(RevisionKeys.main(last[0]), RevisionKeys.sub(last[0]) + 1);
          tx.put(Bucket.META, COMPACT_CURSOR_KEY, cursorValue(targetRev, cursor));
        }
        FailPoints.hit(FailPoints.COMPACT_BEFORE_COMMIT_BATCH);
        tx.commit();
        FailPoints.hit(FailPoints.COMPACT_AFTER_COMMIT_BATCH);
        return done;
      }
    }

    void complete() {
      for (CompletableFuture<Void> f : futures) {
        f.complete(null);
      }
    }

    void fail(RuntimeException e) {
      for (CompletableFuture<Void> f : futures) {
        f.completeExceptionally(e);
      }
    }
  }

  private static byte[] cursorValue(long targetRev, byte[] cursor) {
    byte[] value = new byte[8 + RevisionKeys.REV_BYTES];
    RevisionKeys.putLong(value, 0, targetRev);
    System.arraycopy(cursor, 0, value, 8, RevisionKeys.REV_BYTES);
    return value;
  }

  // ---------------------------------------------------------------- restore

  /**
   * Rebuilds the index from the key bucket in revision order (etcd's {@code restore} and {@code
   * restoreIntoIndex}), then the revisions and the consistent index from the meta bucket, and
   * resumes a compaction that was scheduled but not finished.
   */
  private void restore(Index target) {
    long startNanos = System.nanoTime();
    long finished;
    long scheduled;
    byte[] cursor;
    RestoreVisitor visitor = new RestoreVisitor(target);
    try (ReadTxn tx = backend.readTxn()) {
      writerConsistentIndex = readLong(tx.get(Bucket.META, CONSISTENT_INDEX_KEY));
      finished = readRevMain(tx.get(Bucket.META, FINISHED_COMPACT_KEY));
      scheduled = readRevMain(tx.get(Bucket.META, SCHEDULED_COMPACT_KEY));
      cursor = tx.get(Bucket.META, COMPACT_CURSOR_KEY);
      tx.scan(Bucket.KEY, null, null, 0, visitor);
    }
    if (finished > scheduled) {
      throw new IllegalStateException(
          "finished compaction " + finished + " above scheduled " + scheduled);
    }
    // A compaction may have removed the newest revisions (tombstones at or below it).
    writerRev = Math.max(1, Math.max(visitor.lastMain, scheduled));
    writerCompactRev = scheduled;
    index = target;
    consistentIndex = writerConsistentIndex;
    compactRev = writerCompactRev;
    rev = writerRev;
    LOG.info(
        "restored store: rev {}, compactRev {}, consistentIndex {}, {} revisions, {} keys in {} ms",
        writerRev,
        writerCompactRev,
        writerConsistentIndex,
        visitor.revisions,
        target.size(),
        (System.nanoTime() - startNanos) / 1_000_000);
    if (scheduled > finished) {
      byte[] start = FIRST_REV_KEY;
      if (cursor != null && cursor.length == 8 + RevisionKeys.REV_BYTES
          && RevisionKeys.getLong(cursor, 0) == scheduled) {
        start = new byte[RevisionKeys.REV_BYTES];
        System.arraycopy(cursor, 8, start, 0, RevisionKeys.REV_BYTES);
      }
      LOG.info("resuming compaction at revision {}", scheduled);
      startCompaction(scheduled, List.of(), start);
    }
  }

  private static long readLong(byte[] value) {
    if (value == null) {
      return 0;
    }
    if (value.length != 8) {
      throw new IllegalStateException("meta value of " + value.length + " bytes, want 8");
    }
    return RevisionKeys.getLong(value, 0);
  }

  private static long readRevMain(byte[] value) {
    return value == null ? 0 : RevisionKeys.main(value);
  }

  /**
   * Feeds the key bucket, in revision order, into the index. Reads only the fields it needs (key,
   * create_revision, version) straight from the encoded KeyValue, skipping the value: restart
   * time is dominated by this loop.
   */
  private static final class RestoreVisitor implements ReadTxn.EntryVisitor {
    private final Index index;
    long lastMain;
    long revisions;
    private byte[] key;
    private long createRev;
    private long version;

    RestoreVisitor(Index index) {
      this.index = index;
    }

    @Override
    public boolean visit(byte[] revKey, byte[] value) {
      Revision r = RevisionKeys.decode(revKey);
      lastMain = r.main();
      revisions++;
      parse(value);
      if (RevisionKeys.isTombstone(revKey)) {
        if (index.get(key, r.main()) != null) {
          index.tombstone(key, r);
        }
        // else: its generation was compacted away before this tombstone was; nothing to end.
      } else if (version == 1) {
        index.put(key, r); // a creation: starts a generation
      } else if (index.get(key, r.main()) != null) {
        index.put(key, r);
      } else {
        // The earlier revisions of this generation were compacted.
        index.restore(key, new Revision(createRev, 0), r, version);
      }
      return true;
    }

    private void parse(byte[] value) {
      key = null;
      createRev = 0;
      version = 0;
      try {
        CodedInputStream in = CodedInputStream.newInstance(value);
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
          switch (WireFormat.getTagFieldNumber(tag)) {
            case KeyValue.KEY_FIELD_NUMBER -> key = in.readByteArray();
            case KeyValue.CREATE_REVISION_FIELD_NUMBER -> createRev = in.readInt64();
            case KeyValue.VERSION_FIELD_NUMBER -> version = in.readInt64();
            default -> in.skipField(tag);
          }
        }
      } catch (IOException e) {
        throw new IllegalStateException("corrupt KeyValue in the key bucket", e);
      }
      if (key == null || key.length == 0) {
        throw new IllegalStateException("KeyValue without a key in the key bucket");
      }
    }
  }
}
