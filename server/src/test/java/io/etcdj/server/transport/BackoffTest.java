package io.etcdj.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BackoffTest {
  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 99})
  void doublesWithinJitterUpToTheCapAndResets(long seed) {
    Backoff b = new Backoff(50, 2_000, seed);
    long[] bases = {50, 100, 200, 400, 800, 1_600, 2_000, 2_000, 2_000};
    for (long base : bases) {
      long d = b.nextDelayMillis();
      assertTrue(d >= base - base / 5 && d <= base + base / 5, base + " -> " + d);
    }
    b.reset();
    long d = b.nextDelayMillis();
    assertTrue(d >= 40 && d <= 60, "after reset: " + d);
  }

  @Test
  void sameSeedSameDelays() {
    Backoff x = new Backoff(50, 2_000, 7);
    Backoff y = new Backoff(50, 2_000, 7);
    for (int i = 0; i < 20; i++) {
      assertEquals(x.nextDelayMillis(), y.nextDelayMillis());
    }
  }

  @Test
  void tinyDelaysAreNotJitteredBelowOne() {
    Backoff b = new Backoff(1, 4, 1);
    assertEquals(1, b.nextDelayMillis());
    assertEquals(2, b.nextDelayMillis());
  }

  @Test
  void rejectsBadBounds() {
    assertThrows(IllegalArgumentException.class, () -> new Backoff(0, 10, 1));
    assertThrows(IllegalArgumentException.class, () -> new Backoff(10, 5, 1));
  }
}
