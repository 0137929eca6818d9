package io.etcdj.server.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One user's key permissions of one kind (read or write), merged from all its roles, as etcd's
 * {@code rangePermCache} keeps them: each granted permission is a key range — a single key (no
 * range end), {@code [key, rangeEnd)}, or from {@code key} on (range end {@code "\0"}) — and the
 * union is kept as sorted, disjoint intervals, adjacent ones joined, so that a request is
 * permitted only when one merged interval covers all of it.
 *
 * <p>A request for a single key (no range end) needs only to fall in some interval ({@code
 * checkKeyPoint}); a range ({@code checkKeyInterval}) must be covered whole, and a range end of
 * {@code "\0"} asks for everything from its key on. Keys compare as unsigned bytes. Immutable:
 * rebuilt whenever the auth state changes, as etcd rebuilds its cache.
 */
public final class RangePermissions {
  /** A permission as granted: {@code end} is empty for a single key, {@code {0}} for "from key on". */
  public record Grant(byte[] key, byte[] end) {}

  /** Sorted, disjoint, non-adjacent; {@code end == null} is +infinity. */
  private final byte[][] begins;
  private final byte[][] ends;

  public static final RangePermissions NONE = new RangePermissions(new byte[0][], new byte[0][]);

  private RangePermissions(byte[][] begins, byte[][] ends) {
    this.begins = begins;
    this.ends = ends;
  }

  public static RangePermissions of(List<Grant> grants) {
    List<byte[][]> ivs = new ArrayList<>();
    for (Grant g : grants) {
      byte[] end;
      if (g.end().length == 0) {
        end = successor(g.key()); // a point: [key, key + "\0")
      } else if (g.end().length == 1 && g.end()[0] == 0) {
        end = null;
      } else {
        end = g.end();
      }
      if (end != null && Arrays.compareUnsigned(g.key(), end) >= 0) {
        continue; // an empty range grants nothing
      }
      ivs.add(new byte[][] {g.key(), end});
    }
    ivs.sort(Comparator.comparing((byte[][] iv) -> iv[0], Arrays::compareUnsigned));
    List<byte[]> b = new ArrayList<>();
    List<byte[]> e = new ArrayList<>();
    for (byte[][] iv : ivs) {
      int last = b.size() - 1;
      if (last >= 0 && (e.get(last) == null || Arrays.compareUnsigned(iv[0], e.get(last)) <= 0)) {
        if (e.get(last) != null && (iv[1] == null || Arrays.compareUnsigned(iv[1], e.get(last)) > 0)) {
          e.set(last, iv[1]);
        }
      } else {
        b.add(iv[0]);
        e.add(iv[1]);
      }
    }
    return new RangePermissions(b.toArray(new byte[0][]), e.toArray(new byte[0][]));
  }

  /**
   * Whether a request on {@code key} with {@code rangeEnd} (empty: the key alone; {@code "\0"}:
   * from the key on) is permitted.
   */
  public boolean permits(byte[] key, byte[] rangeEnd) {
    int i = floor(key);
    if (i < 0) {
      return false;
    }
    byte[] end = ends[i];
    if (rangeEnd.length == 0) {
      return end == null || Arrays.compareUnsigned(key, end) < 0;
    }
    if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
      return end == null;
    }
    return end == null || Arrays.compareUnsigned(rangeEnd, end) <= 0;
  }

  /** The last interval beginning at or before {@code key}, or -1. */
  private int floor(byte[] key) {
    int lo = 0;
    int hi = begins.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Arrays.compareUnsigned(begins[mid], key) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  private static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < begins.length; i++) {
      s.append(i == 0 ? "" : ", ").append('[').append(new String(begins[i], java.nio.charset.StandardCharsets.ISO_8859_1))
          .append(", ").append(ends[i] == null ? "+inf" : new String(ends[i], java.nio.charset.StandardCharsets.ISO_8859_1)).append(')');
    }
    return s.append(']').toString();
  }
}
