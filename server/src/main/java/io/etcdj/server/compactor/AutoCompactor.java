package io.etcdj.server.compactor;

import io.etcdj.server.config.CompactionRetention;
import io.etcdj.server.config.GoDuration;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link CompactionPolicy} on its own timer thread (etcd's compactor goroutine): each
 * tick reads the revision and whether this member leads, and a compaction the policy asks for is
 * proposed through Raft like a client's Compact. Logs etcd 3.4's lines ("Starting auto-compaction
 * at revision ..."). All policy calls happen on the timer thread; the proposal's completion is
 * handed back to it.
 */
public final class AutoCompactor implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("compactor");

  /**
   * Test hook: a Go duration replacing revision mode's 5-minute interval, so a process test can
   * watch it work in seconds. Not an etcd setting.
   */
  static final String REVISION_INTERVAL_ENV = "ETCDJ_TEST_REVISION_COMPACTION_INTERVAL";

  /** What the compactor needs from the server. */
  public interface Host {
    /** The store's current revision. */
    long rev();

    /** True while this member is the leader. */
    boolean isLeader();

    /** Proposes {@code Compaction{revision}}; completes once applied, or with an etcd error. */
    CompletableFuture<?> compact(long revision);
  }

  private final CompactionPolicy policy;
  private final Host host;
  private final LongSupplier nanoClock;
  private final ScheduledThreadPoolExecutor timer;
  private volatile boolean closed;

  AutoCompactor(CompactionPolicy policy, Host host, LongSupplier nanoClock) {
    this.policy = policy;
    this.host = host;
    this.nanoClock = nanoClock;
    this.timer =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "etcdj-auto-compactor");
              t.setDaemon(true);
              return t;
            });
    timer.setRemoveOnCancelPolicy(true);
  }

  /** Starts auto-compaction as configured; null when the retention is 0 (off). */
  public static AutoCompactor start(CompactionRetention config, Host host) {
    if (!config.enabled()) {
      return null;
    }
    CompactionPolicy policy =
        config.mode().equals(CompactionRetention.REVISION)
            ? new RevisionCompaction(config.retention(), revisionIntervalNanos())
            : new PeriodicCompaction(config.retention());
    AutoCompactor compactor = new AutoCompactor(policy, host, System::nanoTime);
    compactor.timer.execute(compactor::begin);
    return compactor;
  }

  private static long revisionIntervalNanos() {
    String override = System.getenv(REVISION_INTERVAL_ENV);
    return override == null || override.isBlank()
        ? RevisionCompaction.INTERVAL_NANOS
        : Math.max(1_000_000L, GoDuration.parseNanos(override));
  }

  private void begin() {
    policy.started(nanoClock.getAsLong(), host.rev());
    scheduleTick();
  }

  private void scheduleTick() {
    if (!closed) {
      timer.schedule(this::tick, policy.intervalNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void tick() {
    long target = policy.tick(nanoClock.getAsLong(), host.rev(), host.isLeader());
    if (target == 0) {
      scheduleTick();
      return;
    }
    LOG.info("Starting auto-compaction at revision {} ({})", target, policy.retentionText());
    CompletableFuture<?> done;
    try {
      done = host.compact(target);
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete(
        (r, e) -> {
          if (!closed) {
            timer.execute(() -> finished(target, e));
          }
        });
  }

  private void finished(long target, Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
    // As etcd, a revision someone else compacted already counts as done.
    boolean ok =
        cause == null
            || (cause instanceof EtcdException ee && ee.error() == EtcdError.COMPACTED);
    if (ok) {
      LOG.info("Finished auto-compaction at revision {}", target);
    } else {
      LOG.info("Failed auto-compaction at revision {} ({})", target, cause.getMessage());
      LOG.info("Retry after {}", GoDuration.format(policy.intervalNanos()));
    }
    policy.finished(nanoClock.getAsLong(), host.rev(), ok);
    scheduleTick();
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }
}
