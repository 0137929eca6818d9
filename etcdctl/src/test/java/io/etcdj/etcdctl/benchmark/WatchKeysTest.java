package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class WatchKeysTest {
  /** The expected events worked out the slow way: every put against every watcher. */
  private static long[] bruteForce(WatchKeys keys, int streams, int perStream, long puts) {
    Map<String, Long> putsPerKey = new HashMap<>();
    for (long i = 0; i < puts; i++) {
      putsPerKey.merge(HexFormat.of().formatHex(keys.keyOfPut(i)), 1L, Long::sum);
    }
    long[] expected = new long[streams];
    for (int s = 0; s < streams; s++) {
      for (int j = 0; j < perStream; j++) {
        String key = HexFormat.of().formatHex(keys.keyOfWatcher((long) s * perStream + j));
        expected[s] += putsPerKey.getOrDefault(key, 0L);
      }
    }
    return expected;
  }

  @ParameterizedTest(name = "keys={0} space={1} seq={2} streams={3}x{4} puts={5}")
  @CsvSource({
    // etcd's defaults: one key, 10 streams of 100 watchers, 1000 puts.
    "1, 1, false, 10, 100, 1000",
    // More keys than puts: the last keys get no put.
    "100, 1000, true, 3, 50, 37",
    // Sequential keys wrap around a small key space: keys 0 and 4 are equal bytes.
    "10, 4, true, 4, 7, 1001",
    // Random keys in a small space collide; collisions count as one key, as in etcd's map.
    "50, 8, false, 5, 9, 333",
    "7, 1000, false, 2, 3, 0",
  })
  void expectedEventsMatchEveryPutAgainstEveryWatcher(
      int keyTotal, long space, boolean sequential, int streams, int perStream, long puts) {
    WatchKeys keys = new WatchKeys(32, space, sequential, keyTotal, 1);
    assertArrayEquals(
        bruteForce(keys, streams, perStream, puts), keys.expectedEvents(streams, perStream, puts));
  }

  @Test
  void oneKeyMeansEveryWatcherSeesEveryPut() {
    WatchKeys keys = new WatchKeys(32, 1, false, 1, 1);
    long[] expected = keys.expectedEvents(10, 100, 1000);
    for (long e : expected) {
      assertEquals(100 * 1000, e);
    }
  }

  @Test
  void keysAreVarintsPaddedToTheKeySize() {
    WatchKeys keys = new WatchKeys(4, 1000, true, 300, 1);
    assertArrayEquals(new byte[] {0, 0, 0, 0}, keys.watchedKey(0));
    assertArrayEquals(new byte[] {(byte) 0xc6, 0x01, 0, 0}, keys.watchedKey(99)); // zigzag 198
    assertArrayEquals(keys.watchedKey(5), keys.keyOfWatcher(305));
    assertArrayEquals(keys.watchedKey(5), keys.keyOfPut(605));
  }

  @Test
  void badShapesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new WatchKeys(32, 1, false, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> new WatchKeys(32, 0, false, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> new WatchKeys(1, 1000, false, 1, 1));
    WatchKeys keys = new WatchKeys(32, 1, false, 1, 1);
    assertThrows(IllegalArgumentException.class, () -> keys.expectedEvents(0, 1, 1));
    assertThrows(IllegalArgumentException.class, () -> keys.expectedEvents(1, 1, -1));
  }

  @ParameterizedTest
  @CsvSource({
    // etcd's GetPrefixRangeEnd cases.
    "61, 62",
    "6162, 6163",
    "61ff, 62",
    "00ff, 01",
    "ff, 00",
    "ffff, 00",
    "0000, 0001",
  })
  void prefixEndIsEtcds(String prefixHex, String endHex) {
    HexFormat hex = HexFormat.of();
    assertEquals(endHex, hex.formatHex(WatchKeys.prefixEnd(hex.parseHex(prefixHex))));
  }
}
