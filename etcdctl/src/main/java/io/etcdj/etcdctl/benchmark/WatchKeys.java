package io.etcdj.etcdctl.benchmark;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The keys of {@code benchmark watch}, as etcd's {@code newWatchedKeys} and {@code benchMakeWatches}
 * lay them out: {@code watchedKeyTotal} keys of {@code keySizeBytes}, key i holding the varint of
 * {@code i % keySpaceSize} ({@code --sequential-keys}) or of a random number below {@code
 * keySpaceSize} (built by {@link PutKeys}, so equal numbers give equal keys). Watcher g (stream
 * {@code g / watchersPerStream}) watches key {@code g % watchedKeyTotal}; put i writes key {@code i %
 * watchedKeyTotal}.
 *
 * <p>Unlike etcd, where stream goroutines race for the next key, the watcher-to-stream assignment is
 * fixed, so each stream knows how many events it must receive ({@link #expectedEvents}) and the run
 * ends when every stream has them. Keys that are equal bytes count as one key, as etcd's {@code
 * numWatchers} map (keyed by string) counts them.
 *
 * <p>Immutable after construction; thread-safe.
 */
final class WatchKeys {
  private final PutKeys keyBuilder;
  private final byte[][] watched;
  /** For each watched key index, the index of the first key with equal bytes. */
  private final int[] canonical;

  WatchKeys(int keySizeBytes, long keySpaceSize, boolean sequential, int watchedKeyTotal, long seed) {
    if (watchedKeyTotal <= 0) {
      throw new IllegalArgumentException(
          "expected positive --watched-key-total, got " + watchedKeyTotal);
    }
    this.keyBuilder = new PutKeys(keySizeBytes, keySpaceSize, sequential, seed);
    this.watched = new byte[watchedKeyTotal][];
    this.canonical = new int[watchedKeyTotal];
    Map<String, Integer> first = new HashMap<>();
    for (int i = 0; i < watchedKeyTotal; i++) {
      watched[i] = keyBuilder.key(i);
      String text = new String(watched[i], java.nio.charset.StandardCharsets.ISO_8859_1);
      Integer prior = first.putIfAbsent(text, i);
      canonical[i] = prior == null ? i : prior;
    }
  }

  int watchedKeyTotal() {
    return watched.length;
  }

  /** Key i of the watched set (a copy; callers may keep it). */
  byte[] watchedKey(int i) {
    return watched[i].clone();
  }

  /** The key watcher {@code g} (counted over all streams) watches. */
  byte[] keyOfWatcher(long g) {
    return watched[(int) (g % watched.length)].clone();
  }

  /** The key put {@code i} writes. */
  byte[] keyOfPut(long i) {
    return watched[(int) (i % watched.length)].clone();
  }

  /**
   * Events stream s must receive when {@code putTotal} puts are made and each stream holds {@code
   * watchersPerStream} watchers: for each of its watchers, the number of puts that write a key with
   * the same bytes. O(streams * watchersPerStream + watchedKeyTotal).
   */
  long[] expectedEvents(int streams, int watchersPerStream, long putTotal) {
    if (streams <= 0 || watchersPerStream <= 0 || putTotal < 0) {
      throw new IllegalArgumentException("streams and watchers must be positive, puts not negative");
    }
    int n = watched.length;
    long[] putsPerCanonical = new long[n];
    for (int k = 0; k < n; k++) {
      // Puts i with i % n == k: floor((putTotal - 1 - k) / n) + 1 of them when k < putTotal.
      long puts = k < putTotal ? (putTotal - 1 - k) / n + 1 : 0;
      putsPerCanonical[canonical[k]] += puts;
    }
    long[] expected = new long[streams];
    for (int s = 0; s < streams; s++) {
      long sum = 0;
      for (int j = 0; j < watchersPerStream; j++) {
        long g = (long) s * watchersPerStream + j;
        sum += putsPerCanonical[canonical[(int) (g % n)]];
      }
      expected[s] = sum;
    }
    return expected;
  }

  /**
   * etcd's {@code clientv3.GetPrefixRangeEnd}: the key with its last byte below 0xff incremented and
   * everything after it dropped; {@code "\0"} (the whole key space) when every byte is 0xff.
   */
  static byte[] prefixEnd(byte[] prefix) {
    for (int i = prefix.length - 1; i >= 0; i--) {
      if ((prefix[i] & 0xff) != 0xff) {
        byte[] end = Arrays.copyOf(prefix, i + 1);
        end[i]++;
        return end;
      }
    }
    return new byte[] {0};
  }
}
