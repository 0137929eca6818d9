package io.etcdj.watch;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * An interval tree over byte-string keys (etcd's {@code adt.IntervalTree}), holding one value per
 * distinct interval {@code [begin, end)}. Keys compare as unsigned bytes; an {@code end} of null is
 * the open end (etcd's {@code "\0"} range end: every key ≥ begin).
 *
 * <p>An AVL tree ordered by (begin, end), each node augmented with the largest end in its subtree,
 * so a stab query ({@link #stab}: every interval that contains a point) visits only subtrees that
 * can hold a match: O(log n + matches). Not thread-safe: the {@link WatchableStore}'s lock guards
 * it.
 */
final class IntervalTree<V> {

  private static final class Node<V> {
    final byte[] begin;
    final byte[] end; // null: open
    V value;
    Node<V> left;
    Node<V> right;
    int height = 1;
    byte[] maxEnd; // largest end in this subtree, null when any end there is open

    Node(byte[] begin, byte[] end, V value) {
      this.begin = begin;
      this.end = end;
      this.value = value;
      this.maxEnd = end;
    }
  }

  private Node<V> root;
  private int size;

  int size() {
    return size;
  }

  /** The value stored for exactly [begin, end), or null. */
  V get(byte[] begin, byte[] end) {
    Node<V> n = root;
    while (n != null) {
      int c = compareInterval(begin, end, n);
      if (c == 0) {
        return n.value;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  /**
   * Stores {@code value} for [begin, end), replacing the value of an equal interval.
   *
   * @throws IllegalArgumentException if the interval is empty (end ≤ begin)
   */
  void put(byte[] begin, byte[] end, V value) {
    if (end != null && Arrays.compareUnsigned(begin, end) >= 0) {
      throw new IllegalArgumentException("empty interval");
    }
    root = insert(root, begin, end, value);
  }

  /** Removes [begin, end); returns its value, or null when absent. */
  V remove(byte[] begin, byte[] end) {
    @SuppressWarnings("unchecked")
    V[] removed = (V[]) new Object[1];
    root = delete(root, begin, end, removed);
    if (removed[0] != null) {
      size--;
    }
    return removed[0];
  }

  /** Calls {@code visitor} with the value of every interval that contains {@code point}. */
  void stab(byte[] point, java.util.function.Consumer<V> visitor) {
    stab(root, point, visitor);
  }

  /** Visits every (interval begin, value) in (begin, end) order. */
  void forEach(BiConsumer<byte[], V> visitor) {
    inOrder(root, visitor);
  }

  private static <V> void inOrder(Node<V> n, BiConsumer<byte[], V> visitor) {
    if (n == null) {
      return;
    }
    inOrder(n.left, visitor);
    visitor.accept(n.begin, n.value);
    inOrder(n.right, visitor);
  }

  private static <V> void stab(Node<V> n, byte[] point, java.util.function.Consumer<V> visitor) {
    while (n != null) {
      if (!endsAfter(n.maxEnd, point)) {
        return; // nothing below ends after the point
      }
      stab(n.left, point, visitor);
      int c = Arrays.compareUnsigned(n.begin, point);
      if (c > 0) {
        return; // this node and everything to its right begin after the point
      }
      if (endsAfter(n.end, point)) {
        visitor.accept(n.value);
      }
      n = n.right;
    }
  }

  /** True when an interval ending at {@code end} (exclusive; null = open) contains point's side. */
  private static boolean endsAfter(byte[] end, byte[] point) {
    return end == null || Arrays.compareUnsigned(end, point) > 0;
  }

  /** Orders intervals by begin, then end (an open end last). */
  private static int compareInterval(byte[] begin, byte[] end, Node<?> n) {
    int c = Arrays.compareUnsigned(begin, n.begin);
    if (c != 0) {
      return c;
    }
    return compareEnd(end, n.end);
  }

  private static int compareEnd(byte[] a, byte[] b) {
    if (a == null) {
      return b == null ? 0 : 1;
    }
    return b == null ? -1 : Arrays.compareUnsigned(a, b);
  }

  private static byte[] maxEnd(byte[] a, byte[] b) {
    return compareEnd(a, b) >= 0 ? a : b;
  }

  private Node<V> insert(Node<V> n, byte[] begin, byte[] end, V value) {
    if (n == null) {
      size++;
      return new Node<>(begin, end, value);
    }
    int c = compareInterval(begin, end, n);
    if (c == 0) {
      n.value = value;
      return n;
    }
    if (c < 0) {
      n.left = insert(n.left, begin, end, value);
    } else {
      n.right = insert(n.right, begin, end, value);
    }
    return balance(n);
  }

  private Node<V> delete(Node<V> n, byte[] begin, byte[] end, V[] removed) {
    if (n == null) {
      return null;
    }
    int c = compareInterval(begin, end, n);
    if (c < 0) {
      n.left = delete(n.left, begin, end, removed);
    } else if (c > 0) {
      n.right = delete(n.right, begin, end, removed);
    } else {
      removed[0] = n.value;
      if (n.left == null) {
        return n.right;
      }
      if (n.right == null) {
        return n.left;
      }
      Node<V> successor = n.right;
      while (successor.left != null) {
        successor = successor.left;
      }
      Node<V> replacement = new Node<>(successor.begin, successor.end, successor.value);
      replacement.right = removeMin(n.right);
      replacement.left = n.left;
      return balance(replacement);
    }
    return balance(n);
  }

  private Node<V> removeMin(Node<V> n) {
    if (n.left == null) {
      return n.right;
    }
    n.left = removeMin(n.left);
    return balance(n);
  }

  private static int height(Node<?> n) {
    return n == null ? 0 : n.height;
  }

  private static <V> void update(Node<V> n) {
    n.height = 1 + Math.max(height(n.left), height(n.right));
    n.maxEnd = subtreeMaxEnd(n);
  }

  /** The largest end of n and its children's subtrees (null: open), from the children's maxEnd. */
  private static byte[] subtreeMaxEnd(Node<?> n) {
    byte[] m = n.end;
    if (n.left != null) {
      m = maxEnd(m, n.left.maxEnd);
    }
    if (n.right != null) {
      m = maxEnd(m, n.right.maxEnd);
    }
    return m;
  }

  private static <V> Node<V> balance(Node<V> n) {
    update(n);
    int bf = height(n.left) - height(n.right);
    if (bf > 1) {
      if (height(n.left.left) < height(n.left.right)) {
        n.left = rotateLeft(n.left);
      }
      return rotateRight(n);
    }
    if (bf < -1) {
      if (height(n.right.right) < height(n.right.left)) {
        n.right = rotateRight(n.right);
      }
      return rotateLeft(n);
    }
    return n;
  }

  private static <V> Node<V> rotateRight(Node<V> n) {
    Node<V> l = n.left;
    n.left = l.right;
    l.right = n;
    update(n);
    update(l);
    return l;
  }

  private static <V> Node<V> rotateLeft(Node<V> n) {
    Node<V> r = n.right;
    n.right = r.left;
    r.left = n;
    update(n);
    update(r);
    return r;
  }

  /** Checks the AVL and max-end invariants of the whole tree (tests). */
  void checkInvariants() {
    int[] count = {0};
    check(root, count);
    if (count[0] != size) {
      throw new AssertionError("size " + size + " but " + count[0] + " nodes");
    }
  }

  private static <V> void check(Node<V> n, int[] count) {
    if (n == null) {
      return;
    }
    count[0]++;
    check(n.left, count);
    check(n.right, count);
    if (n.left != null && compareInterval(n.left.begin, n.left.end, n) >= 0) {
      throw new AssertionError("left child out of order");
    }
    if (n.right != null && compareInterval(n.right.begin, n.right.end, n) <= 0) {
      throw new AssertionError("right child out of order");
    }
    int bf = height(n.left) - height(n.right);
    if (Math.abs(bf) > 1 || n.height != 1 + Math.max(height(n.left), height(n.right))) {
      throw new AssertionError("unbalanced node");
    }
    if (compareEnd(subtreeMaxEnd(n), n.maxEnd) != 0) {
      throw new AssertionError("stale maxEnd");
    }
  }
}
