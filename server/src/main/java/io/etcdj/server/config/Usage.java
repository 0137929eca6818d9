package io.etcdj.server.config;

import java.io.PrintStream;
import java.util.List;
import java.util.Set;

/**
 * What {@code etcd --help} prints (etcdmain/help.go's usage and flag lines), in etcd 3.4.23's layout: the usage block
 * goes to stderr (Go's flag package prints it on every flag error too), the flag list to stdout. Sections, flag order
 * and the shown defaults with their quoting are etcd's, so tools that read etcd's help read ours; the descriptions
 * say what etcdj does. A refused flag's line is made from {@link UnsupportedFlags}, so it cannot drift from what the
 * parser does. Flags etcd defines but leaves out of its help ({@code --config-file} aside, shown in the usage block)
 * are left out here too.
 */
public final class Usage {
  /** One flag line: the default exactly as shown (quotes included, or none as etcd prints some ints). */
  record Entry(String flag, String shownDefault, String description) {}

  /** A titled group of flags; {@code preamble} lines come between the title and the flags. */
  record Section(String title, List<String> preamble, List<Entry> entries, List<String> epilogue) {}

  /** etcd's usage block, printed before the flags and after a flag error: commands in etcd's order. */
  static final String USAGE_LINE =
      """
      Usage:

        etcd [flags]
          Start an etcdj member (etcd's v3 API and flags, written in Java).

        etcd --version
          Print the etcd API version etcdj serves, with the Java runtime in place of Go's.

        etcd -h | --help
          Print this help: the usage on stderr, the flags on stdout.

        etcd --config-file
          Read every setting from this YAML file; flags and ETCD_* variables given as well are then ignored.

        etcd gateway
          etcd's TCP forwarding proxy: not part of etcdj ('gateway' is refused as not a valid flag).

        etcd grpc-proxy
          etcd's gRPC reverse proxy: not part of etcdj ('grpc-proxy' is refused as not a valid flag).
      """;

  static final List<Section> SECTIONS =
      List.of(
          section(
              "Member",
              e("name", "'default'", "This member's name, as it appears in --initial-cluster."),
              e("data-dir", "'${name}.etcd'", "Where the WAL, snapshots and LMDB store live."),
              refused("wal-dir", "''"),
              e("snapshot-count", "'100000'", "Applied entries between two raft snapshots."),
              e("heartbeat-interval", "'100'", "Leader heartbeat period in milliseconds (one raft tick)."),
              e(
                  "election-timeout",
                  "'1000'",
                  "Milliseconds without a leader before a follower campaigns; at least 5 heartbeats."),
              e(
                  "initial-election-tick-advance",
                  "'true'",
                  "On start, skip most of the first election timeout so a new cluster elects sooner."),
              e("listen-peer-urls", "'http://localhost:2380'", "Where this member accepts raft traffic (http only)."),
              e(
                  "listen-client-urls",
                  "'http://localhost:2379'",
                  "Where this member serves gRPC, the JSON gateway and /health, /metrics (http or unix)."),
              e("max-snapshots", "'5'", "Raft snapshot files kept in member/snap; 0 keeps them all."),
              e("max-wals", "'5'", "WAL segment files kept in member/wal; 0 keeps them all."),
              e(
                  "quota-backend-bytes",
                  "'0'",
                  "Store size that raises the NOSPACE alarm; 0 means 2 GiB, a negative value means no quota."),
              refused("backend-batch-interval", "''"),
              refused("backend-batch-limit", "'0'"),
              e("max-txn-ops", "'128'", "Most operations one Txn may hold."),
              e("max-request-bytes", "'1572864'", "Largest client request accepted, in bytes."),
              e(
                  "max-concurrent-streams",
                  "'math.MaxUint32'",
                  "Most HTTP/2 streams one client connection may have open (4294967295)."),
              e(
                  "grpc-keepalive-min-time",
                  "'5s'",
                  "Shortest interval between client pings before the connection is closed."),
              e("grpc-keepalive-interval", "'2h'", "How often the server pings an idle client; 0 turns it off."),
              e(
                  "grpc-keepalive-timeout",
                  "'20s'",
                  "How long a ping may go unanswered before the connection is closed; 0 turns it off.")),
          section(
              "Clustering",
              e(
                  "initial-advertise-peer-urls",
                  "'http://localhost:2380'",
                  "Peer URLs this member announces to the others."),
              e(
                  "initial-cluster",
                  "'default=http://localhost:2380'",
                  "Every member of a new cluster as name=peer-url,...; read only while the data dir is empty."),
              e("initial-cluster-state", "'new'", "'new' to form a cluster, 'existing' to join one after member add."),
              e(
                  "initial-cluster-token",
                  "'etcd-cluster'",
                  "Mixed into the cluster and member ids, so that two clusters on the same URLs never merge."),
              e(
                  "advertise-client-urls",
                  "'http://localhost:2379'",
                  "Client URLs this member announces (member list, etcdctl --cluster)."),
              refused("discovery", "''"),
              refused("discovery-fallback", "'proxy'"),
              refused("discovery-proxy", "''"),
              refused("discovery-srv", "''"),
              refused("discovery-srv-name", "''"),
              e(
                  "strict-reconfig-check",
                  "'true'",
                  "Refuse member changes that would leave the cluster without a quorum of started members."),
              refused("pre-vote", "'false'"),
              e(
                  "auto-compaction-retention",
                  "'0'",
                  "History kept by automatic compaction (hours or a duration, or revisions); 0 turns it off."),
              e(
                  "auto-compaction-mode",
                  "'periodic'",
                  "'periodic' reads the retention as time, 'revision' as a number of revisions."),
              refused("enable-v2", "'false'")),
          section(
              "Security",
              e("cert-file", "''", "Path to the client server TLS cert file."),
              e("key-file", "''", "Path to the client server TLS key file."),
              e("client-cert-auth", "'false'", "Enable client cert authentication."),
              e("client-crl-file", "''", "Path to the client certificate revocation list file."),
              e("client-cert-allowed-hostname", "''", "Allowed TLS hostname for client cert authentication."),
              e("trusted-ca-file", "''", "Path to the client server TLS trusted CA cert file."),
              e("auto-tls", "'false'", "Client TLS using generated certificates."),
              e("peer-cert-file", "''", "Path to the peer server TLS cert file."),
              e("peer-key-file", "''", "Path to the peer server TLS key file."),
              e("peer-client-cert-auth", "'false'", "Enable peer client cert authentication."),
              e("peer-trusted-ca-file", "''", "Path to the peer server TLS trusted CA file."),
              e("peer-cert-allowed-cn", "''", "Required CN for client certs connecting to the peer endpoint."),
              e("peer-cert-allowed-hostname", "''", "Allowed TLS hostname for inter peer authentication."),
              e("peer-auto-tls", "'false'", "Peer TLS using self-generated certificates if --peer-key-file and --peer-cert-file are not provided."),
              e("peer-crl-file", "''", "Path to the peer certificate revocation list file."),
              e(
                  "cipher-suites",
                  "''",
                  "Comma-separated list of supported TLS cipher suites between client/server and peers (empty will be auto-populated by Java)."),
              refused("cors", "'*'"),
              refused("host-whitelist", "'*'")),
          section(
              "Auth",
              refused("auth-token", "'simple'"),
              refused("bcrypt-cost", "10"),
              refused("auth-token-ttl", "300")),
          section(
              "Profiling and Monitoring",
              refused("enable-pprof", "'false'"),
              e(
                  "metrics",
                  "'basic'",
                  "'extensive' adds gRPC handling-time histograms to /metrics; any other value is basic."),
              e(
                  "listen-metrics-urls",
                  "''",
                  "Extra listeners serving only /metrics and /health; empty means none.")),
          section(
              "Logging",
              e("logger", "'capnslog'", "Log format: 'capnslog' lines or 'zap' JSON."),
              e(
                  "log-outputs",
                  "'default'",
                  "Where logs go: default (stderr), stderr, stdout, or files (zap only) as a comma-separated list."),
              e("log-level", "'info'", "Least severe level logged: debug, info, warn, error, panic or fatal.")),
          section(
              "v2 Proxy (to be deprecated in v4)",
              refused("proxy", "'off'"),
              refused("proxy-failure-wait", "5000"),
              refused("proxy-refresh-interval", "30000"),
              refused("proxy-dial-timeout", "1000"),
              refused("proxy-write-timeout", "5000"),
              refused("proxy-read-timeout", "0")),
          section(
              "Experimental feature",
              e(
                  "experimental-initial-corrupt-check",
                  "'false'",
                  "Compare this member's store hash with its peers' before serving."),
              e(
                  "experimental-corrupt-check-time",
                  "'0s'",
                  "How often the leader compares store hashes with its followers; 0s turns it off."),
              refused("experimental-enable-v2v3", "''"),
              refused("experimental-backend-bbolt-freelist-type", "'array'"),
              e(
                  "experimental-enable-lease-checkpoint",
                  "'true'",
                  "Replicate each lease's remaining TTL, so a new leader neither renews nor expires it early"
                      + " (etcd 3.4 defaults to false)."),
              refused("experimental-compaction-batch-limit", "1000"),
              e("experimental-peer-skip-client-san-verification", "'false'", "Skip verification of SAN field in client certificate for peer connections."),
              e(
                  "experimental-watch-progress-notify-interval",
                  "'10m'",
                  "Period of progress notifications to watchers that asked for them (at least 100ms)."),
              refused("experimental-warning-apply-duration", "'100ms'"),
              e(
                  "experimental-snapshot-catchup-entries",
                  "'5000'",
                  "Entries kept in the log after a snapshot for slow followers (etcdj only; etcd 3.5.13+).")),
          new Section(
              "Unsafe feature",
              List.of(),
              List.of(refused("force-new-cluster", "'false'")),
              List.of("", "CAUTIOUS with unsafe flag! It may break the guarantees given by the consensus protocol!")),
          new Section(
              "TO BE DEPRECATED",
              List.of(""),
              List.of(
                  e("debug", "'false'", "Same as --log-level=debug (deprecated in etcd)."),
                  refused("log-package-levels", "''")),
              List.of()));

  /** Flags etcd 3.4.23 defines but leaves out of its help; etcdj parses or refuses them all the same. */
  static final Set<String> UNLISTED =
      Set.of(
          "config-file",
          "log-output",
          "enable-grpc-gateway",
          "experimental-enable-lease-checkpoint-persist",
          "unsafe-no-fsync");

  private Usage() {}

  /** Prints the help as etcd does: usage block on {@code err}, flags on {@code out}. */
  public static void print(PrintStream out, PrintStream err) {
    err.println(USAGE_LINE);
    err.flush();
    out.print(flagLines());
    out.flush();
  }

  /** The usage block alone, what Go's flag package prints after a flag error. */
  public static void printUsageLine(PrintStream err) {
    err.println(USAGE_LINE);
  }

  /** The flag list as etcd's flagsline: a blank line, then each section. */
  static String flagLines() {
    StringBuilder sb = new StringBuilder("\n");
    for (Section s : SECTIONS) {
      sb.append(s.title()).append(":\n");
      s.preamble().forEach(line -> sb.append(line).append('\n'));
      for (Entry en : s.entries()) {
        sb.append("  --").append(en.flag()).append(' ').append(en.shownDefault()).append('\n');
        sb.append("    ").append(en.description()).append('\n');
      }
      s.epilogue().forEach(line -> sb.append(line).append('\n'));
      sb.append('\n');
    }
    return sb.toString();
  }

  private static Section section(String title, Entry... entries) {
    return new Section(title, List.of(), List.of(entries), List.of());
  }

  private static Entry e(String flag, String shownDefault, String description) {
    return new Entry(flag, shownDefault, description);
  }

  /** A flag etcdj refuses: the line says so, the values it accepts anyway, and why. */
  private static Entry refused(String flag, String shownDefault) {
    UnsupportedFlags.Refusal r = UnsupportedFlags.FLAGS.get(flag);
    if (r == null) {
      throw new IllegalStateException("--" + flag + " is not in UnsupportedFlags");
    }
    List<String> accepted = r.accepted().stream().sorted().map(v -> "'" + v + "'").toList();
    return new Entry(
        flag, shownDefault, "Refused by etcdj unless " + String.join(" or ", accepted) + ": " + r.reason() + ".");
  }
}
