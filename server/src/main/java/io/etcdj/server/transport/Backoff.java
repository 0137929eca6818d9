package io.etcdj.server.transport;

import java.util.SplittableRandom;

/**
 * Reconnect delays: start at {@code initialMillis}, double after each failure up to {@code
 * maxMillis}, reset after a stream was accepted. Each delay is jittered by ±20% so that members
 * restarted together do not redial in lockstep.
 *
 * <p>Thread confinement: one peer writer thread.
 */
final class Backoff {
  private final long initialMillis;
  private final long maxMillis;
  private final SplittableRandom random;
  private long nextMillis;

  Backoff(long initialMillis, long maxMillis, long seed) {
    if (initialMillis < 1 || maxMillis < initialMillis) {
      throw new IllegalArgumentException("backoff " + initialMillis + ".." + maxMillis);
    }
    this.initialMillis = initialMillis;
    this.maxMillis = maxMillis;
    this.random = new SplittableRandom(seed);
    this.nextMillis = initialMillis;
  }

  /** The delay before the next attempt; the one after it is twice as long (capped). */
  long nextDelayMillis() {
    long base = nextMillis;
    nextMillis = Math.min(maxMillis, base * 2);
    long spread = base / 5;
    long delay = spread == 0 ? base : base - spread + random.nextLong(2 * spread + 1);
    assert delay >= 1 && delay <= maxMillis + maxMillis / 5 : delay;
    return delay;
  }

  void reset() {
    nextMillis = initialMillis;
  }
}
