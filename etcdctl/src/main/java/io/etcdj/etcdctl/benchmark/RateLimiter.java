package io.etcdj.etcdctl.benchmark;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Spaces request starts evenly, like Go's {@code rate.NewLimiter(rate, 1)} used by etcd's tool: a
 * burst of one, so at most one request starts per {@code 1 / ratePerSecond}. Callers reserve a slot
 * and are told how long to wait for it; the limiter never sleeps, so it works from callback threads.
 *
 * <p>Thread-safe (one CAS per reservation). The clock is injected for tests.
 */
final class RateLimiter {
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final AtomicLong nextSlotNanos;

  RateLimiter(long ratePerSecond, LongSupplier nanoClock) {
    if (ratePerSecond <= 0) {
      throw new IllegalArgumentException("rate must be positive: " + ratePerSecond);
    }
    this.intervalNanos = Math.max(1, 1_000_000_000L / ratePerSecond);
    this.nanoClock = nanoClock;
    this.nextSlotNanos = new AtomicLong(nanoClock.getAsLong());
  }

  /** Takes the next free slot and returns how many nanoseconds from now it starts (0 = now). */
  long reserveDelayNanos() {
    long nowNanos = nanoClock.getAsLong();
    while (true) {
      long next = nextSlotNanos.get();
      // An idle limiter does not bank slots: a slot in the past is moved to now (burst of one).
      long slot = next - nowNanos < 0 ? nowNanos : next;
      if (nextSlotNanos.compareAndSet(next, slot + intervalNanos)) {
        return slot - nowNanos;
      }
    }
  }
}
