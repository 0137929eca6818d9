package io.etcdj.server.compactor;

import io.etcdj.server.config.GoDuration;
import java.util.ArrayDeque;

/**
 * etcd's periodic compactor: keeps the revision seen at each tick over the last retention period
 * and compacts to the oldest one, first once a whole period has passed since the start, then
 * every period again (at most every hour for periods above an hour). Ticks come every tenth of
 * the period (at most 6 minutes), which is also how soon a failed compaction is retried.
 */
final class PeriodicCompaction implements CompactionPolicy {
  private static final long HOUR_NANOS = 3_600_000_000_000L;

  /** A floor for the tick interval, so a period of a few nanoseconds does not spin the timer. */
  private static final long INTERVAL_MIN_NANOS = 1_000_000L;

  private final long periodNanos;
  private final long compactIntervalNanos;
  private final long retryIntervalNanos;
  private final int revisionsMax;
  /** The revision at each of the last ticks; the first is the one a period ago. */
  private final ArrayDeque<Long> revs = new ArrayDeque<>();

  private long lastSuccessNanos;
  /** The whole period before the first compaction, then at most an hour. */
  private long baseIntervalNanos;

  PeriodicCompaction(long periodNanos) {
    if (periodNanos <= 0) {
      throw new IllegalArgumentException("periodNanos must be positive: " + periodNanos);
    }
    this.periodNanos = periodNanos;
    this.compactIntervalNanos = Math.min(periodNanos, HOUR_NANOS);
    this.retryIntervalNanos = Math.max(INTERVAL_MIN_NANOS, compactIntervalNanos / 10);
    // One entry per tick: the deque grows by one every few minutes at most (long periods tick
    // every 6 minutes), up to this bound.
    this.revisionsMax = (int) Math.min(Integer.MAX_VALUE, periodNanos / retryIntervalNanos + 1);
  }

  @Override
  public long intervalNanos() {
    return retryIntervalNanos;
  }

  @Override
  public void started(long nowNanos, long rev) {
    lastSuccessNanos = nowNanos;
    baseIntervalNanos = periodNanos;
    record(rev);
  }

  @Override
  public long tick(long nowNanos, long rev, boolean leader) {
    if (!leader || nowNanos - lastSuccessNanos < baseIntervalNanos) {
      record(rev);
      return 0;
    }
    baseIntervalNanos = compactIntervalNanos;
    return revs.peekFirst();
  }

  @Override
  public void finished(long nowNanos, long rev, boolean ok) {
    if (ok) {
      lastSuccessNanos = nowNanos;
    }
    record(rev);
  }

  @Override
  public String retentionText() {
    return "retention: " + GoDuration.format(periodNanos);
  }

  private void record(long rev) {
    revs.addLast(rev);
    if (revs.size() > revisionsMax) {
      revs.removeFirst();
    }
  }
}
