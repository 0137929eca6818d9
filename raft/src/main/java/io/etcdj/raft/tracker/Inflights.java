package io.etcdj.raft.tracker;

/**
 * The window of appends sent to one follower and not yet acknowledged, bounded by a message count
 * (etcd's {@code tracker.Inflights}, without the optional byte bound). Each slot holds the last
 * index carried by one MsgApp. A ring buffer: adding and freeing never allocate.
 */
public final class Inflights {
  private final long[] indexes;
  private final long[] sizesBytes;
  private int start;
  private int count;
  private long totalBytes;

  public Inflights(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("inflights capacity must be > 0: " + capacity);
    }
    this.indexes = new long[capacity];
    this.sizesBytes = new long[capacity];
  }

  /** A fresh, empty window with the same capacity. */
  public Inflights cloneEmpty() {
    return new Inflights(indexes.length);
  }

  /** Records a MsgApp whose last entry is {@code index}; indexes must be added in order. */
  public void add(long index, long bytes) {
    if (full()) {
      throw new IllegalStateException("cannot add into a full inflights window");
    }
    if (count > 0 && index < indexes[slot(count - 1)]) {
      throw new IllegalStateException(
          "inflight index " + index + " is below the last one " + indexes[slot(count - 1)]);
    }
    int s = slot(count);
    indexes[s] = index;
    sizesBytes[s] = bytes;
    count++;
    totalBytes += bytes;
  }

  /** Frees every inflight message whose index is {@code <= to}. */
  public void freeLE(long to) {
    if (count == 0 || to < indexes[start]) {
      return;
    }
    int freed = 0;
    while (freed < count && indexes[slot(freed)] <= to) {
      totalBytes -= sizesBytes[slot(freed)];
      freed++;
    }
    count -= freed;
    start = count == 0 ? 0 : (start + freed) % indexes.length;
  }

  public boolean full() {
    return count == indexes.length;
  }

  public int count() {
    return count;
  }

  public int capacity() {
    return indexes.length;
  }

  public long bytes() {
    return totalBytes;
  }

  public void reset() {
    start = 0;
    count = 0;
    totalBytes = 0;
  }

  private int slot(int offset) {
    return (start + offset) % indexes.length;
  }
}
