package io.etcdj.storage.backend;

import java.util.Arrays;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * A backend in sorted maps, for tests and simulations. Same contract as {@link LmdbBackend},
 * without durability.
 *
 * <p>Snapshots: the committed state is an immutable {@link State} (one map per bucket) behind a
 * volatile reference. A read txn keeps the state it found. A batch copies a bucket's map on its
 * first write to that bucket and publishes a new state at commit, so a commit costs O(bucket
 * size): fine for tests, not for production volumes.
 *
 * <p>Threading: see {@link Backend}; {@link #state} is the only state shared between threads.
 */
final class InMemoryBackend implements Backend {
  private volatile State state = State.empty();
  private volatile boolean closed;

  // Writer thread only.
  private Batch openBatch;

  /** The committed contents. Never mutated once published. */
  private record State(TreeMap<byte[], byte[]>[] buckets, long bytes) {
    @SuppressWarnings("unchecked")
    static State empty() {
      TreeMap<byte[], byte[]>[] maps = new TreeMap[Bucket.values().length];
      for (int i = 0; i < maps.length; i++) {
        maps[i] = new TreeMap<>(Arrays::compareUnsigned);
      }
      return new State(maps, 0);
    }
  }

  @Override
  public ReadTxn readTxn() {
    checkOpen();
    return new Snapshot(state);
  }

  @Override
  public BatchTxn batchTxn() {
    checkOpen();
    if (openBatch != null) {
      throw new IllegalStateException("a batch txn is already open");
    }
    openBatch = new Batch(state);
    return openBatch;
  }

  @Override
  public long sizeBytes() {
    return state.bytes();
  }

  @Override
  public long sizeInUseBytes() {
    return state.bytes();
  }

  @Override
  public void sync() {
    checkOpen();
  }

  @Override
  public void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("backend closed");
    }
  }

  private static int scanMap(
      NavigableMap<byte[], byte[]> map,
      byte[] from,
      byte[] to,
      int limit,
      ReadTxn.EntryVisitor visitor) {
    NavigableMap<byte[], byte[]> range = map;
    if (from != null && from.length > 0) {
      range = range.tailMap(from, true);
    }
    if (to != null) {
      if (from != null && Arrays.compareUnsigned(from, to) >= 0) {
        return 0;
      }
      range = range.headMap(to, false);
    }
    int visited = 0;
    for (Map.Entry<byte[], byte[]> e : range.entrySet()) {
      visited++;
      if (!visitor.visit(e.getKey().clone(), e.getValue().clone())
          || (limit > 0 && visited >= limit)) {
        break;
      }
    }
    return visited;
  }

  private static byte[] copyOrNull(byte[] value) {
    return value == null ? null : value.clone();
  }

  private static void checkKey(byte[] key) {
    if (key.length == 0 || key.length > LmdbBackend.KEY_BYTES_MAX) {
      throw new IllegalArgumentException(
          "key length must be 1.." + LmdbBackend.KEY_BYTES_MAX + ": " + key.length);
    }
  }

  private final class Snapshot implements ReadTxn {
    private final State snapshot;
    private boolean ended;

    Snapshot(State snapshot) {
      this.snapshot = snapshot;
    }

    @Override
    public byte[] get(Bucket bucket, byte[] key) {
      checkActive();
      checkKey(key);
      return copyOrNull(snapshot.buckets()[bucket.ordinal()].get(key));
    }

    @Override
    public int scan(Bucket bucket, byte[] from, byte[] to, int limit, EntryVisitor visitor) {
      checkActive();
      return scanMap(snapshot.buckets()[bucket.ordinal()], from, to, limit, visitor);
    }

    private void checkActive() {
      if (ended) {
        throw new IllegalStateException("txn already ended");
      }
    }

    @Override
    public void close() {
      ended = true;
    }
  }

  private final class Batch implements BatchTxn {
    private final TreeMap<byte[], byte[]>[] buckets;
    private final boolean[] copied = new boolean[Bucket.values().length];
    private long bytes;
    private boolean ended;

    Batch(State base) {
      this.buckets = base.buckets().clone();
      this.bytes = base.bytes();
    }

    private TreeMap<byte[], byte[]> writable(Bucket bucket) {
      int i = bucket.ordinal();
      if (!copied[i]) {
        buckets[i] = new TreeMap<>(buckets[i]);
        copied[i] = true;
      }
      return buckets[i];
    }

    @Override
    public byte[] get(Bucket bucket, byte[] key) {
      checkActive();
      checkKey(key);
      return copyOrNull(buckets[bucket.ordinal()].get(key));
    }

    @Override
    public int scan(Bucket bucket, byte[] from, byte[] to, int limit, EntryVisitor visitor) {
      checkActive();
      return scanMap(buckets[bucket.ordinal()], from, to, limit, visitor);
    }

    @Override
    public void put(Bucket bucket, byte[] key, byte[] value) {
      checkActive();
      checkKey(key);
      byte[] old = writable(bucket).put(key.clone(), value.clone());
      bytes += old == null ? key.length + value.length : value.length - old.length;
    }

    @Override
    public boolean delete(Bucket bucket, byte[] key) {
      checkActive();
      checkKey(key);
      if (!buckets[bucket.ordinal()].containsKey(key)) {
        return false;
      }
      byte[] old = writable(bucket).remove(key);
      bytes -= key.length + old.length;
      return true;
    }

    @Override
    public void clear(Bucket bucket) {
      checkActive();
      TreeMap<byte[], byte[]> map = buckets[bucket.ordinal()];
      for (var e : map.entrySet()) {
        bytes -= e.getKey().length + e.getValue().length;
      }
      buckets[bucket.ordinal()] = new TreeMap<>(Arrays::compareUnsigned);
      copied[bucket.ordinal()] = true;
    }

    @Override
    public void commit() {
      checkActive();
      checkOpen();
      state = new State(buckets, bytes);
      end();
    }

    @Override
    public void abort() {
      end();
    }

    @Override
    public void close() {
      end();
    }

    private void end() {
      if (!ended) {
        ended = true;
        openBatch = null;
      }
    }

    private void checkActive() {
      if (ended) {
        throw new IllegalStateException("txn already ended");
      }
    }
  }
}
