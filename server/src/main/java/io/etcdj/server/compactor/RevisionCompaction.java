package io.etcdj.server.compactor;

/**
 * etcd's revision compactor: every 5 minutes, compacts to the current revision minus the
 * retention, unless that is not above 0 or is the revision it last compacted.
 */
final class RevisionCompaction implements CompactionPolicy {
  /** etcd's {@code revInterval}. */
  static final long INTERVAL_NANOS = 300_000_000_000L;

  private final long retentionRevisions;
  private final long intervalNanos;
  private long previous;
  private long pending;

  RevisionCompaction(long retentionRevisions, long intervalNanos) {
    if (retentionRevisions <= 0 || intervalNanos <= 0) {
      throw new IllegalArgumentException(
          "retention and interval must be positive: " + retentionRevisions + ", " + intervalNanos);
    }
    this.retentionRevisions = retentionRevisions;
    this.intervalNanos = intervalNanos;
  }

  @Override
  public long intervalNanos() {
    return intervalNanos;
  }

  @Override
  public void started(long nowNanos, long rev) {}

  @Override
  public long tick(long nowNanos, long rev, boolean leader) {
    long target = rev - retentionRevisions;
    if (!leader || target <= 0 || target == previous) {
      return 0;
    }
    pending = target;
    return target;
  }

  @Override
  public void finished(long nowNanos, long rev, boolean ok) {
    if (ok) {
      previous = pending;
    }
  }

  @Override
  public String retentionText() {
    return "retention: " + retentionRevisions + " revisions";
  }
}
