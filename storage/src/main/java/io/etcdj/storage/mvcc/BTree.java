package io.etcdj.storage.mvcc;

import java.util.Arrays;

/**
 * An in-memory B-tree map from key bytes to values, ordered by unsigned lexicographic comparison
 * (the order etcd's keys sort in: Go's {@code bytes.Compare}). It backs {@link TreeIndex} the way
 * google/btree backs etcd's {@code treeIndex}: a few wide nodes instead of one node per key keep
 * the index compact and cache-friendly with millions of keys.
 *
 * <p>Classic CLRS B-tree of minimum degree t: every node but the root holds t-1..2t-1 entries;
 * inserts split full nodes on the way down and deletes top up minimal nodes on the way down, so
 * each operation is a single root-to-leaf pass. Keys are stored by reference: callers must not
 * change a key array after handing it in.
 *
 * <p>Threading: not thread-safe; {@link TreeIndex} guards it with its lock. A {@link Cursor} is
 * invalid after any change to the tree.
 */
final class BTree<V> {
  /** The default minimum degree: up to 63 entries per node, as etcd's btree.New(32). */
  static final int DEFAULT_MIN_DEGREE = 32;

  private final int minDegree;
  private final int maxKeys;
  private Node root;
  private int size;

  BTree() {
    this(DEFAULT_MIN_DEGREE);
  }

  /** @param minDegree t ≥ 2; small values (2, 3) make tests hit splits and merges often */
  BTree(int minDegree) {
    if (minDegree < 2) {
      throw new IllegalArgumentException("minDegree " + minDegree + " < 2");
    }
    this.minDegree = minDegree;
    this.maxKeys = 2 * minDegree - 1;
    this.root = newNode(true);
  }

  int size() {
    return size;
  }

  /** Number of levels (1 for a lone leaf root); all leaves are at the same depth. */
  int height() {
    int levels = 1;
    for (Node node = root; !node.leaf; node = node.children[0]) {
      levels++;
    }
    return levels;
  }

  static int compare(byte[] a, byte[] b) {
    return Arrays.compareUnsigned(a, b);
  }

  /** The value stored under {@code key}, or null. */
  V get(byte[] key) {
    Node node = root;
    while (true) {
      int i = node.search(key);
      if (i >= 0) {
        return cast(node.values[i]);
      }
      if (node.leaf) {
        return null;
      }
      node = node.children[-i - 1];
    }
  }

  /** Stores {@code value} under {@code key}; returns the value it replaced, or null. */
  V put(byte[] key, V value) {
    if (key == null || value == null) {
      throw new IllegalArgumentException("null key or value");
    }
    if (root.n == maxKeys) {
      Node newRoot = newNode(false);
      newRoot.children[0] = root;
      root = newRoot;
      splitChild(newRoot, 0);
    }
    return insertNonFull(root, key, value);
  }

  /** Removes {@code key}; returns its value, or null when it was absent. */
  V remove(byte[] key) {
    V removed = delete(root, key);
    if (root.n == 0 && !root.leaf) {
      root = root.children[0];
    }
    if (removed != null) {
      size--;
    }
    return removed;
  }

  /** A cursor on the first entry with key ≥ {@code from} (the smallest when from is empty). */
  Cursor<V> ascend(byte[] from) {
    Cursor<V> c = new Cursor<>(this);
    c.seek(from);
    return c;
  }

  /** Checks every structural invariant; for tests. Throws IllegalStateException when broken. */
  void checkInvariants() {
    int[] leafDepth = {-1};
    int counted = checkNode(root, null, null, 0, leafDepth, true);
    if (counted != size) {
      throw new IllegalStateException("size " + size + " but counted " + counted);
    }
  }

  private int checkNode(
      Node node, byte[] lo, byte[] hi, int depth, int[] leafDepth, boolean isRoot) {
    if (!isRoot && node.n < minDegree - 1) {
      throw new IllegalStateException("underfull node with " + node.n + " keys");
    }
    if (node.n > maxKeys) {
      throw new IllegalStateException("overfull node with " + node.n + " keys");
    }
    for (int i = 0; i < node.n; i++) {
      byte[] k = node.keys[i];
      boolean outOfOrder =
          (i > 0 && compare(node.keys[i - 1], k) >= 0)
              || (lo != null && compare(lo, k) >= 0)
              || (hi != null && compare(k, hi) >= 0);
      if (outOfOrder) {
        throw new IllegalStateException("keys out of order at depth " + depth);
      }
    }
    if (node.leaf) {
      if (leafDepth[0] == -1) {
        leafDepth[0] = depth;
      } else if (leafDepth[0] != depth) {
        throw new IllegalStateException("leaves at depths " + leafDepth[0] + " and " + depth);
      }
      return node.n;
    }
    int count = node.n;
    for (int i = 0; i <= node.n; i++) {
      byte[] childLo = i == 0 ? lo : node.keys[i - 1];
      byte[] childHi = i == node.n ? hi : node.keys[i];
      count += checkNode(node.children[i], childLo, childHi, depth + 1, leafDepth, false);
    }
    return count;
  }

  private V insertNonFull(Node node, byte[] key, V value) {
    while (true) {
      int i = node.search(key);
      if (i >= 0) {
        return cast(node.setValue(i, value));
      }
      int at = -i - 1;
      if (node.leaf) {
        node.insertEntry(at, key, value);
        size++;
        return null;
      }
      if (node.children[at].n == maxKeys) {
        splitChild(node, at);
        int c = compare(key, node.keys[at]);
        if (c == 0) {
          return cast(node.setValue(at, value));
        }
        if (c > 0) {
          at++;
        }
      }
      node = node.children[at];
    }
  }

  /** Splits the full child at {@code index}; its median entry moves up into {@code parent}. */
  private void splitChild(Node parent, int index) {
    Node full = parent.children[index];
    Node right = newNode(full.leaf);
    int t = minDegree;
    System.arraycopy(full.keys, t, right.keys, 0, t - 1);
    System.arraycopy(full.values, t, right.values, 0, t - 1);
    if (!full.leaf) {
      System.arraycopy(full.children, t, right.children, 0, t);
      Arrays.fill(full.children, t, 2 * t, null);
    }
    right.n = t - 1;
    byte[] medianKey = full.keys[t - 1];
    Object medianValue = full.values[t - 1];
    Arrays.fill(full.keys, t - 1, maxKeys, null);
    Arrays.fill(full.values, t - 1, maxKeys, null);
    full.n = t - 1;
    parent.insertEntry(index, medianKey, medianValue);
    parent.insertChild(index + 1, right);
  }

  private V delete(Node node, byte[] key) {
    while (true) {
      int i = node.search(key);
      if (i >= 0) {
        return deleteFound(node, i);
      }
      if (node.leaf) {
        return null;
      }
      int at = -i - 1;
      node = ensureChildAboveMinimum(node, at, key);
    }
  }

  /** Deletes entry {@code i} of {@code node}, which holds the key being removed. */
  private V deleteFound(Node node, int i) {
    V value = cast(node.values[i]);
    if (node.leaf) {
      node.removeEntry(i);
      return value;
    }
    Node left = node.children[i];
    Node right = node.children[i + 1];
    if (left.n >= minDegree) {
      Node max = left;
      while (!max.leaf) {
        max = max.children[max.n];
      }
      byte[] predKey = max.keys[max.n - 1];
      Object predValue = max.values[max.n - 1];
      delete(left, predKey);
      node.keys[i] = predKey;
      node.values[i] = predValue;
      return value;
    }
    if (right.n >= minDegree) {
      Node min = right;
      while (!min.leaf) {
        min = min.children[0];
      }
      byte[] succKey = min.keys[0];
      Object succValue = min.values[0];
      delete(right, succKey);
      node.keys[i] = succKey;
      node.values[i] = succValue;
      return value;
    }
    byte[] key = node.keys[i];
    merge(node, i);
    return delete(left, key);
  }

  /**
   * Makes sure child {@code at} of {@code node} has at least t entries before descending into it,
   * borrowing from a sibling or merging with one; returns the child that now covers {@code key}.
   */
  private Node ensureChildAboveMinimum(Node node, int at, byte[] key) {
    Node child = node.children[at];
    if (child.n >= minDegree) {
      return child;
    }
    if (at > 0 && node.children[at - 1].n >= minDegree) {
      rotateFromLeft(node, at);
      return child;
    }
    if (at < node.n && node.children[at + 1].n >= minDegree) {
      rotateFromRight(node, at);
      return child;
    }
    if (at < node.n) {
      merge(node, at);
      return child;
    }
    Node left = node.children[at - 1];
    merge(node, at - 1);
    return left;
  }

  /** Moves the separator down into child {@code at} and the left sibling's last entry up. */
  private void rotateFromLeft(Node parent, int at) {
    Node child = parent.children[at];
    Node left = parent.children[at - 1];
    child.insertEntry(0, parent.keys[at - 1], parent.values[at - 1]);
    if (!child.leaf) {
      child.insertChild(0, left.children[left.n]);
      left.children[left.n] = null;
    }
    parent.keys[at - 1] = left.keys[left.n - 1];
    parent.values[at - 1] = left.values[left.n - 1];
    left.keys[left.n - 1] = null;
    left.values[left.n - 1] = null;
    left.n--;
  }

  /** Moves the separator down into child {@code at} and the right sibling's first entry up. */
  private void rotateFromRight(Node parent, int at) {
    Node child = parent.children[at];
    Node right = parent.children[at + 1];
    child.keys[child.n] = parent.keys[at];
    child.values[child.n] = parent.values[at];
    child.n++;
    if (!child.leaf) {
      child.children[child.n] = right.children[0];
      System.arraycopy(right.children, 1, right.children, 0, right.n);
      right.children[right.n] = null;
    }
    parent.keys[at] = right.keys[0];
    parent.values[at] = right.values[0];
    right.removeEntry(0);
  }

  /** Merges child {@code i + 1} and separator {@code i} into child {@code i} (both minimal). */
  private void merge(Node parent, int i) {
    Node left = parent.children[i];
    Node right = parent.children[i + 1];
    left.keys[left.n] = parent.keys[i];
    left.values[left.n] = parent.values[i];
    System.arraycopy(right.keys, 0, left.keys, left.n + 1, right.n);
    System.arraycopy(right.values, 0, left.values, left.n + 1, right.n);
    if (!left.leaf) {
      System.arraycopy(right.children, 0, left.children, left.n + 1, right.n + 1);
    }
    left.n += right.n + 1;
    parent.removeEntry(i);
    parent.removeChild(i + 1);
  }

  private Node newNode(boolean leaf) {
    return new Node(leaf, maxKeys);
  }

  @SuppressWarnings("unchecked")
  private static <V> V cast(Object value) {
    return (V) value;
  }

  /** One node: n sorted entries and, unless a leaf, n + 1 children. */
  private static final class Node {
    final boolean leaf;
    final byte[][] keys;
    final Object[] values;
    final Node[] children;
    int n;

    Node(boolean leaf, int maxKeys) {
      this.leaf = leaf;
      this.keys = new byte[maxKeys][];
      this.values = new Object[maxKeys];
      this.children = leaf ? null : new Node[maxKeys + 1];
    }

    /** Index of {@code key}, or {@code -(insertion point) - 1} as in Arrays.binarySearch. */
    int search(byte[] key) {
      int lo = 0;
      int hi = n - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = compare(keys[mid], key);
        if (c < 0) {
          lo = mid + 1;
        } else if (c > 0) {
          hi = mid - 1;
        } else {
          return mid;
        }
      }
      return -lo - 1;
    }

    Object setValue(int i, Object value) {
      Object old = values[i];
      values[i] = value;
      return old;
    }

    void insertEntry(int i, byte[] key, Object value) {
      System.arraycopy(keys, i, keys, i + 1, n - i);
      System.arraycopy(values, i, values, i + 1, n - i);
      keys[i] = key;
      values[i] = value;
      n++;
    }

    void removeEntry(int i) {
      System.arraycopy(keys, i + 1, keys, i, n - i - 1);
      System.arraycopy(values, i + 1, values, i, n - i - 1);
      n--;
      keys[n] = null;
      values[n] = null;
    }

    /** Inserts a child at {@code i}; call after insertEntry, so n already counts the new entry. */
    void insertChild(int i, Node child) {
      System.arraycopy(children, i, children, i + 1, n - i);
      children[i] = child;
    }

    /** Removes child {@code i}; call after removeEntry, so n already excludes the entry. */
    void removeChild(int i) {
      System.arraycopy(children, i + 1, children, i, n + 1 - i);
      children[n + 1] = null;
    }
  }

  /**
   * Ascending iteration: {@link #valid()}, then {@link #key()}/{@link #value()}, then {@link
   * #next()}. Holds a root-to-leaf path, so it costs one small allocation per range, not per key.
   */
  static final class Cursor<V> {
    private final BTree<V> tree;
    private Node[] path;
    private int[] positions;
    private int depth;

    private Cursor(BTree<V> tree) {
      this.tree = tree;
      this.path = new Node[8];
      this.positions = new int[8];
    }

    boolean valid() {
      return depth > 0;
    }

    byte[] key() {
      checkValid();
      return path[depth - 1].keys[positions[depth - 1]];
    }

    V value() {
      checkValid();
      return cast(path[depth - 1].values[positions[depth - 1]]);
    }

    void next() {
      checkValid();
      Node node = path[depth - 1];
      int at = ++positions[depth - 1];
      if (!node.leaf) {
        descendLeftmost(node.children[at]);
      }
      popExhausted();
    }

    private void seek(byte[] from) {
      depth = 0;
      Node node = tree.root;
      while (true) {
        int i = node.search(from);
        if (i >= 0) {
          push(node, i);
          break;
        }
        int at = -i - 1;
        push(node, at);
        if (node.leaf) {
          break;
        }
        node = node.children[at];
      }
      popExhausted();
    }

    private void descendLeftmost(Node node) {
      while (true) {
        push(node, 0);
        if (node.leaf) {
          return;
        }
        node = node.children[0];
      }
    }

    /** Pops frames whose entries are all consumed; the parent's next entry is then current. */
    private void popExhausted() {
      while (depth > 0 && positions[depth - 1] >= path[depth - 1].n) {
        depth--;
        path[depth] = null;
      }
    }

    private void push(Node node, int position) {
      if (depth == path.length) {
        path = Arrays.copyOf(path, depth * 2);
        positions = Arrays.copyOf(positions, depth * 2);
      }
      path[depth] = node;
      positions[depth] = position;
      depth++;
    }

    private void checkValid() {
      if (depth == 0) {
        throw new IllegalStateException("cursor past the end");
      }
    }
  }
}
