package io.etcdj.storage.mvcc;

import java.util.Arrays;

/**
 * One life of a key (etcd's {@code generation}): the revisions from the put that created it up to
 * and including the tombstone that ended it, if any. Only the newest generation of a {@link
 * KeyIndex} can be open (no tombstone yet) or empty.
 *
 * <p>Revisions are kept as two parallel {@code long} arrays, ascending, so appends and binary
 * searches on the read path never box. Compaction drops a prefix by shifting the arrays; it runs
 * rarely and touches only keys with history.
 *
 * <p>Threading: none of its own. Mutated only by the writer holding the {@link TreeIndex} write
 * lock; read by readers holding the read lock.
 */
final class Generation {
  private static final int INITIAL_CAPACITY = 2;

  private long createdMain;
  private long createdSub;
  /** The key's version at this generation's newest revision (1 for the creating put). */
  private long version;

  private long[] mains;
  private long[] subs;
  private int size;

  Generation() {
    mains = new long[INITIAL_CAPACITY];
    subs = new long[INITIAL_CAPACITY];
  }

  /** A generation rebuilt on restart: only its newest revision survived compaction. */
  static Generation restored(Revision created, Revision modified, long version) {
    if (version < 1) {
      throw new IllegalStateException("restore with version " + version + " < 1");
    }
    Generation g = new Generation();
    g.createdMain = created.main();
    g.createdSub = created.sub();
    g.version = version;
    g.append(modified.main(), modified.sub());
    return g;
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  long version() {
    return version;
  }

  Revision created() {
    return new Revision(createdMain, createdSub);
  }

  long mainAt(int index) {
    checkIndex(index);
    return mains[index];
  }

  long subAt(int index) {
    checkIndex(index);
    return subs[index];
  }

  Revision revisionAt(int index) {
    checkIndex(index);
    return new Revision(mains[index], subs[index]);
  }

  long firstMain() {
    return mainAt(0);
  }

  long lastMain() {
    return mainAt(size - 1);
  }

  /** The key's version at the revision at {@code index}. */
  long versionAt(int index) {
    checkIndex(index);
    return version - (size - index - 1);
  }

  /** Appends a revision; the caller ({@link KeyIndex}) has checked it is the key's newest. */
  void add(long main, long sub) {
    if (size == 0) {
      createdMain = main;
      createdSub = sub;
    }
    append(main, sub);
    version++;
  }

  /** Index of the newest revision with {@code main ≤ atRev}, or -1 when every one is newer. */
  int findRevisionIndex(long atRev) {
    int lo = 0;
    int hi = size - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (mains[mid] <= atRev) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Drops the revisions before {@code index}; version and created stay (they describe history). */
  void dropBefore(int index) {
    checkIndex(index);
    if (index == 0) {
      return;
    }
    int remaining = size - index;
    System.arraycopy(mains, index, mains, 0, remaining);
    System.arraycopy(subs, index, subs, 0, remaining);
    size = remaining;
    if (mains.length > INITIAL_CAPACITY && size <= mains.length / 4) {
      // Give memory back after compacting a long-lived hot key.
      mains = Arrays.copyOf(mains, Math.max(INITIAL_CAPACITY, size * 2));
      subs = Arrays.copyOf(subs, mains.length);
    }
  }

  Generation copy() {
    Generation g = new Generation();
    g.createdMain = createdMain;
    g.createdSub = createdSub;
    g.version = version;
    g.mains = Arrays.copyOf(mains, Math.max(INITIAL_CAPACITY, size));
    g.subs = Arrays.copyOf(subs, g.mains.length);
    g.size = size;
    return g;
  }

  private void append(long main, long sub) {
    if (size == mains.length) {
      int capacity = mains.length * 2;
      mains = Arrays.copyOf(mains, capacity);
      subs = Arrays.copyOf(subs, capacity);
    }
    mains[size] = main;
    subs[size] = sub;
    size++;
  }

  private void checkIndex(int index) {
    if (index < 0 || index >= size) {
      throw new IllegalStateException("revision index " + index + " out of [0, " + size + ")");
    }
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("g{created=").append(createdMain).append('.');
    s.append(createdSub).append(" ver=").append(version).append(" revs=[");
    for (int i = 0; i < size; i++) {
      if (i > 0) {
        s.append(", ");
      }
      s.append(mains[i]).append('.').append(subs[i]);
    }
    return s.append("]}").toString();
  }
}
