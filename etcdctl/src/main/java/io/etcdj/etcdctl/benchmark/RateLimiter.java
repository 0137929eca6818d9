package io.etcdj.etcdctl.benchmark;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Spaces request starts evenly, like Go's {@code rate.NewLimiter(rate, 1)} used by etcd's tool: a
 * burst of one, so at most one request starts per {@code 1 / ratePerSecond}. Callers reserve a slot
 * and are told how long to wait for it; the limiter never sleeps, so it works from callback threads.
 *
 * <p>With a larger burst (etcd's {@code watch-latency} uses {@code rate.NewLimiter(rate, rate)}),
 * up to {@code burst - 1} slots missed while the caller was busy are given back at once, so a single
 * request loop whose requests sometimes take longer than the interval still keeps the average rate.
 * Unlike Go's limiter, which starts with a full bucket, this one starts with one slot, so a run
 * does not open with a burst.
 *
 * <p>Thread-safe (one CAS per reservation). The clock is injected for tests.
 */
final class RateLimiter {
  static final long BURST_MAX = 1_000_000;

  private final long intervalNanos;
  /** How far behind the clock the next slot may fall: (burst - 1) intervals. */
  private final long catchUpNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextSlotNanos;

  RateLimiter(long ratePerSecond, LongSupplier nanoClock) {
    this(ratePerSecond, 1, nanoClock);
  }

  RateLimiter(long ratePerSecond, long burst, LongSupplier nanoClock) {
    if (ratePerSecond <= 0 || burst <= 0 || burst > BURST_MAX) {
      throw new IllegalArgumentException(
          "rate must be positive and burst in 1.." + BURST_MAX + ": " + ratePerSecond + ", " + burst);
    }
    this.intervalNanos = Math.max(1, 1_000_000_000L / ratePerSecond);
    this.catchUpNanos = (burst - 1) * intervalNanos; // at most 1e6 * 1e9: no overflow
    this.nanoClock = nanoClock;
    this.nextSlotNanos = new AtomicLong(nanoClock.getAsLong());
  }

  /** Takes the next free slot and returns how many nanoseconds from now it starts (0 = now). */
  long reserveDelayNanos() {
    long nowNanos = nanoClock.getAsLong();
    while (true) {
      long next = nextSlotNanos.get();
      // An idle limiter banks at most burst - 1 slots: an older slot is moved up to that bound.
      long oldest = nowNanos - catchUpNanos;
      long slot = next - oldest < 0 ? oldest : next;
      if (nextSlotNanos.compareAndSet(next, slot + intervalNanos)) {
        return Math.max(0, slot - nowNanos);
      }
    }
  }
}
