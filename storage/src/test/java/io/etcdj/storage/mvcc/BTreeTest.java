package io.etcdj.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The B-tree against java.util.TreeMap under seeded random operations. */
class BTreeTest {
  private static final int OPS = 200_000;
  private static final int OPS_PER_CHECK = 1_000;
  /** Bytes chosen around the signed/unsigned boundary, so a signed comparison would fail. */
  private static final byte[] ALPHABET = {0x00, 0x01, 0x41, 0x7f, (byte) 0x80, (byte) 0xfe,
      (byte) 0xff};

  static Stream<Arguments> seedsAndDegrees() {
    return Stream.of(
        Arguments.of(1L, 2),
        Arguments.of(2L, 2),
        Arguments.of(3L, 3),
        Arguments.of(4L, 3),
        Arguments.of(5L, 8),
        Arguments.of(6L, BTree.DEFAULT_MIN_DEGREE));
  }

  /**
   * Three phases: mostly inserts (splits), mixed, mostly deletes (merges and borrows) until the
   * tree is empty again; every operation's result is compared with the TreeMap and the whole
   * tree's order, contents and invariants are checked every {@value #OPS_PER_CHECK} operations.
   */
  @ParameterizedTest(name = "seed {0}, min degree {1}")
  @MethodSource("seedsAndDegrees")
  void matchesTreeMapUnderRandomOperations(long seed, int minDegree) {
    Random random = new Random(seed);
    BTree<Integer> tree = new BTree<>(minDegree);
    NavigableMap<byte[], Integer> model = new TreeMap<>(Arrays::compareUnsigned);
    int maxHeightSeen = 0;

    for (int op = 0; op < OPS; op++) {
      double insertShare = op < OPS / 3 ? 0.8 : op < 2 * OPS / 3 ? 0.5 : 0.15;
      byte[] key = randomKey(random);
      double dice = random.nextDouble();
      if (dice < insertShare) {
        assertEquals(model.put(key, op), tree.put(key, op), "put");
      } else if (dice < insertShare + 0.25) {
        assertEquals(model.remove(key), tree.remove(key), "remove");
      } else if (dice < insertShare + 0.35) {
        assertEquals(model.get(key), tree.get(key), "get");
      } else {
        assertRange(tree, model, key, 1 + random.nextInt(64));
      }
      if (op % OPS_PER_CHECK == 0) {
        assertSameContents(tree, model);
        maxHeightSeen = Math.max(maxHeightSeen, tree.height());
      }
    }
    drain(tree, model, random);

    assertEquals(0, tree.size());
    assertFalse(tree.ascend(new byte[0]).valid(), "empty tree has nothing to iterate");
    assertTrue(maxHeightSeen >= (minDegree <= 3 ? 4 : 2), "tree grew to height " + maxHeightSeen);
  }

  /** Removes every remaining key in random order, checking as it goes. */
  private static void drain(BTree<Integer> tree, NavigableMap<byte[], Integer> model, Random r) {
    byte[][] keys = model.keySet().toArray(new byte[0][]);
    for (int i = keys.length - 1; i > 0; i--) {
      int j = r.nextInt(i + 1);
      byte[] t = keys[i];
      keys[i] = keys[j];
      keys[j] = t;
    }
    for (int i = 0; i < keys.length; i++) {
      assertEquals(model.remove(keys[i]), tree.remove(keys[i]));
      assertNull(tree.remove(keys[i]), "second remove finds nothing");
      if (i % OPS_PER_CHECK == 0) {
        assertSameContents(tree, model);
      }
    }
    assertSameContents(tree, model);
  }

  private static byte[] randomKey(Random random) {
    // Up to 7^0 + ... + 7^5 ≈ 20k distinct keys: dense enough that removes and gets often hit.
    int length = random.nextInt(6);
    byte[] key = new byte[length];
    for (int i = 0; i < length; i++) {
      key[i] = ALPHABET[random.nextInt(ALPHABET.length)];
    }
    return key;
  }

  private static void assertRange(
      BTree<Integer> tree, NavigableMap<byte[], Integer> model, byte[] from, int count) {
    Iterator<Map.Entry<byte[], Integer>> want = model.tailMap(from, true).entrySet().iterator();
    BTree.Cursor<Integer> c = tree.ascend(from);
    for (int i = 0; i < count && want.hasNext(); i++) {
      Map.Entry<byte[], Integer> e = want.next();
      assertTrue(c.valid(), "cursor ended early");
      assertArrayEquals(e.getKey(), c.key());
      assertEquals(e.getValue(), c.value());
      c.next();
    }
    if (!want.hasNext()) {
      assertFalse(c.valid(), "cursor went past the last key");
    }
  }

  private static void assertSameContents(BTree<Integer> tree, NavigableMap<byte[], Integer> model) {
    tree.checkInvariants();
    assertEquals(model.size(), tree.size());
    BTree.Cursor<Integer> c = tree.ascend(new byte[0]);
    for (Map.Entry<byte[], Integer> e : model.entrySet()) {
      assertTrue(c.valid());
      assertArrayEquals(e.getKey(), c.key());
      assertEquals(e.getValue(), c.value());
      c.next();
    }
    assertFalse(c.valid());
  }

  @Test
  void ordersKeysAsUnsignedBytes() {
    BTree<String> tree = new BTree<>(2);
    byte[][] keys = {
      {(byte) 0xff}, {0x7f}, {(byte) 0x80}, {}, {0x00}, {0x00, 0x00}, {0x01}, {(byte) 0xff, 0x00}
    };
    for (byte[] key : keys) {
      assertNull(tree.put(key, Arrays.toString(key)));
    }

    byte[][] want = {
      {}, {0x00}, {0x00, 0x00}, {0x01}, {0x7f}, {(byte) 0x80}, {(byte) 0xff}, {(byte) 0xff, 0x00}
    };
    BTree.Cursor<String> c = tree.ascend(new byte[0]);
    for (byte[] key : want) {
      assertArrayEquals(key, c.key());
      c.next();
    }
    assertFalse(c.valid());
    assertArrayEquals(new byte[] {(byte) 0x80}, tree.ascend(new byte[] {0x7f, 0x00}).key());
  }

  @Test
  void putReplacesAndReturnsThePreviousValue() {
    BTree<String> tree = new BTree<>(2);
    for (int i = 0; i < 100; i++) {
      tree.put(new byte[] {(byte) i}, "a" + i);
    }
    String before = tree.get(new byte[] {50});

    assertEquals(before, tree.put(new byte[] {50}, "b"));
    assertEquals("b", tree.get(new byte[] {50}));
    assertEquals(100, tree.size());
    tree.checkInvariants();
  }

  @Test
  void cursorPastTheEndThrows() {
    BTree<String> tree = new BTree<>(2);
    tree.put(new byte[] {1}, "one");
    BTree.Cursor<String> c = tree.ascend(new byte[] {2});

    assertFalse(c.valid());
    assertThrows(IllegalStateException.class, c::key);
  }

  @Test
  void rejectsNullKeysAndValues() {
    BTree<String> tree = new BTree<>();
    assertThrows(IllegalArgumentException.class, () -> tree.put(null, "x"));
    assertThrows(IllegalArgumentException.class, () -> tree.put(new byte[] {1}, null));
    assertThrows(IllegalArgumentException.class, () -> new BTree<String>(1));
  }

  @Test
  void removeReturnsTheStoredValue() {
    BTree<Object> tree = new BTree<>(2);
    Object value = new Object();
    for (int i = 0; i < 1000; i++) {
      tree.put(new byte[] {(byte) (i >> 8), (byte) i}, i == 500 ? value : Integer.valueOf(i));
    }

    assertSame(value, tree.remove(new byte[] {(byte) (500 >> 8), (byte) 500}));
    assertEquals(999, tree.size());
    tree.checkInvariants();
  }
}
