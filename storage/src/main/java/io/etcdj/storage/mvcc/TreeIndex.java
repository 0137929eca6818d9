package io.etcdj.storage.mvcc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The key index (etcd's {@code treeIndex} in {@code server/storage/mvcc/index.go}): a {@link
 * BTree} from key bytes to {@link KeyIndex}.
 *
 * <p>Threading: many concurrent readers and one writer, behind a {@link ReentrantReadWriteLock}.
 * Reads take the read lock for one lookup or one range scan; writes take the write lock for one
 * key. Readers pass {@code atRev} and never see revisions above it, so a batch the apply thread
 * has indexed but not yet committed to the backend stays invisible to them. {@link #compact} and
 * {@link #keep} walk the whole tree in batches of {@value #KEYS_PER_LOCK_MAX} keys, releasing
 * the lock between batches so the apply thread and readers are not stalled for a full pass. That
 * is safe because both only look at revisions ≤ rev, which later writes never add or remove.
 *
 * <p>Keys handed in by {@link #put} are copied once, when a key first enters the index; keys
 * handed out by {@link #revisions} are the index's own arrays and must not be modified.
 */
final class TreeIndex implements Index {
  /** Keys compacted (or scanned for keep) per hold of the lock. */
  static final int KEYS_PER_LOCK_MAX = 1024;

  private static final byte[] EMPTY_KEY = new byte[0];

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final BTree<KeyIndex> tree;

  TreeIndex() {
    this(BTree.DEFAULT_MIN_DEGREE);
  }

  /** @param minDegree the B-tree's minimum degree; small values exercise splits in tests */
  TreeIndex(int minDegree) {
    this.tree = new BTree<>(minDegree);
  }

  @Override
  public KeyState get(byte[] key, long atRev) {
    requireKey(key);
    lock.readLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      return ki == null ? null : ki.get(atRev);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public RangeRevisions revisions(byte[] key, byte[] end, long atRev, int limit) {
    requireKey(key);
    lock.readLock().lock();
    try {
      if (isSingleKey(end)) {
        return singleKeyRevisions(key, atRev);
      }
      List<byte[]> keys = new ArrayList<>(limit > 0 ? Math.min(limit, 1024) : 16);
      List<Revision> revs = new ArrayList<>(limit > 0 ? Math.min(limit, 1024) : 16);
      long total = 0;
      byte[] upper = upperBound(end);
      for (BTree.Cursor<KeyIndex> c = tree.ascend(key); c.valid(); c.next()) {
        if (upper != null && BTree.compare(c.key(), upper) >= 0) {
          break;
        }
        KeyIndex ki = c.value();
        if (limit > 0 && keys.size() >= limit) {
          // Past the limit only the count matters: skip building a Revision.
          total += ki.isLiveAt(atRev) ? 1 : 0;
          continue;
        }
        Revision rev = ki.modifiedAt(atRev);
        if (rev != null) {
          keys.add(ki.key());
          revs.add(rev);
          total++;
        }
      }
      return new RangeRevisions(keys, revs, total);
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public long countRevisions(byte[] key, byte[] end, long atRev) {
    requireKey(key);
    lock.readLock().lock();
    try {
      if (isSingleKey(end)) {
        KeyIndex ki = tree.get(key);
        return ki != null && ki.isLiveAt(atRev) ? 1 : 0;
      }
      long total = 0;
      byte[] upper = upperBound(end);
      for (BTree.Cursor<KeyIndex> c = tree.ascend(key); c.valid(); c.next()) {
        if (upper != null && BTree.compare(c.key(), upper) >= 0) {
          break;
        }
        total += c.value().isLiveAt(atRev) ? 1 : 0;
      }
      return total;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void put(byte[] key, Revision rev) {
    requireKey(key);
    requireRevision(rev);
    lock.writeLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      if (ki == null) {
        ki = new KeyIndex(Arrays.copyOf(key, key.length));
        ki.put(rev);
        tree.put(ki.key(), ki);
      } else {
        ki.put(rev);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void tombstone(byte[] key, Revision rev) {
    requireKey(key);
    requireRevision(rev);
    lock.writeLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      if (ki == null) {
        throw new IllegalStateException(
            "tombstone of key " + KeyIndex.printable(key) + ", which is not in the index");
      }
      ki.tombstone(rev);
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Follows etcd's restoreIntoIndex: a key seen for the first time gets a generation rebuilt from
   * (created, modified, version); a key already in the index (restart replays the backend in
   * revision order) just records a put at {@code modified}.
   */
  @Override
  public void restore(byte[] key, Revision created, Revision modified, long version) {
    requireKey(key);
    requireRevision(created);
    requireRevision(modified);
    lock.writeLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      if (ki == null) {
        ki = new KeyIndex(Arrays.copyOf(key, key.length));
        ki.restore(created, modified, version);
        tree.put(ki.key(), ki);
      } else {
        ki.put(modified);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /**
   * Restart helper for a tombstone read back from the backend: a key seen for the first time
   * (its earlier history was compacted away) gets a closed generation holding only the
   * tombstone; a key already in the index records a tombstone. Not part of {@link Index}.
   */
  void restoreTombstone(byte[] key, Revision rev) {
    requireKey(key);
    requireRevision(rev);
    lock.writeLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      if (ki == null) {
        ki = new KeyIndex(Arrays.copyOf(key, key.length));
        ki.restoreTombstone(rev);
        tree.put(ki.key(), ki);
      } else {
        ki.tombstone(rev);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Set<Revision> compact(long rev) {
    Set<Revision> available = new HashSet<>();
    byte[] from = EMPTY_KEY;
    while (from != null) {
      lock.writeLock().lock();
      try {
        from = compactBatch(from, rev, available);
      } finally {
        lock.writeLock().unlock();
      }
    }
    return available;
  }

  @Override
  public Set<Revision> keep(long rev) {
    Set<Revision> available = new HashSet<>();
    byte[] from = EMPTY_KEY;
    while (from != null) {
      lock.readLock().lock();
      try {
        from = keepBatch(from, rev, available);
      } finally {
        lock.readLock().unlock();
      }
    }
    return available;
  }

  @Override
  public long size() {
    lock.readLock().lock();
    try {
      return tree.size();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** A deep copy of one key's history, or null; for tests and diagnostics. */
  KeyIndex keyIndex(byte[] key) {
    lock.readLock().lock();
    try {
      KeyIndex ki = tree.get(key);
      return ki == null ? null : ki.copy();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Compacts up to KEYS_PER_LOCK_MAX keys from {@code from}; returns where to resume, or null. */
  private byte[] compactBatch(byte[] from, long rev, Set<Revision> available) {
    List<byte[]> emptied = new ArrayList<>();
    byte[] resume = null;
    int scanned = 0;
    for (BTree.Cursor<KeyIndex> c = tree.ascend(from); c.valid(); c.next()) {
      if (scanned == KEYS_PER_LOCK_MAX) {
        resume = c.key();
        break;
      }
      KeyIndex ki = c.value();
      ki.compact(rev, available);
      if (ki.isEmpty()) {
        emptied.add(ki.key());
      }
      scanned++;
    }
    // Removing invalidates the cursor, so it waits until the scan is done.
    for (byte[] key : emptied) {
      if (tree.remove(key) == null) {
        throw new IllegalStateException("compacted key " + KeyIndex.printable(key) + " vanished");
      }
    }
    return resume;
  }

  private byte[] keepBatch(byte[] from, long rev, Set<Revision> available) {
    int scanned = 0;
    for (BTree.Cursor<KeyIndex> c = tree.ascend(from); c.valid(); c.next()) {
      if (scanned == KEYS_PER_LOCK_MAX) {
        return c.key();
      }
      c.value().keep(rev, available);
      scanned++;
    }
    return null;
  }

  private RangeRevisions singleKeyRevisions(byte[] key, long atRev) {
    KeyIndex ki = tree.get(key);
    Revision rev = ki == null ? null : ki.modifiedAt(atRev);
    if (rev == null) {
      return new RangeRevisions(List.of(), List.of(), 0);
    }
    return new RangeRevisions(List.of(ki.key()), List.of(rev), 1);
  }

  private static boolean isSingleKey(byte[] end) {
    return end == null || end.length == 0;
  }

  /** The exclusive upper bound of a range, or null for "every key ≥ key" ({@code end == {0}}). */
  private static byte[] upperBound(byte[] end) {
    return end.length == 1 && end[0] == 0 ? null : end;
  }

  private static void requireKey(byte[] key) {
    if (key == null) {
      throw new IllegalArgumentException("null key");
    }
  }

  private static void requireRevision(Revision rev) {
    if (rev == null || rev.main() < 0 || rev.sub() < 0) {
      throw new IllegalArgumentException("bad revision " + rev);
    }
  }
}
