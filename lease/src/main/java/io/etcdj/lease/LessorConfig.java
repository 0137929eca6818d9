package io.etcdj.lease;

import java.util.concurrent.TimeUnit;

/**
 * The lessor's settings, validated.
 *
 * @param minTtlSeconds the least TTL a grant gets (etcd: ceil(1.5 × election timeout))
 * @param checkpointEnabled whether the leader replicates remaining TTLs, so a leader change
 *     neither resets a lease to its full TTL nor revokes it early
 * @param checkpointIntervalNanos the longest time between two checkpoints of an idle lease
 *     (etcd's lease checkpoint interval, 5 min); shorter leases are checkpointed every quarter of
 *     their TTL, but not more often than every {@link #CHECKPOINT_PERIOD_MIN_NANOS}
 * @param revokeRatePerSecond the most expired leases proposed for revocation per second (etcd's
 *     leaseRevokeRate, 1000)
 * @param expiredRetryNanos after proposing a lease's revocation, when to propose it again if it
 *     has not been applied (etcd's expiredLeaseRetryInterval, 3 s)
 * @param checkpointBatchMax checkpoints per proposal (etcd's maxLeaseCheckpointBatchSize, 1000)
 */
public record LessorConfig(
    long minTtlSeconds,
    boolean checkpointEnabled,
    long checkpointIntervalNanos,
    int revokeRatePerSecond,
    long expiredRetryNanos,
    int checkpointBatchMax) {

  public static final long CHECKPOINT_PERIOD_MIN_NANOS = TimeUnit.SECONDS.toNanos(2);
  public static final long CHECKPOINT_INTERVAL_DEFAULT_NANOS = TimeUnit.MINUTES.toNanos(5);

  public LessorConfig {
    if (minTtlSeconds < 1) {
      throw new IllegalArgumentException("minTtlSeconds " + minTtlSeconds);
    }
    if (checkpointIntervalNanos < CHECKPOINT_PERIOD_MIN_NANOS) {
      throw new IllegalArgumentException("checkpointIntervalNanos " + checkpointIntervalNanos);
    }
    if (revokeRatePerSecond < 2 || expiredRetryNanos <= 0 || checkpointBatchMax < 1) {
      throw new IllegalArgumentException("lessor limits " + this);
    }
  }

  /** etcd's settings for a given election timeout, with checkpoints on or off. */
  public static LessorConfig of(long electionTimeoutMs, boolean checkpointEnabled) {
    long minTtl = (long) Math.ceil(1.5 * electionTimeoutMs / 1000.0);
    return new LessorConfig(
        Math.max(1, minTtl),
        checkpointEnabled,
        CHECKPOINT_INTERVAL_DEFAULT_NANOS,
        1_000,
        TimeUnit.SECONDS.toNanos(3),
        1_000);
  }
}
