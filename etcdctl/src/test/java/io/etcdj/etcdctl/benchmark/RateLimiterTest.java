package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private long nowNanos = 1_000;

  @Test
  void slotsAreSpacedByTheInterval() {
    RateLimiter limiter = new RateLimiter(1000, () -> nowNanos); // 1 ms apart
    assertEquals(0, limiter.reserveDelayNanos());
    assertEquals(1_000_000, limiter.reserveDelayNanos());
    assertEquals(2_000_000, limiter.reserveDelayNanos());
    nowNanos += 2_500_000;
    assertEquals(500_000, limiter.reserveDelayNanos());
  }

  @Test
  void anIdleLimiterDoesNotBankSlots() {
    RateLimiter limiter = new RateLimiter(10, () -> nowNanos);
    assertEquals(0, limiter.reserveDelayNanos());
    nowNanos += 10_000_000_000L; // idle for 100 intervals
    assertEquals(0, limiter.reserveDelayNanos());
    assertEquals(100_000_000, limiter.reserveDelayNanos());
  }

  @Test
  void aBurstGivesBackMissedSlots() {
    RateLimiter limiter = new RateLimiter(1000, 3, () -> nowNanos); // 1 ms apart, burst of 3
    assertEquals(0, limiter.reserveDelayNanos());
    nowNanos += 10_000_000; // the caller was busy for 10 intervals
    // Two missed slots come back at once (burst - 1), then pacing resumes.
    assertEquals(0, limiter.reserveDelayNanos());
    assertEquals(0, limiter.reserveDelayNanos());
    assertEquals(0, limiter.reserveDelayNanos());
    assertEquals(1_000_000, limiter.reserveDelayNanos());
  }

  @Test
  void aBurstDoesNotStartFull() {
    RateLimiter limiter = new RateLimiter(1000, 500, () -> nowNanos);
    assertEquals(0, limiter.reserveDelayNanos());
    assertEquals(1_000_000, limiter.reserveDelayNanos());
  }

  @Test
  void rateMustBePositive() {
    assertThrows(IllegalArgumentException.class, () -> new RateLimiter(1, 0, () -> nowNanos));
    assertThrows(
        IllegalArgumentException.class,
        () -> new RateLimiter(1, RateLimiter.BURST_MAX + 1, () -> nowNanos));
    assertThrows(IllegalArgumentException.class, () -> new RateLimiter(0, () -> nowNanos));
  }
}
