package io.etcdj.storage.mvcc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The history of one key (etcd's {@code keyIndex} in {@code server/storage/mvcc/key_index.go}):
 * its revisions grouped in {@link Generation}s, oldest first. A tombstone closes the current
 * generation and opens a new, empty one, so a key that is live has a non-empty newest generation.
 *
 * <p>For example put(1.0); put(2.0); tombstone(3.0); put(4.0); tombstone(5.0) gives
 *
 * <pre>
 *   {1.0, 2.0, 3.0(t)}  {4.0, 5.0(t)}  {}
 * </pre>
 *
 * <p>Compaction at rev keeps, of every generation still needed at rev, its newest revision ≤ rev
 * (the value a reader at rev sees), and drops the generations that ended before rev. A
 * generation whose tombstone is exactly at rev keeps that tombstone (so the backend still records
 * the delete at the compacted revision), unless the key was re-created later in that same main
 * revision; {@link #keep} leaves such a tombstone out, matching etcd so hashes agree.
 *
 * <p>Threading: none of its own; guarded by the {@link TreeIndex} lock (writer mutates under the
 * write lock, readers read under the read lock). Broken invariants throw {@link
 * IllegalStateException}: they mean the store is corrupt and the node must stop.
 */
final class KeyIndex {
  private final byte[] key;
  private long modifiedMain;
  private long modifiedSub;
  private final ArrayList<Generation> generations = new ArrayList<>(1);

  /** Takes ownership of {@code key}: callers must not change it afterwards. */
  KeyIndex(byte[] key) {
    if (key == null) {
      throw new IllegalStateException("null key");
    }
    this.key = key;
  }

  byte[] key() {
    return key;
  }

  Revision modified() {
    return new Revision(modifiedMain, modifiedSub);
  }

  int generationCount() {
    return generations.size();
  }

  Generation generation(int index) {
    return generations.get(index);
  }

  /** True when the key holds no revision at all (it can be dropped from the index). */
  boolean isEmpty() {
    return generations.isEmpty() || (generations.size() == 1 && generations.get(0).isEmpty());
  }

  /** True when the key is live now (its newest generation has no tombstone). */
  boolean isLive() {
    return !generations.isEmpty() && !last().isEmpty();
  }

  /** Records a put at {@code rev}, which must be newer than every revision of the key. */
  void put(Revision rev) {
    put(rev.main(), rev.sub());
  }

  void put(long main, long sub) {
    if (!isNewerThanModified(main, sub)) {
      throw new IllegalStateException(
          "put of "
              + describe()
              + " at "
              + main
              + "."
              + sub
              + " not after modified "
              + modifiedMain
              + "."
              + modifiedSub);
    }
    if (generations.isEmpty()) {
      generations.add(new Generation());
    }
    last().add(main, sub);
    modifiedMain = main;
    modifiedSub = sub;
  }

  /** Records the deletion of the live key at {@code rev} and opens an empty generation. */
  void tombstone(Revision rev) {
    if (!isLive()) {
      throw new IllegalStateException("tombstone of " + describe() + ", which is not live");
    }
    put(rev.main(), rev.sub());
    generations.add(new Generation());
  }

  /** Rebuilds a live key whose history before {@code modified} was compacted away. */
  void restore(Revision created, Revision modified, long version) {
    if (!generations.isEmpty()) {
      throw new IllegalStateException("restore of " + describe() + ", which has generations");
    }
    generations.add(Generation.restored(created, modified, version));
    modifiedMain = modified.main();
    modifiedSub = modified.sub();
  }

  /**
   * Rebuilds a key whose only surviving revision is a tombstone. Its creation was compacted away,
   * so created is unknown (0.0), as in etcd.
   */
  void restoreTombstone(Revision rev) {
    restore(new Revision(0, 0), rev, 1);
    generations.add(new Generation());
  }

  /**
   * The generation alive at {@code atRev}, or null when the key does not exist then (before its
   * first surviving revision, or in the gap after a tombstone ≤ atRev).
   */
  Generation findGeneration(long atRev) {
    int lastIndex = generations.size() - 1;
    for (int i = lastIndex; i >= 0; i--) {
      Generation g = generations.get(i);
      if (g.isEmpty()) {
        continue;
      }
      if (i != lastIndex && g.lastMain() <= atRev) {
        return null;
      }
      if (g.firstMain() <= atRev) {
        return g;
      }
    }
    return null;
  }

  /** The state of the key at {@code atRev}, or null when it is not live at atRev. */
  Index.KeyState get(long atRev) {
    Generation g = liveGeneration(atRev);
    if (g == null) {
      return null;
    }
    int n = g.findRevisionIndex(atRev);
    return new Index.KeyState(g.revisionAt(n), g.created(), g.versionAt(n));
  }

  /** The newest revision ≤ atRev of the key if it is live at atRev, else null. */
  Revision modifiedAt(long atRev) {
    Generation g = liveGeneration(atRev);
    return g == null ? null : g.revisionAt(g.findRevisionIndex(atRev));
  }

  /** True when the key is live at {@code atRev}; allocates nothing. */
  boolean isLiveAt(long atRev) {
    return liveGeneration(atRev) != null;
  }

  private Generation liveGeneration(long atRev) {
    if (isEmpty()) {
      throw new IllegalStateException("read of empty " + describe());
    }
    Generation g = findGeneration(atRev);
    // findGeneration only returns a generation whose first revision is ≤ atRev.
    return g == null || g.findRevisionIndex(atRev) < 0 ? null : g;
  }

  /**
   * The revisions with main ≥ {@code rev}, ascending; of several revisions sharing a main revision
   * only the last (highest sub) is returned, since only a txn's final change is visible outside.
   */
  List<Revision> since(long rev) {
    if (isEmpty()) {
      throw new IllegalStateException("since on empty " + describe());
    }
    int start = generations.size() - 1;
    for (; start > 0; start--) {
      Generation g = generations.get(start);
      if (!g.isEmpty() && isGreater(rev, 0, g.created())) {
        break;
      }
    }
    List<Revision> revs = new ArrayList<>();
    long lastMain = 0;
    for (int gi = start; gi < generations.size(); gi++) {
      Generation g = generations.get(gi);
      for (int i = 0; i < g.size(); i++) {
        long main = g.mainAt(i);
        if (main < rev) {
          continue;
        }
        Revision r = g.revisionAt(i);
        if (!revs.isEmpty() && main == lastMain) {
          revs.set(revs.size() - 1, r);
        } else {
          revs.add(r);
        }
        lastMain = main;
      }
    }
    return revs;
  }

  /**
   * Removes every revision ≤ atRev except the newest one of each generation still needed, and the
   * generations that ended before atRev; adds the revisions kept at or below atRev to {@code
   * available}. The caller drops the key if it is {@link #isEmpty()} afterwards.
   */
  void compact(long atRev, Set<Revision> available) {
    if (isEmpty()) {
      throw new IllegalStateException("compact of empty " + describe());
    }
    int genIndex = firstNeededGeneration(atRev);
    Generation g = generations.get(genIndex);
    int revIndex = g.findRevisionIndex(atRev);
    if (revIndex >= 0) {
      available.add(g.revisionAt(revIndex));
      g.dropBefore(revIndex);
    }
    generations.subList(0, genIndex).clear();
  }

  /**
   * Adds to {@code available} the revisions {@link #compact} at atRev would keep, except a
   * tombstone that would be the generation's only remaining revision: etcd leaves it out of the
   * hash-relevant keep set. Changes nothing.
   */
  void keep(long atRev, Set<Revision> available) {
    if (isEmpty()) {
      return;
    }
    int genIndex = firstNeededGeneration(atRev);
    Generation g = generations.get(genIndex);
    int revIndex = g.findRevisionIndex(atRev);
    if (revIndex < 0) {
      return;
    }
    boolean isTombstone = revIndex == g.size() - 1 && genIndex != generations.size() - 1;
    if (!isTombstone) {
      available.add(g.revisionAt(revIndex));
    }
  }

  /**
   * The oldest generation a reader at atRev or later may still need: skips generations whose
   * tombstone is before atRev, and one whose tombstone is at atRev when the key was re-created
   * later in that same main revision (the re-creation supersedes the tombstone at atRev).
   */
  private int firstNeededGeneration(long atRev) {
    int lastIndex = generations.size() - 1;
    int i = 0;
    while (i < lastIndex) {
      long tomb = generations.get(i).lastMain();
      if (tomb > atRev) {
        break;
      }
      if (tomb == atRev) {
        Generation next = generations.get(i + 1);
        if (next.isEmpty() || next.firstMain() > atRev) {
          break;
        }
      }
      i++;
    }
    return i;
  }

  /** A deep copy, for callers (tests, snapshots) that must not see later mutations. */
  KeyIndex copy() {
    KeyIndex c = new KeyIndex(key);
    c.modifiedMain = modifiedMain;
    c.modifiedSub = modifiedSub;
    for (Generation g : generations) {
      c.generations.add(g.copy());
    }
    return c;
  }

  private Generation last() {
    return generations.get(generations.size() - 1);
  }

  private boolean isNewerThanModified(long main, long sub) {
    return main > modifiedMain || (main == modifiedMain && sub > modifiedSub);
  }

  private static boolean isGreater(long main, long sub, Revision other) {
    return main > other.main() || (main == other.main() && sub > other.sub());
  }

  private String describe() {
    return "key " + printable(key);
  }

  /** The key as text when printable, else hex: keys end up in fatal error messages. */
  static String printable(byte[] key) {
    StringBuilder s = new StringBuilder(key.length + 2).append('"');
    for (byte b : key) {
      int c = b & 0xff;
      if (c >= 0x20 && c < 0x7f && c != '\\' && c != '"') {
        s.append((char) c);
      } else {
        s.append(String.format("\\x%02x", c));
      }
    }
    return s.append('"').toString();
  }

  @Override
  public String toString() {
    return describe() + " modified=" + modifiedMain + "." + modifiedSub + " " + generations;
  }
}
