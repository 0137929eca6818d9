package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PutKeysTest {
  /** Vectors from Go's encoding/binary.PutVarint (zigzag, then 7 bits per byte, low first). */
  @ParameterizedTest
  @CsvSource({
    "0, 00",
    "1, 02",
    "-1, 01",
    "63, 7e",
    "64, 8001",
    "300, d804",
    "9223372036854775807, feffffffffffffffff01",
  })
  void putVarintMatchesGo(long value, String hex) {
    byte[] buffer = new byte[PutKeys.VARINT_BYTES_MAX];
    int written = PutKeys.putVarint(buffer, value);
    assertEquals(hex, hex(buffer, written));
    assertEquals(written, PutKeys.varintBytes(value));
  }

  @Test
  void keysHaveTheKeySizeAndAZeroTail() {
    PutKeys keys = new PutKeys(8, 1000, true, 1);
    byte[] key = keys.key(300);
    assertEquals(8, key.length);
    assertArrayEquals(new byte[] {(byte) 0xd8, 0x04, 0, 0, 0, 0, 0, 0}, key);
  }

  @Test
  void sequentialKeysCycleThroughTheKeySpace() {
    PutKeys keys = new PutKeys(8, 5, true, 1);
    for (long i = 0; i < 20; i++) {
      assertEquals(i % 5, keys.keyNumber(i));
    }
    assertArrayEquals(keys.key(2), keys.key(7));
  }

  @Test
  void defaultKeySpaceOfOneIsASingleKey() {
    PutKeys keys = new PutKeys(8, 1, false, 42);
    for (long i = 0; i < 100; i++) {
      assertArrayEquals(new byte[8], keys.key(i));
    }
  }

  @Test
  void randomKeysStayInTheKeySpaceAndCoverIt() {
    PutKeys keys = new PutKeys(8, 100, false, 7);
    Set<Long> seen = new HashSet<>();
    for (long i = 0; i < 10_000; i++) {
      long n = keys.keyNumber(i);
      assertTrue(n >= 0 && n < 100, "key number " + n);
      seen.add(n);
    }
    assertEquals(100, seen.size());
  }

  @Test
  void randomKeysAreNotSequentialButRepeatForASeed() {
    PutKeys a = new PutKeys(8, 1_000_000, false, 7);
    PutKeys b = new PutKeys(8, 1_000_000, false, 7);
    PutKeys c = new PutKeys(8, 1_000_000, false, 8);
    int sequentialSteps = 0;
    int differentFromOtherSeed = 0;
    for (long i = 0; i < 1000; i++) {
      assertArrayEquals(a.key(i), b.key(i));
      sequentialSteps += a.keyNumber(i + 1) == a.keyNumber(i) + 1 ? 1 : 0;
      differentFromOtherSeed += a.keyNumber(i) != c.keyNumber(i) ? 1 : 0;
    }
    assertTrue(sequentialSteps < 5, "sequential steps " + sequentialSteps);
    assertTrue(differentFromOtherSeed > 990, "same as other seed " + (1000 - differentFromOtherSeed));
  }

  @Test
  void keySizeMustHoldTheLargestKeyNumber() {
    // 64 encodes to two varint bytes, so a key space of 65 needs --key-size 2.
    assertThrows(IllegalArgumentException.class, () -> new PutKeys(1, 65, true, 1));
    PutKeys keys = new PutKeys(1, 64, true, 1);
    assertEquals(1, keys.key(63).length);
    assertEquals(2, new PutKeys(2, 65, true, 1).key(64).length);
  }

  @Test
  void keySpaceMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new PutKeys(8, 0, true, 1));
  }

  private static String hex(byte[] bytes, int length) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < length; i++) {
      s.append(String.format("%02x", bytes[i] & 0xff));
    }
    return s.toString();
  }
}
