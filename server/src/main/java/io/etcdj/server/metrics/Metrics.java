package io.etcdj.server.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;

/**
 * The metrics of one member, in etcd 3.4.23's names: the holder the server owns and passes to the
 * parts that record. Server state that etcd keeps in gauges (leader, indexes, revisions, db size)
 * is read from a {@link ServerState} when scraped; events (health checks, gRPC calls, leader
 * changes) are counted where they happen.
 */
public final class Metrics {
  /** Content type of {@link #write}: Prometheus text format 0.0.4, as etcd's promhttp handler. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  /** What the scrape-time gauges read. Every method is called on the scrape thread. */
  public interface ServerState {
    long memberId();

    /** The leader's id, 0 when there is none. */
    long leaderId();

    boolean isLearner();

    long quotaBackendBytes();

    long committedIndex();

    long appliedIndex();

    long dbTotalBytes();

    long dbInUseBytes();

    long keys();

    long currentRevision();

    long compactRevision();
  }

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private static final long JVM_REGISTRATION_WAIT_MILLIS = 5_000;
  private volatile Thread jvmRegistration;
  /** How long after the member serves the JVM metrics are registered, unless a scrape comes first. */
  static final long JVM_REGISTRATION_DELAY_MILLIS = 2_000;
  /** Counted down by the first scrape: the registration then starts at once. */
  private final java.util.concurrent.CountDownLatch jvmRegistrationDue =
      new java.util.concurrent.CountDownLatch(1);
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final boolean extensive;

  /** etcd_server_health_success: /health answers that said true. */
  public final UnsuffixedCounter healthSuccess;

  /** etcd_server_health_failures: /health answers that said false. */
  public final UnsuffixedCounter healthFailures;

  /** etcd_server_leader_changes_seen_total. */
  public final Counter leaderChanges;

  private final GrpcServerMetrics grpc;

  /** etcd_disk_wal_fsync_duration_seconds, with etcd's buckets (1 ms to 8 s, doubling). */
  private final Histogram walFsync;

  /** etcd_disk_backend_commit_duration_seconds, with the same buckets as the WAL's. */
  private final Histogram backendCommit;

  /** etcd_server_proposals_pending and _failed_total. */
  private final ProposalMetrics proposals;

  /** etcd_mvcc_put_total, _delete_total, _range_total, _txn_total. */
  private final MvccMetrics mvcc;

  /** etcd_network_peer_*. */
  private final PeerMetrics peers;

  /** etcd's disk histogram buckets: {@code ExponentialBuckets(0.001, 2, 14)}. */
  static final double[] DISK_BUCKETS = exponential(0.001, 2, 14);

  /**
   * @param extensive etcd's {@code --metrics extensive}: adds the gRPC handling-time histograms
   */
  public Metrics(boolean extensive) {
    this.extensive = extensive;
    healthSuccess =
        new UnsuffixedCounter(
            "etcd_server_health_success", "The total number of successful health checks");
    healthFailures =
        new UnsuffixedCounter(
            "etcd_server_health_failures", "The total number of failed health checks");
    leaderChanges =
        counter("etcd_server_leader_changes_seen_total", "The number of leader changes seen.");
    grpc = new GrpcServerMetrics(registry, extensive);
    walFsync =
        Histogram.builder()
            .name("etcd_disk_wal_fsync_duration_seconds")
            .help("The latency distributions of fsync called by WAL.")
            .classicUpperBounds(DISK_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    backendCommit =
        Histogram.builder()
            .name("etcd_disk_backend_commit_duration_seconds")
            .help("The latency distributions of commit called by backend.")
            .classicUpperBounds(DISK_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
    proposals = new ProposalMetrics(registry);
    mvcc = new MvccMetrics(registry, backendCommit);
    peers = new PeerMetrics(registry);
  }

  /**
   * Registers jvm_* (etcd's go_* counterpart) and process_*, which etcd exposes under the same
   * names, on a thread of their own: they start the JDK's JMX, ~0.15 s of CPU that a restarting
   * member should not spend before it serves, nor while it answers its first clients (their
   * first calls run cold code too), so the thread starts on it {@link
   * #JVM_REGISTRATION_DELAY_MILLIS} later, or at once for a scrape, which waits for it. Call once.
   */
  public void registerJvmMetricsInBackground() {
    Thread t =
        new Thread(
            () -> {
              try {
                jvmRegistrationDue.await(
                    JVM_REGISTRATION_DELAY_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // register anyway: scrapes expect them
              }
              JvmMetrics.builder().register(registry);
            },
            "etcdj-jvm-metrics");
    t.setDaemon(true);
    jvmRegistration = t;
    t.start();
  }

  /** Records one WAL fdatasync (called by the WAL on the raft loop thread). */
  public void walFsyncNanos(long nanos) {
    walFsync.observe(nanos / 1e9);
  }

  /** The proposal counters, fed by the server's propose path. */
  public ProposalMetrics proposals() {
    return proposals;
  }

  /** The store's observer: mvcc operation counters and backend commit times. */
  public io.etcdj.storage.mvcc.TxnObserver mvcc() {
    return mvcc;
  }

  /** The peer transport's observer: bytes and round trips per peer. */
  public PeerMetrics peers() {
    return peers;
  }

  static double[] exponential(double start, double factor, int count) {
    double[] out = new double[count];
    double v = start;
    for (int i = 0; i < count; i++) {
      out[i] = v;
      v *= factor;
    }
    return out;
  }

  /** The gRPC server metrics and their interceptor. */
  public GrpcServerMetrics grpc() {
    return grpc;
  }

  public boolean extensive() {
    return extensive;
  }

  /**
   * Registers the gauges that read {@code state} when scraped: etcd's identity, leadership, raft
   * index, quota, backend size and mvcc gauges. Called once, when the server is up.
   */
  public void watch(ServerState state, String serverVersion, String clusterVersion) {
    gauge(
        "etcd_server_has_leader",
        "Whether or not a leader exists. 1 is existence, 0 is not.",
        () -> state.leaderId() != 0 ? 1 : 0);
    gauge(
        "etcd_server_is_leader",
        "Whether or not this member is a leader. 1 if is, 0 otherwise.",
        () -> state.leaderId() != 0 && state.leaderId() == state.memberId() ? 1 : 0);
    gauge(
        "etcd_server_is_learner",
        "Whether or not this member is a learner. 1 if is, 0 otherwise.",
        () -> state.isLearner() ? 1 : 0);
    labelled(
        "etcd_server_id",
        "Server or member ID in hexadecimal format. 1 for 'server_id' label with current ID.",
        "server_id",
        Long.toHexString(state.memberId()));
    labelled(
        "etcd_server_version",
        "Which version is running. 1 for 'server_version' label with current version.",
        "server_version",
        serverVersion);
    labelled(
        "etcd_cluster_version",
        "Which version is running. 1 for 'cluster_version' label with current cluster version",
        "cluster_version",
        majorMinor(clusterVersion));
    gauge(
        "etcd_server_quota_backend_bytes",
        "Current backend storage quota size in bytes.",
        state::quotaBackendBytes);
    gauge(
        "etcd_server_proposals_committed_total",
        "The total number of consensus proposals committed.",
        state::committedIndex);
    gauge(
        "etcd_server_proposals_applied_total",
        "The total number of consensus proposals applied.",
        state::appliedIndex);
    gauge(
        "etcd_mvcc_db_total_size_in_bytes",
        "Total size of the underlying database physically allocated in bytes.",
        state::dbTotalBytes);
    gauge(
        "etcd_mvcc_db_total_size_in_use_in_bytes",
        "Total size of the underlying database logically in use in bytes.",
        state::dbInUseBytes);
    gauge("etcd_debugging_mvcc_keys_total", "Total number of keys.", state::keys);
    gauge(
        "etcd_debugging_mvcc_current_revision",
        "The current revision of store.",
        state::currentRevision);
    gauge(
        "etcd_debugging_mvcc_compact_revision",
        "The revision of the last compaction in store.",
        state::compactRevision);
  }

  /** Writes every metric in text format 0.0.4. Runs on the scrape thread. */
  public void write(OutputStream out) throws IOException {
    jvmRegistrationDue.countDown();
    Thread registering = jvmRegistration;
    if (registering != null && registering.isAlive()) {
      try {
        registering.join(JVM_REGISTRATION_WAIT_MILLIS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    writer.write(out, registry.scrape());
    Writer text = new OutputStreamWriter(out, StandardCharsets.UTF_8);
    healthFailures.write(text);
    healthSuccess.write(text);
    text.flush();
  }

  /** etcd labels its cluster version gauge with major.minor ("3.4"). */
  static String majorMinor(String version) {
    int first = version.indexOf('.');
    int second = first < 0 ? -1 : version.indexOf('.', first + 1);
    return second < 0 ? version : version.substring(0, second);
  }

  private Counter counter(String name, String help) {
    return Counter.builder().name(name).help(help).withoutExemplars().register(registry);
  }

  private void gauge(String name, String help, java.util.function.LongSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsLong()))
        .register(registry);
  }

  /** etcd's identity gauges: always 1, the identity in a label. */
  private void labelled(String name, String help, String label, String value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .labelNames(label)
        .callback(cb -> cb.call(1, value))
        .register(registry);
  }
}
