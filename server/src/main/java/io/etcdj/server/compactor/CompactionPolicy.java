package io.etcdj.server.compactor;

/**
 * One auto-compaction policy as a step machine (etcd's {@code Compactor} loop bodies). The driver
 * calls {@link #started} once, then {@link #tick} every {@link #intervalNanos}; when a tick asks
 * for a compaction, the next tick waits until {@link #finished} reports its outcome. Confined to
 * the driver's thread.
 */
interface CompactionPolicy {
  /** How long the driver waits between ticks (etcd's retry interval). */
  long intervalNanos();

  /** The driver started at {@code nowNanos}; the store's revision is {@code rev}. */
  void started(long nowNanos, long rev);

  /**
   * A tick at {@code nowNanos}.
   *
   * @param rev the store's current revision
   * @param leader whether this member leads now (followers never compact)
   * @return the revision to compact now, or 0 for none
   */
  long tick(long nowNanos, long rev, boolean leader);

  /**
   * The compaction a tick asked for ended at {@code nowNanos}: {@code ok} when it was applied or
   * the revision was already compacted; {@code rev} is the store's revision by then.
   */
  void finished(long nowNanos, long rev, boolean ok);

  /** The retention as etcd's log lines print it, e.g. "retention: 1h0m0s". */
  String retentionText();
}
