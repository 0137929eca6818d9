package io.etcdj.server.config;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The validated, immutable configuration of one member. Every limit the server enforces lives
 * here, with etcd's defaults (see {@link Flags}).
 *
 * @param initialCluster member name → its peer URLs, in the order given
 * @param strictReconfigCheck etcd's {@code --strict-reconfig-check}: refuse membership changes
 *     that could cost the cluster its quorum (not enough started or connected members)
 * @param initialElectionTickAdvance etcd's {@code --initial-election-tick-advance}: once this
 *     member is connected to its peers after a start, fast-forward its election clock so a cluster
 *     without a leader elects one sooner
 * @param initialClusterError why {@code --initial-cluster} cannot be used (etcd's message), or
 *     null; only a first start fails on it, as etcd reads the flag only then ({@code
 *     initialCluster} is empty when this is set)
 * @param watchProgressNotifyIntervalNanos how often idle watchers that asked for progress
 *     notifications get one
 * @param leaseCheckpoint etcd's {@code --experimental-enable-lease-checkpoint} (on by default in
 *     etcdj): the leader replicates remaining lease TTLs so a leader change does not reset them
 * @param logging etcd's --logger, --log-outputs, --log-level and --debug
 * @param configFile the --config-file this configuration was read from, or null when it came from
 *     the command line and environment
 * @param grpc etcd's gRPC connection limits and keepalive settings for the client port
 * @param listenMetricsUrls etcd's {@code --listen-metrics-urls}: extra HTTP listeners serving only
 *     {@code /metrics} and {@code /health}; empty for none
 * @param metricsExtensive etcd's {@code --metrics extensive}: adds the gRPC handling-time
 *     histograms to /metrics
 * @param autoCompaction etcd's {@code --auto-compaction-mode} and {@code
 *     --auto-compaction-retention}, parsed
 * @param maxSnapshots etcd's {@code --max-snapshots}: raft snapshot files kept, 0 for all
 * @param maxWals etcd's {@code --max-wals}: WAL segment files kept, 0 for all
 * @param initialCorruptCheck etcd's {@code --experimental-initial-corrupt-check}: compare this
 *     member's hash with its peers' before serving clients and refuse to start on a mismatch
 * @param clientTls the client side's TLS flags ({@code --cert-file} and its family)
 * @param peerTls the peer side's ({@code --peer-cert-file} and its family)
 * @param corruptCheckTimeNanos etcd's {@code --experimental-corrupt-check-time}: how often the
 *     leader compares hashes with its followers; 0 never
 */
public record ServerConfig(
    String name,
    Path dataDir,
    List<URI> listenClientUrls,
    List<URI> advertiseClientUrls,
    List<URI> listenPeerUrls,
    List<URI> initialAdvertisePeerUrls,
    Map<String, List<URI>> initialCluster,
    String initialClusterState,
    String initialClusterToken,
    long maxRequestBytes,
    int maxTxnOps,
    long quotaBackendBytes,
    String logLevel,
    long snapshotCount,
    long snapshotCatchUpEntries,
    long heartbeatIntervalMs,
    long electionTimeoutMs,
    int proposalQueueMax,
    int applyBatchEntriesMax,
    boolean strictReconfigCheck,
    boolean initialElectionTickAdvance,
    String initialClusterError,
    long watchProgressNotifyIntervalNanos,
    boolean leaseCheckpoint,
    LogSettings logging,
    Path configFile,
    GrpcSettings grpc,
    List<URI> listenMetricsUrls,
    boolean metricsExtensive,
    CompactionRetention autoCompaction,
    long maxSnapshots,
    long maxWals,
    boolean initialCorruptCheck,
    long corruptCheckTimeNanos,
    io.etcdj.server.tls.TlsInfo clientTls,
    io.etcdj.server.tls.TlsInfo peerTls) {

  /** etcd's default watch progress notification period (10 min). */
  public static final long WATCH_PROGRESS_DEFAULT_NANOS = 600_000_000_000L;

  /** etcd's {@code minWatchProgressInterval} (100 ms): shorter positive periods are raised to it. */
  public static final long WATCH_PROGRESS_MIN_NANOS = 100_000_000L;

  /** etcd's backend quota when --quota-backend-bytes is 0. */
  public static final long DEFAULT_QUOTA_BYTES = 2L * 1024 * 1024 * 1024;

  /** gRPC receive limit: the request limit plus etcd's 512 KiB of slack for framing. */
  public int grpcMaxInboundMessageBytes() {
    long bytes = maxRequestBytes + 512 * 1024;
    return (int) Math.min(Integer.MAX_VALUE, bytes);
  }

  /** The backend quota in force: the default when the flag is 0, negative when there is none. */
  public long effectiveQuotaBytes() {
    return quotaBackendBytes == 0 ? DEFAULT_QUOTA_BYTES : quotaBackendBytes;
  }

  /**
   * etcd's ReqTimeout: how long a write or a linearizable read may wait for the cluster before it
   * fails with "request timed out" (5 s plus two election timeouts).
   */
  public long requestTimeoutMs() {
    return 5_000 + 2 * electionTimeoutMs;
  }

  /** Raft ticks in an election timeout (etcd: election-timeout / heartbeat-interval). */
  public int electionTicks() {
    return (int) (electionTimeoutMs / heartbeatIntervalMs);
  }

  public Path memberDir() {
    return dataDir.resolve("member");
  }

  public Path walDir() {
    return memberDir().resolve("wal");
  }

  public Path backendDir() {
    return memberDir().resolve("snap").resolve("db");
  }
}
