package io.etcdj.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IntervalTreeTest {

  /** A brute-force model: a list of intervals. */
  private record Ivl(byte[] begin, byte[] end, int value) {
    boolean contains(byte[] p) {
      return Arrays.compareUnsigned(begin, p) <= 0
          && (end == null || Arrays.compareUnsigned(p, end) < 0);
    }

    boolean same(byte[] b, byte[] e) {
      return Arrays.equals(begin, b) && Arrays.equals(end, e);
    }
  }

  private static byte[] randomKey(Random r) {
    byte[] k = new byte[1 + r.nextInt(3)];
    for (int i = 0; i < k.length; i++) {
      k[i] = (byte) (r.nextInt(6) * 50); // few distinct bytes, including ones ≥ 0x80
    }
    return k;
  }

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 42, 1234})
  void matchesBruteForceUnderRandomOperations(long seed) {
    Random r = new Random(seed);
    IntervalTree<Integer> tree = new IntervalTree<>();
    List<Ivl> model = new ArrayList<>();
    for (int op = 0; op < 4_000; op++) {
      int kind = r.nextInt(10);
      if (kind < 5) {
        byte[] b = randomKey(r);
        byte[] e = r.nextInt(5) == 0 ? null : randomKey(r);
        if (e != null && Arrays.compareUnsigned(b, e) >= 0) {
          continue;
        }
        int v = r.nextInt(1000);
        model.removeIf(i -> i.same(b, e));
        model.add(new Ivl(b, e, v));
        tree.put(b, e, v);
      } else if (kind < 8 && !model.isEmpty()) {
        Ivl victim = model.remove(r.nextInt(model.size()));
        assertEquals(victim.value(), tree.remove(victim.begin(), victim.end()));
      } else {
        byte[] b = randomKey(r);
        byte[] e = r.nextBoolean() ? null : randomKey(r);
        if (model.stream().noneMatch(i -> i.same(b, e))) {
          assertEquals(null, tree.remove(b, e), "removing an interval never added");
        }
      }
      tree.checkInvariants();
      assertEquals(model.size(), tree.size());
      byte[] p = randomKey(r);
      TreeSet<Integer> want = new TreeSet<>();
      for (Ivl i : model) {
        if (i.contains(p)) {
          want.add(i.value());
        }
      }
      TreeSet<Integer> got = new TreeSet<>();
      List<Integer> all = new ArrayList<>();
      tree.stab(p, v -> all.add(v));
      got.addAll(all);
      assertEquals(want, got, "stab " + Arrays.toString(p));
      assertEquals(countContaining(model, p), all.size(), "each interval reported once");
    }
  }

  private static long countContaining(List<Ivl> model, byte[] p) {
    return model.stream().filter(i -> i.contains(p)).count();
  }

  @Test
  void openEndContainsEveryLaterKey() {
    IntervalTree<String> tree = new IntervalTree<>();
    tree.put(new byte[] {'b'}, null, "b+");
    tree.put(new byte[] {'a'}, new byte[] {'b'}, "a");
    List<String> got = new ArrayList<>();
    tree.stab(new byte[] {(byte) 0xff, (byte) 0xff}, got::add);
    assertEquals(List.of("b+"), got);
    got.clear();
    tree.stab(new byte[] {'a', 'z'}, got::add);
    assertEquals(List.of("a"), got);
    got.clear();
    tree.stab(new byte[] {'b'}, got::add);
    assertEquals(List.of("b+"), got, "end is exclusive");
  }

  @Test
  void refusesEmptyIntervals() {
    IntervalTree<String> tree = new IntervalTree<>();
    assertThrows(IllegalArgumentException.class, () -> tree.put(new byte[] {'b'}, new byte[] {'a'}, "x"));
    assertThrows(IllegalArgumentException.class, () -> tree.put(new byte[] {'b'}, new byte[] {'b'}, "x"));
  }
}
