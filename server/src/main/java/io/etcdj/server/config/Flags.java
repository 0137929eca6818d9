package io.etcdj.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * etcd's command-line flags and their {@code ETCD_*} environment variables, read as etcd 3.4's etcdmain reads them
 * into a {@link ServerConfig}: Go's flag parser over the command line ({@link GoFlagSet}), then either the
 * {@code --config-file} or the environment, then etcd's checks. Names, defaults and error texts are etcd's: an unknown
 * flag or a bad value exits with status 2 as Go's flag parser does; setting a flag both ways, a bad variable and a
 * failed check exit with status 1 as etcd's verification does.
 */
public final class Flags {
  static final String DEFAULT_NAME = "default";
  static final String DEFAULT_PEER_URL = "http://localhost:2380";
  static final String DEFAULT_CLIENT_URL = "http://localhost:2379";

  /** Every etcd flag etcdj implements, by name; the refused ones are in {@link UnsupportedFlags}. */
  static final Map<String, FlagSpec> TABLE =
      table(
          FlagSpec.string("name", DEFAULT_NAME),
          FlagSpec.string("data-dir", ""),
          FlagSpec.string("listen-client-urls", DEFAULT_CLIENT_URL),
          FlagSpec.string("advertise-client-urls", DEFAULT_CLIENT_URL),
          FlagSpec.string("listen-peer-urls", DEFAULT_PEER_URL),
          FlagSpec.string("initial-advertise-peer-urls", DEFAULT_PEER_URL),
          FlagSpec.string("initial-cluster", ""),
          FlagSpec.string("initial-cluster-state", "new"),
          FlagSpec.string("initial-cluster-token", "etcd-cluster"),
          // etcd's extra listeners serving only /metrics and /health; empty means none.
          FlagSpec.string("listen-metrics-urls", ""),
          // "extensive" adds the gRPC handling-time histograms to /metrics; as in etcd, any other value is basic.
          FlagSpec.string("metrics", "basic"),
          FlagSpec.uint("max-request-bytes", "1572864", Long.MAX_VALUE),
          FlagSpec.uint("max-txn-ops", "128", Integer.MAX_VALUE),
          // A negative quota is etcd's way to turn the quota off (see BackendQuota).
          FlagSpec.int64("quota-backend-bytes", "0"),
          FlagSpec.string("log-level", "info"),
          FlagSpec.uint32("max-concurrent-streams", "4294967295"),
          FlagSpec.duration("grpc-keepalive-min-time", "5s"),
          FlagSpec.duration("grpc-keepalive-interval", "2h"),
          FlagSpec.duration("grpc-keepalive-timeout", "20s"),
          // etcd 3.4's logger: "capnslog" (the default, deprecated) or "zap".
          FlagSpec.string("logger", "capnslog"),
          // Comma-separated: default, stderr, stdout or file paths (see LogSettings).
          FlagSpec.string("log-outputs", LogSettings.DEFAULT_OUTPUT),
          // The deprecated single-output spelling of --log-outputs.
          FlagSpec.string("log-output", ""),
          // The deprecated spelling of --log-level=debug.
          FlagSpec.bool("debug", "false"),
          FlagSpec.uint("snapshot-count", "100000", Long.MAX_VALUE),
          // Entries kept in the log after a snapshot for slow followers (etcd 3.5.13+; 3.6 renames it
          // --snapshot-catchup-entries).
          FlagSpec.uint("experimental-snapshot-catchup-entries", "5000", Long.MAX_VALUE),
          FlagSpec.uint("heartbeat-interval", "100", Long.MAX_VALUE),
          FlagSpec.uint("election-timeout", "1000", Long.MAX_VALUE),
          // As etcd 3.4, a value ≤ 0 keeps the 10-minute default and a positive one below 100 ms is raised to it.
          FlagSpec.duration("experimental-watch-progress-notify-interval", "10m"),
          FlagSpec.bool("strict-reconfig-check", "true"),
          FlagSpec.bool("initial-election-tick-advance", "true"),
          // etcd 3.4 defaults it to false; etcdj to true, so a leader change neither resets a lease's remaining TTL
          // nor revokes it early.
          FlagSpec.bool("experimental-enable-lease-checkpoint", "true"),
          // "periodic" or "revision": how --auto-compaction-retention is read.
          FlagSpec.string("auto-compaction-mode", "periodic"),
          // Hours, a Go duration or a revision count (see CompactionRetention); 0 is off.
          FlagSpec.string("auto-compaction-retention", "0"),
          // Raft snapshot files and WAL segment files kept (0 keeps all).
          FlagSpec.uint("max-snapshots", "5", Long.MAX_VALUE),
          FlagSpec.uint("max-wals", "5", Long.MAX_VALUE),
          // Compare hashes with peers at start.
          FlagSpec.bool("experimental-initial-corrupt-check", "false"),
          // How often the leader compares hashes with its followers; 0 is off.
          FlagSpec.duration("experimental-corrupt-check-time", "0s"),
          // Client TLS (see io.etcdj.server.tls): an https:// client URL serves TLS with these.
          FlagSpec.string("cert-file", ""),
          // Without certificate files: a self-signed one in <data-dir>/fixtures/client (peer).
          FlagSpec.bool("auto-tls", "false"),
          FlagSpec.bool("peer-auto-tls", "false"),
          FlagSpec.string("key-file", ""),
          FlagSpec.bool("client-cert-auth", "false"),
          FlagSpec.string("client-crl-file", ""),
          FlagSpec.string("client-cert-allowed-hostname", ""),
          FlagSpec.string("trusted-ca-file", ""),
          // Go's names, comma-separated; TLS 1.2 suites only, as in Go.
          FlagSpec.string("cipher-suites", ""),
          // Peer TLS: an https:// peer URL serves and dials with these.
          FlagSpec.string("peer-cert-file", ""),
          FlagSpec.string("peer-key-file", ""),
          FlagSpec.bool("peer-client-cert-auth", "false"),
          FlagSpec.string("peer-trusted-ca-file", ""),
          FlagSpec.string("peer-cert-allowed-cn", ""),
          FlagSpec.string("peer-cert-allowed-hostname", ""),
          FlagSpec.string("peer-crl-file", ""),
          FlagSpec.bool("experimental-peer-skip-client-san-verification", "false"),
          // When set (or ETCD_CONFIG_FILE), the file's settings replace every other flag and variable.
          FlagSpec.string("config-file", ""));

  /** The command line's parser: --version is not among its flags, as EtcdMain answers it before parsing. */
  private static final GoFlagSet PARSER = new GoFlagSet(TABLE);

  /** The parser as it runs before etcd's --help is seen: --version is one of etcd's bool flags there. */
  private static final GoFlagSet HELP_PARSER = new GoFlagSet(withVersion());

  /** Every flag etcd would read from an {@code ETCD_*} variable, refused ones included, in Go's VisitAll order. */
  private static final Set<String> ENVIRONMENT_ORDER = environmentOrder();

  private Flags() {}

  private static Map<String, FlagSpec> table(FlagSpec... specs) {
    Map<String, FlagSpec> out = new LinkedHashMap<>();
    for (FlagSpec spec : specs) {
      if (out.put(spec.name(), spec) != null || UnsupportedFlags.FLAGS.containsKey(spec.name())) {
        throw new IllegalStateException("--" + spec.name() + " is declared twice");
      }
      spec.parse(spec.defaultValue()); // a default etcdj could not read would fail every start
    }
    return Collections.unmodifiableMap(out);
  }

  private static Map<String, FlagSpec> withVersion() {
    Map<String, FlagSpec> out = new LinkedHashMap<>(TABLE);
    out.put("version", FlagSpec.bool("version", "false"));
    return out;
  }

  private static Set<String> environmentOrder() {
    Set<String> out = new TreeSet<>(TABLE.keySet());
    out.addAll(UnsupportedFlags.FLAGS.keySet());
    return Collections.unmodifiableSet(out);
  }

  /** The flags the parser knows, in declaration order, for the help's consistency test. */
  static List<FlagSpec> options() {
    return List.copyOf(TABLE.values());
  }

  /** Parses args and environment into a validated config. */
  public static ServerConfig parse(String[] args, Map<String, String> env) {
    GoFlagSet.Parsed parsed = commandLine(args);
    // As etcd: the command line's --config-file, else ETCD_CONFIG_FILE; with a file, the ETCD_* variables are
    // not read at all, refused ones included.
    String file = parsed.string("config-file");
    if (file.isEmpty()) {
      String fromEnv = env.get("ETCD_CONFIG_FILE");
      file = fromEnv == null ? "" : fromEnv;
    }
    if (!file.isEmpty()) {
      Path path = Path.of(file);
      return validate(commandLine(ConfigFile.arguments(path).toArray(new String[0])), path);
    }
    applyEnvironment(parsed, env);
    return validate(parsed, null);
  }

  /** Go's flag parse, then etcd's refusal of arguments left over. */
  private static GoFlagSet.Parsed commandLine(String[] args) {
    GoFlagSet.Parsed parsed = PARSER.parse(args);
    if (parsed.error != null) {
      throw parsed.error;
    }
    if (parsed.help != null) {
      throw new FlagException("flag provided but not defined: -" + parsed.help, 2); // EtcdMain answers help first
    }
    if (!parsed.rest.isEmpty()) {
      throw new FlagException("'" + parsed.rest.get(0) + "' is not a valid flag", 1);
    }
    return parsed;
  }

  /**
   * etcd's pkg/flags over the {@code ETCD_*} variables: a flag also given on the command line is fatal; an empty
   * variable is skipped; each other one sets its flag unless that is refused or the value is bad. As etcd, every
   * variable is tried (in flag-name order) and the last error is the one reported.
   */
  private static void applyEnvironment(GoFlagSet.Parsed parsed, Map<String, String> env) {
    for (String name : parsed.given) {
      String key = envName(name);
      if (env.containsKey(key)) {
        throw new FlagException(
            "conflicting environment variable \""
                + key
                + "\" is shadowed by corresponding command-line flag (either unset environment"
                + " variable or disable flag)",
            1);
      }
    }
    FlagException last = null;
    for (String name : ENVIRONMENT_ORDER) {
      String key = envName(name);
      String value = env.get(key);
      if (value == null || value.isEmpty()) {
        continue;
      }
      FlagSpec spec = TABLE.get(name);
      if (spec != null) {
        try {
          parsed.set(name, spec.parse(value));
        } catch (IllegalArgumentException e) {
          last = new FlagException("invalid value " + GoStrconv.quote(value) + " for " + key + ": " + e.getMessage(), 1);
        }
      } else {
        UnsupportedFlags.Refusal r = UnsupportedFlags.FLAGS.get(name);
        if (!r.accepted().contains(value)) {
          last = new FlagException(UnsupportedFlags.message(name, value, r) + " (from " + key + ")", 1);
        }
      }
    }
    if (last != null) {
      throw last;
    }
  }

  /**
   * Whether etcd would answer these arguments with its help: Go's flag parser reads them in order and stops at the
   * first {@code -h}, {@code -help} (any dash count, any {@code =value}: neither is a defined flag, so the value is
   * never looked at), at the first non-flag argument or {@code --}, or at the first bad flag. Flags before the help
   * flag are still parsed, so a bad one among them throws its {@link FlagException} (exit 2) instead; flags after it,
   * the environment and the checks after parsing do not matter, as in etcd.
   */
  public static boolean helpRequested(String[] args) {
    GoFlagSet.Parsed parsed = HELP_PARSER.parse(args);
    if (parsed.help != null && parsed.error != null) {
      throw parsed.error;
    }
    return parsed.help != null;
  }

  /** The --config-file given on the command line or in ETCD_CONFIG_FILE, or null: read without parsing the rest. */
  public static String configFileArgument(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--config-file") || a.equals("-config-file")) {
        return i + 1 < args.length ? args[i + 1] : null;
      }
      if (a.startsWith("--config-file=") || a.startsWith("-config-file=")) {
        return a.substring(a.indexOf('=') + 1);
      }
    }
    String fromEnv = env.get("ETCD_CONFIG_FILE");
    return fromEnv == null || fromEnv.isEmpty() ? null : fromEnv;
  }

  /**
   * The {@code ETCD_*} variables that set a flag, as etcd's pkg/flags reports them at start-up
   * ("recognized and used environment variable ETCD_NAME=infra1"): non-empty values only (etcd
   * skips empty ones), in flag-name order, the order Go's flag set visits flags in.
   */
  public static List<String> recognizedEnvironment(Map<String, String> env) {
    TreeMap<String, String> byFlag = new TreeMap<>();
    for (String name : TABLE.keySet()) {
      String key = envName(name);
      String value = env.get(key);
      if (value != null && !value.isEmpty()) {
        byFlag.put(name, key + "=" + value);
      }
    }
    List<String> out = new ArrayList<>();
    for (String v : byFlag.values()) {
      out.add("recognized and used environment variable " + v);
    }
    return out;
  }

  /**
   * The {@code ETCD_*} variables that name no flag, or are empty: etcd only warns about them ("unrecognized
   * environment variable ETCD_FOO=bar"), so the caller logs these lines and goes on.
   */
  public static List<String> unrecognizedEnvironment(Map<String, String> env) {
    Set<String> known = new HashSet<>();
    for (String name : ENVIRONMENT_ORDER) {
      known.add(envName(name));
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
      // An empty variable sets nothing, so etcd counts it as unrecognized even when it names a flag.
      if (e.getKey().startsWith("ETCD_") && (!known.contains(e.getKey()) || e.getValue().isEmpty())) {
        out.add("unrecognized environment variable " + e.getKey() + "=" + e.getValue());
      }
    }
    return out;
  }

  /** The variable for a flag, from its name with or without dashes: "data-dir" is ETCD_DATA_DIR. */
  static String envName(String flag) {
    int start = flag.startsWith("--") ? 2 : flag.startsWith("-") ? 1 : 0;
    return "ETCD_" + flag.substring(start).replace('-', '_').toUpperCase(Locale.ROOT);
  }

  /** etcd's checks after parsing, then the config; {@code fromFile} is the --config-file read, or null. */
  private static ServerConfig validate(GoFlagSet.Parsed flags, Path fromFile) {
    String name = flags.string("name");
    if (name.isEmpty()) {
      name = DEFAULT_NAME;
    }
    List<URI> advertisePeers = urls("initial-advertise-peer-urls", flags.string("initial-advertise-peer-urls"));
    // As etcd, --initial-cluster only matters on a first start: a problem with it is kept and
    // reported when a member with an empty data dir needs it, so a restart ignores the flag.
    Map<String, List<URI>> cluster = new LinkedHashMap<>();
    String clusterError = null;
    String initialCluster = flags.string("initial-cluster");
    if (initialCluster.isEmpty()) {
      // As etcd: without --initial-cluster, this member alone at its advertised peer URLs.
      cluster.put(name, advertisePeers);
    } else {
      try {
        cluster = parseCluster(initialCluster);
      } catch (FlagException e) {
        clusterError = "error setting up initial cluster: " + e.getMessage();
      }
    }
    if (clusterError == null && !cluster.containsKey(name)) {
      clusterError = "couldn't find local name \"" + name + "\" in the initial cluster configuration";
    }
    String initialClusterState = flags.string("initial-cluster-state");
    if (!initialClusterState.equals("new") && !initialClusterState.equals("existing")) {
      throw new FlagException(
          "invalid value \""
              + initialClusterState
              + "\" for flag -initial-cluster-state: invalid value \""
              + initialClusterState
              + "\"",
          2);
    }
    long maxRequestBytes = flags.number("max-request-bytes");
    if (maxRequestBytes <= 0) {
      throw new FlagException("--max-request-bytes must be positive", 1);
    }
    int maxTxnOps = (int) flags.number("max-txn-ops"); // its FlagSpec caps it at Integer.MAX_VALUE
    if (maxTxnOps <= 0) {
      throw new FlagException("--max-txn-ops must be positive", 1);
    }
    long heartbeatIntervalMs = flags.number("heartbeat-interval");
    long electionTimeoutMs = flags.number("election-timeout");
    if (heartbeatIntervalMs <= 0 || electionTimeoutMs <= 0) {
      throw new FlagException("--heartbeat-interval and --election-timeout must be positive", 1);
    }
    if (electionTimeoutMs < 5 * heartbeatIntervalMs) {
      // etcd's own check, with its message.
      throw new FlagException(
          "--election-timeout["
              + electionTimeoutMs
              + "ms] should be at least as 5 times as --heartbeat-interval["
              + heartbeatIntervalMs
              + "ms]",
          1);
    }
    long snapshotCount = flags.number("snapshot-count");
    if (snapshotCount <= 0) {
      throw new FlagException("--snapshot-count must be positive", 1);
    }
    long snapshotCatchUpEntries = flags.number("experimental-snapshot-catchup-entries");
    if (snapshotCatchUpEntries <= 0) {
      throw new FlagException("--experimental-snapshot-catchup-entries must be positive", 1);
    }
    GrpcSettings grpc =
        new GrpcSettings(
            flags.number("max-concurrent-streams"),
            flags.number("grpc-keepalive-min-time"),
            flags.number("grpc-keepalive-interval"),
            flags.number("grpc-keepalive-timeout"));
    LogSettings logging = logSettings(flags);
    String level = logging.effectiveLevel();
    String autoCompactionMode = flags.string("auto-compaction-mode");
    if (!autoCompactionMode.isEmpty()
        && !autoCompactionMode.equals(CompactionRetention.PERIODIC)
        && !autoCompactionMode.equals(CompactionRetention.REVISION)) {
      throw new FlagException("unknown auto-compaction-mode \"" + autoCompactionMode + "\"", 1);
    }
    CompactionRetention retention =
        CompactionRetention.parse(autoCompactionMode, flags.string("auto-compaction-retention"));
    String dataDir = flags.string("data-dir");
    Path dir = Path.of(dataDir.isEmpty() ? name + ".etcd" : dataDir);
    long watchProgressNotifyIntervalNanos = flags.number("experimental-watch-progress-notify-interval");
    String listenMetricsUrls = flags.string("listen-metrics-urls");
    return new ServerConfig(
        name,
        dir,
        urls("listen-client-urls", flags.string("listen-client-urls")),
        urls("advertise-client-urls", flags.string("advertise-client-urls")),
        urls("listen-peer-urls", flags.string("listen-peer-urls")),
        advertisePeers,
        cluster,
        initialClusterState,
        flags.string("initial-cluster-token"),
        maxRequestBytes,
        maxTxnOps,
        flags.number("quota-backend-bytes"),
        level,
        snapshotCount,
        snapshotCatchUpEntries,
        heartbeatIntervalMs,
        electionTimeoutMs,
        16_384,
        4_096,
        flags.bool("strict-reconfig-check"),
        flags.bool("initial-election-tick-advance"),
        clusterError,
        watchProgressNotifyIntervalNanos <= 0
            ? ServerConfig.WATCH_PROGRESS_DEFAULT_NANOS
            : Math.max(watchProgressNotifyIntervalNanos, ServerConfig.WATCH_PROGRESS_MIN_NANOS),
        flags.bool("experimental-enable-lease-checkpoint"),
        logging,
        fromFile,
        grpc,
        listenMetricsUrls.isBlank() ? List.of() : urls("listen-metrics-urls", listenMetricsUrls),
        flags.string("metrics").equals("extensive"),
        retention,
        flags.number("max-snapshots"),
        flags.number("max-wals"),
        flags.bool("experimental-initial-corrupt-check"),
        flags.number("experimental-corrupt-check-time"),
        clientTls(flags),
        peerTls(flags));
  }

  /** {@code --cipher-suites}: Go's names, comma-separated; every one must be Go's. */
  private static List<String> cipherSuites(GoFlagSet.Parsed flags) {
    List<String> ciphers = new ArrayList<>();
    for (String c : flags.string("cipher-suites").split(",")) {
      if (!c.isBlank()) {
        ciphers.add(c.trim());
      }
    }
    try {
      io.etcdj.server.tls.TlsInfo.checkCipherSuites(ciphers);
    } catch (IllegalArgumentException e) {
      throw new FlagException(e.getMessage(), 1);
    }
    return List.copyOf(ciphers);
  }

  /**
   * The client side's TLS flags; an https:// client URL without a certificate and key is etcd's
   * error. The files themselves are read when the listeners start, as etcd reads them.
   */
  private static io.etcdj.server.tls.TlsInfo clientTls(GoFlagSet.Parsed flags) {
    io.etcdj.server.tls.TlsInfo info =
        new io.etcdj.server.tls.TlsInfo(
            flags.string("cert-file"),
            flags.string("key-file"),
            flags.string("trusted-ca-file"),
            flags.bool("client-cert-auth"),
            flags.string("client-crl-file"),
            "",
            flags.string("client-cert-allowed-hostname"),
            cipherSuites(flags),
            true,
            flags.bool("auto-tls"));
    for (URI u : urls("listen-client-urls", flags.string("listen-client-urls"))) {
      if (u.getScheme().equals("https") && info.empty() && !info.autoTls()) {
        throw new FlagException(
            "TLS key/cert (--cert-file, --key-file) must be provided for client url " + u + " with HTTPS scheme", 1);
      }
    }
    return info;
  }

  /**
   * The peer side's TLS flags ({@code --peer-*}); an https:// listen peer URL without a
   * certificate and key is etcd's error ("cannot listen on TLS for ...").
   */
  private static io.etcdj.server.tls.TlsInfo peerTls(GoFlagSet.Parsed flags) {
    io.etcdj.server.tls.TlsInfo info =
        new io.etcdj.server.tls.TlsInfo(
            flags.string("peer-cert-file"),
            flags.string("peer-key-file"),
            flags.string("peer-trusted-ca-file"),
            flags.bool("peer-client-cert-auth"),
            flags.string("peer-crl-file"),
            flags.string("peer-cert-allowed-cn"),
            flags.string("peer-cert-allowed-hostname"),
            cipherSuites(flags),
            flags.bool("experimental-peer-skip-client-san-verification"),
            flags.bool("peer-auto-tls"));
    for (URI u : urls("listen-peer-urls", flags.string("listen-peer-urls"))) {
      if (u.getScheme().equals("https") && info.empty() && !info.autoTls()) {
        throw new FlagException(
            "cannot listen on TLS for " + u.getHost() + ":" + u.getPort() + ": KeyFile and CertFile are not presented", 1);
      }
    }
    return info;
  }

  /** etcd's logging flags, with the deprecated {@code --log-output} folded in as etcd does. */
  private static LogSettings logSettings(GoFlagSet.Parsed flags) {
    String outputs = flags.string("log-outputs");
    String deprecatedLogOutput = flags.string("log-output");
    if (!deprecatedLogOutput.isEmpty()) {
      if (flags.given.contains("log-outputs")) {
        throw new FlagException(
            "both '--log-output' and '--log-outputs' are set; only set '--log-outputs'", 1);
      }
      System.err.println("'--log-output' flag has been deprecated! Please use '--log-outputs'!");
      outputs = deprecatedLogOutput;
    }
    return LogSettings.of(flags.string("logger"), outputs, flags.string("log-level"), flags.bool("debug"));
  }

  private static Map<String, List<URI>> parseCluster(String spec) {
    Map<String, List<URI>> cluster = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new FlagException("invalid value \"" + spec + "\" for --initial-cluster", 1);
      }
      String member = part.substring(0, eq).trim();
      URI url = url("initial-cluster", part.substring(eq + 1).trim());
      cluster.computeIfAbsent(member, k -> new ArrayList<>()).add(url);
    }
    return cluster;
  }

  private static List<URI> urls(String flag, String csv) {
    List<URI> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(url(flag, s.trim()));
      }
    }
    if (out.isEmpty()) {
      throw new FlagException("--" + flag + " must not be empty", 1);
    }
    return List.copyOf(out);
  }

  private static URI url(String flag, String s) {
    URI u;
    try {
      u = new URI(s);
    } catch (URISyntaxException e) {
      throw new FlagException("invalid value \"" + s + "\" for flag -" + flag + ": " + e.getMessage(), 2);
    }
    if (u.getScheme() == null || u.getHost() == null || u.getPort() < 0) {
      throw new FlagException(
          "invalid value \"" + s + "\" for flag -" + flag + ": URL must be scheme://host:port", 2);
    }
    if ("unixs".equals(u.getScheme())) {
      throw new FlagException("TLS (" + s + ") is not supported yet", 1);
    }
    if ("unix".equals(u.getScheme())) {
      // As etcd, a client may listen on and advertise a unix socket; peers talk over TCP only here.
      if (!flag.equals("listen-client-urls") && !flag.equals("advertise-client-urls")) {
        throw new FlagException(
            "--" + flag + "=" + s + " is not supported by etcdj: unix sockets serve clients only", 2);
      }
      return u;
    }
    if (!u.getScheme().equals("http") && !u.getScheme().equals("https")) {
      throw new FlagException(
          "invalid value \"" + s + "\" for flag -" + flag + ": URL scheme must be http or https",
          2);
    }
    return u;
  }
}
