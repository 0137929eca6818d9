package io.etcdj.server.metrics;

import io.etcdj.storage.mvcc.TxnObserver;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * etcd's mvcc operation counters ({@code mvcc/metrics_txn.go}): when a txn of the store ends, its
 * range, put and deleteRange calls are added to {@code etcd_mvcc_range_total}, {@code _put_total}
 * and {@code _delete_total}, and {@code etcd_mvcc_txn_total} counts the txn if it made more than
 * one call. So a Put with prev_kv counts a range, a put and a txn; a Txn's compares are ranges;
 * each key a lease revoke deletes is one delete. Also times the backend commits ({@code
 * etcd_disk_backend_commit_duration_seconds}).
 *
 * <p>Called on the apply thread and on readers' threads: a few lock-free adds, no allocation.
 */
final class MvccMetrics implements TxnObserver {
  private final Counter ranges;
  private final Counter puts;
  private final Counter deletes;
  private final Counter txns;
  private final Histogram commits;

  MvccMetrics(PrometheusRegistry registry, Histogram commits) {
    this.commits = commits;
    ranges = counter(registry, "etcd_mvcc_range_total", "Total number of ranges seen by this member.");
    puts = counter(registry, "etcd_mvcc_put_total", "Total number of puts seen by this member.");
    deletes =
        counter(registry, "etcd_mvcc_delete_total", "Total number of deletes seen by this member.");
    txns = counter(registry, "etcd_mvcc_txn_total", "Total number of txns seen by this member.");
  }

  private static Counter counter(PrometheusRegistry registry, String name, String help) {
    return Counter.builder().name(name).help(help).withoutExemplars().register(registry);
  }

  @Override
  public void txnEnded(int ranges, int puts, int deletes) {
    if (ranges + puts + deletes > 1) {
      txns.inc();
    }
    if (ranges > 0) {
      this.ranges.inc(ranges);
    }
    if (puts > 0) {
      this.puts.inc(puts);
    }
    if (deletes > 0) {
      this.deletes.inc(deletes);
    }
  }

  @Override
  public void committed(long nanos) {
    commits.observe(nanos / 1e9);
  }

  long ranges() {
    return (long) ranges.get();
  }

  long puts() {
    return (long) puts.get();
  }

  long deletes() {
    return (long) deletes.get();
  }

  long txns() {
    return (long) txns.get();
  }
}
