package io.etcdj.server.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * etcd's command-line flags and their {@code ETCD_*} environment variables, parsed with picocli
 * into a {@link ServerConfig}. Names, defaults and error texts follow etcd 3.4: {@code --flag v},
 * {@code --flag=v} and the single-dash Go forms work; setting a flag both ways is fatal; an
 * unknown flag or a bad value exits with status 2 as etcd's Go flag parser does.
 */
@CommandLine.Command(name = "etcd", mixinStandardHelpOptions = false)
public final class Flags {
  static final String DEFAULT_NAME = "default";
  static final String DEFAULT_PEER_URL = "http://localhost:2380";
  static final String DEFAULT_CLIENT_URL = "http://localhost:2379";

  @Option(names = {"--name", "-name"}, defaultValue = DEFAULT_NAME)
  String name;

  @Option(names = {"--data-dir", "-data-dir"}, defaultValue = "")
  String dataDir;

  @Option(names = {"--listen-client-urls", "-listen-client-urls"}, defaultValue = DEFAULT_CLIENT_URL)
  String listenClientUrls;

  @Option(
      names = {"--advertise-client-urls", "-advertise-client-urls"},
      defaultValue = DEFAULT_CLIENT_URL)
  String advertiseClientUrls;

  @Option(names = {"--listen-peer-urls", "-listen-peer-urls"}, defaultValue = DEFAULT_PEER_URL)
  String listenPeerUrls;

  @Option(
      names = {"--initial-advertise-peer-urls", "-initial-advertise-peer-urls"},
      defaultValue = DEFAULT_PEER_URL)
  String initialAdvertisePeerUrls;

  @Option(names = {"--initial-cluster", "-initial-cluster"}, defaultValue = "")
  String initialCluster;

  @Option(names = {"--initial-cluster-state", "-initial-cluster-state"}, defaultValue = "new")
  String initialClusterState;

  @Option(
      names = {"--initial-cluster-token", "-initial-cluster-token"},
      defaultValue = "etcd-cluster")
  String initialClusterToken;

  /** etcd's extra listeners serving only /metrics and /health; empty means none. */
  @Option(names = {"--listen-metrics-urls", "-listen-metrics-urls"}, defaultValue = "")
  String listenMetricsUrls;

  /**
   * etcd's level of detail of /metrics: "extensive" adds the gRPC handling-time histograms; as in
   * etcd, any other value means basic.
   */
  @Option(names = {"--metrics", "-metrics"}, defaultValue = "basic")
  String metrics;

  @Option(names = {"--max-request-bytes", "-max-request-bytes"}, defaultValue = "1572864")
  long maxRequestBytes;

  @Option(names = {"--max-txn-ops", "-max-txn-ops"}, defaultValue = "128")
  int maxTxnOps;

  @Option(names = {"--quota-backend-bytes", "-quota-backend-bytes"}, defaultValue = "0")
  long quotaBackendBytes;

  @Option(names = {"--log-level", "-log-level"}, defaultValue = "info")
  String logLevel;

  /** A uint32 in etcd: checked in {@link #validate}. */
  @Option(names = {"--max-concurrent-streams", "-max-concurrent-streams"}, defaultValue = "4294967295")
  long maxConcurrentStreams;

  @Option(
      names = {"--grpc-keepalive-min-time", "-grpc-keepalive-min-time"},
      defaultValue = "5s",
      converter = GoDuration.class)
  long grpcKeepaliveMinTimeNanos;

  @Option(
      names = {"--grpc-keepalive-interval", "-grpc-keepalive-interval"},
      defaultValue = "2h",
      converter = GoDuration.class)
  long grpcKeepaliveIntervalNanos;

  @Option(
      names = {"--grpc-keepalive-timeout", "-grpc-keepalive-timeout"},
      defaultValue = "20s",
      converter = GoDuration.class)
  long grpcKeepaliveTimeoutNanos;

  /** etcd 3.4's logger: "capnslog" (the default, deprecated) or "zap". */
  @Option(names = {"--logger", "-logger"}, defaultValue = "capnslog")
  String logger;

  /** Comma-separated: default, stderr, stdout or file paths (see {@link LogSettings}). */
  @Option(names = {"--log-outputs", "-log-outputs"}, defaultValue = LogSettings.DEFAULT_OUTPUT)
  String logOutputs;

  /** The deprecated single-output spelling of {@link #logOutputs}. */
  @Option(names = {"--log-output", "-log-output"}, defaultValue = "")
  String deprecatedLogOutput;

  /** A Go bool flag, like {@link #strictReconfigCheck}: the deprecated spelling of debug level. */
  @Option(names = {"--debug", "-debug"}, defaultValue = "false")
  String debug;

  @Option(names = {"--snapshot-count", "-snapshot-count"}, defaultValue = "100000")
  long snapshotCount;

  /** Entries kept in the log after a snapshot for slow followers (etcd 3.5.13+; 3.6 renames it --snapshot-catchup-entries), default 5000. */
  @Option(
      names = {"--experimental-snapshot-catchup-entries", "-experimental-snapshot-catchup-entries"},
      defaultValue = "5000")
  long snapshotCatchUpEntries;

  @Option(names = {"--heartbeat-interval", "-heartbeat-interval"}, defaultValue = "100")
  long heartbeatIntervalMs;

  @Option(names = {"--election-timeout", "-election-timeout"}, defaultValue = "1000")
  long electionTimeoutMs;

  /**
   * etcd 3.4's watch progress notification period (a Go duration). As etcd, a value ≤ 0 keeps the
   * 10-minute default and a positive one below 100 ms is raised to 100 ms.
   */
  @Option(
      names = {
        "--experimental-watch-progress-notify-interval",
        "-experimental-watch-progress-notify-interval"
      },
      defaultValue = "10m",
      converter = GoDuration.class)
  long watchProgressNotifyIntervalNanos;

  /** A Go bool flag: parsed in {@link #validate} with Go's rules (see {@link #goBoolArgs}). */
  @Option(names = {"--strict-reconfig-check", "-strict-reconfig-check"}, defaultValue = "true")
  String strictReconfigCheck;

  /** A Go bool flag, like {@link #strictReconfigCheck}. */
  @Option(
      names = {"--initial-election-tick-advance", "-initial-election-tick-advance"},
      defaultValue = "true")
  String initialElectionTickAdvance;

  /**
   * A Go bool flag, like {@link #strictReconfigCheck}. etcd 3.4 defaults it to false; etcdj to true,
   * so a leader change neither resets a lease's remaining TTL nor revokes it early.
   */
  @Option(
      names = {"--experimental-enable-lease-checkpoint", "-experimental-enable-lease-checkpoint"},
      defaultValue = "true")
  String enableLeaseCheckpoint;

  /** {@code periodic} or {@code revision}: how {@link #autoCompactionRetention} is read. */
  @Option(names = {"--auto-compaction-mode", "-auto-compaction-mode"}, defaultValue = "periodic")
  String autoCompactionMode;

  /** Hours, a Go duration or a revision count (see {@link CompactionRetention}); 0 is off. */
  @Option(
      names = {"--auto-compaction-retention", "-auto-compaction-retention"},
      defaultValue = "0")
  String autoCompactionRetention;

  /** A Go uint flag: raft snapshot files kept in member/snap (0 keeps all). */
  @Option(names = {"--max-snapshots", "-max-snapshots"}, defaultValue = "5")
  String maxSnapshots;

  /** A Go uint flag: WAL segment files kept in member/wal (0 keeps all). */
  @Option(names = {"--max-wals", "-max-wals"}, defaultValue = "5")
  String maxWals;

  /** A Go bool flag, like {@link #strictReconfigCheck}: compare hashes with peers at start. */
  @Option(
      names = {"--experimental-initial-corrupt-check", "-experimental-initial-corrupt-check"},
      defaultValue = "false")
  String initialCorruptCheck;

  /** A Go duration: how often the leader compares hashes with its followers; 0 is off. */
  @Option(
      names = {"--experimental-corrupt-check-time", "-experimental-corrupt-check-time"},
      defaultValue = "0s",
      converter = GoDuration.class)
  long corruptCheckTimeNanos;

  /** Go's bool flags: given bare they mean true and take a value only as {@code --flag=value}. */
  private static final List<String> BOOL_FLAGS =
      List.of(
          "strict-reconfig-check",
          "initial-election-tick-advance",
          "experimental-enable-lease-checkpoint",
          "debug",
          "experimental-initial-corrupt-check");

  private Flags() {}

  /**
   * etcd's --config-file (or ETCD_CONFIG_FILE): when set, the file's settings replace every other flag and variable
   * (see {@link ConfigFile}); the command line is still parsed, so a malformed one fails as without the file.
   */
  @Option(names = {"--config-file", "-config-file"}, defaultValue = "")
  String configFile;

  /** The parser's options, for the help's consistency test. */
  static List<OptionSpec> options() {
    return new CommandLine(new Flags()).getCommandSpec().options();
  }

  /** Parses args and environment into a validated config. */
  public static ServerConfig parse(String[] args, Map<String, String> env) {
    return parse(args, env, null);
  }

  private static ServerConfig parse(String[] args, Map<String, String> env, Path fromFile) {
    Flags flags = new Flags();
    CommandLine cl = new CommandLine(flags);
    cl.setOverwrittenOptionsAllowed(true); // Go's flag package: the last of a repeated flag wins
    cl.setDefaultValueProvider(
        spec -> {
          if (spec instanceof OptionSpec opt) {
            String value = env.get(envName(opt.longestName()));
            if (value != null && !value.isEmpty()) { // etcd skips an empty variable (and warns)
              return value;
            }
          }
          return spec.defaultValue();
        });
    // With a config file etcd ignores the ETCD_* variables, refused ones included.
    Map<String, String> checkedEnv = configFileArgument(args, env) == null ? env : Map.of();
    CommandLine.ParseResult result = parseCommandLine(cl, args, checkedEnv);
    if (fromFile == null && !flags.configFile.isEmpty()) {
      Path file = Path.of(flags.configFile);
      return parse(ConfigFile.arguments(file).toArray(new String[0]), Map.of(), file);
    }
    for (OptionSpec opt : result.matchedOptions()) {
      String envName = envName(opt.longestName());
      if (env.containsKey(envName)) {
        throw new FlagException(
            "conflicting environment variable \""
                + envName
                + "\" is shadowed by corresponding command-line flag (either unset environment"
                + " variable or disable flag)",
            1);
      }
    }
    return flags.validate(result, fromFile);
  }

  /**
   * Whether etcd would answer these arguments with its help: Go's flag parser reads them in order and stops at the
   * first {@code -h}, {@code -help} (any dash count, any {@code =value}: neither is a defined flag, so the value is
   * never looked at), at the first non-flag argument or {@code --}, or at the first bad flag. Flags before the help
   * flag are still parsed, so a bad one among them throws its {@link FlagException} (exit 2) instead; flags after it,
   * the environment and the checks after parsing do not matter, as in etcd.
   */
  public static boolean helpRequested(String[] args) {
    CommandLine.Model.CommandSpec spec = new CommandLine(new Flags()).getCommandSpec();
    int i = 0;
    while (i < args.length) {
      String arg = args[i];
      if (arg.length() < 2 || arg.charAt(0) != '-' || arg.equals("--")) {
        return false;
      }
      String bare = arg.substring(arg.startsWith("--") ? 2 : 1);
      int eq = bare.indexOf('=');
      String name = eq < 0 ? bare : bare.substring(0, eq);
      if (name.equals("help") || name.equals("h")) {
        checkFlagSyntax(java.util.Arrays.copyOf(args, i));
        return true;
      }
      boolean defined = UnsupportedFlags.FLAGS.containsKey(name) || spec.findOption("--" + name) != null;
      boolean takesNextArgument = eq < 0 && defined && !GO_BOOL_FLAGS.contains(name);
      i += takesNextArgument ? 2 : 1;
    }
    return false;
  }

  /** Go's bool flags among all etcd flags etcdj knows, --version included: they never take the next argument. */
  private static final java.util.Set<String> GO_BOOL_FLAGS = goBoolFlags();

  private static java.util.Set<String> goBoolFlags() {
    java.util.Set<String> out = new java.util.HashSet<>(BOOL_FLAGS);
    out.add("version");
    UnsupportedFlags.FLAGS.forEach((name, r) -> {
      if (r.bool()) {
        out.add(name);
      }
    });
    return java.util.Set.copyOf(out);
  }

  /**
   * Parses flags the way Go's flag parser would before it meets {@code --help}: unknown flags, missing arguments and
   * values of the wrong type throw; --version is a bool flag here (EtcdMain handles it), the environment is not read.
   */
  private static void checkFlagSyntax(String[] args) {
    List<String> rest = new ArrayList<>();
    for (String a : args) {
      if (!a.replaceFirst("^--?", "").replaceFirst("=.*$", "").equals("version")) {
        rest.add(a);
      }
    }
    Flags flags = new Flags();
    CommandLine cl = new CommandLine(flags);
    cl.setOverwrittenOptionsAllowed(true);
    CommandLine.ParseResult result = parseCommandLine(cl, rest.toArray(new String[0]), Map.of());
    for (String flag : BOOL_FLAGS) {
      if (result.hasMatchedOption("--" + flag)) {
        goBool(flag, result.matchedOption("--" + flag).getValue(), true);
      }
    }
  }

  /** picocli over the arguments, with its errors turned into Go's flag-parser messages. */
  private static CommandLine.ParseResult parseCommandLine(CommandLine cl, String[] args, Map<String, String> env) {
    try {
      return cl.parseArgs(goBoolArgs(UnsupportedFlags.check(args, env)));
    } catch (CommandLine.UnmatchedArgumentException e) {
      String arg = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
      String bare = arg.replaceFirst("^--?", "").replaceFirst("=.*$", "");
      // Go's parser stops at "--": what follows is a stray argument however it looks ("-- --help" included).
      List<String> all = List.of(args);
      int end = all.indexOf("--");
      if (end >= 0 && end + 1 < args.length && !all.subList(0, end).contains(arg)) {
        throw new FlagException("'" + args[end + 1] + "' is not a valid flag", 1);
      }
      if (!arg.startsWith("-")) {
        throw new FlagException("'" + arg + "' is not a valid flag", 1);
      }
      throw new FlagException("flag provided but not defined: -" + bare, 2);
    } catch (CommandLine.MissingParameterException e) {
      String flag =
          e.getMissing().isEmpty() || !(e.getMissing().get(0) instanceof OptionSpec opt)
              ? goName(e)
              : "-" + opt.longestName().replaceFirst("^--?", "");
      throw new FlagException("flag needs an argument: " + flag, 2);
    } catch (CommandLine.ParameterException e) {
      throw new FlagException(
          "invalid value \"" + e.getValue() + "\" for flag " + goName(e) + ": parse error", 2);
    }
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
    java.util.TreeMap<String, String> byFlag = new java.util.TreeMap<>();
    for (OptionSpec opt : new CommandLine(new Flags()).getCommandSpec().options()) {
      String name = envName(opt.longestName());
      String value = env.get(name);
      if (value != null && !value.isEmpty()) {
        byFlag.put(opt.longestName().replaceFirst("^--?", ""), name + "=" + value);
      }
    }
    List<String> out = new ArrayList<>();
    byFlag.values().forEach(v -> out.add("recognized and used environment variable " + v));
    return out;
  }

  /**
   * The {@code ETCD_*} variables that name no flag, or are empty: etcd only warns about them ("unrecognized
   * environment variable ETCD_FOO=bar"), so the caller logs these lines and goes on.
   */
  public static List<String> unrecognizedEnvironment(Map<String, String> env) {
    java.util.Set<String> known = new java.util.HashSet<>();
    for (OptionSpec opt : new CommandLine(new Flags()).getCommandSpec().options()) {
      known.add(envName(opt.longestName()));
    }
    for (String refused : UnsupportedFlags.FLAGS.keySet()) {
      known.add(envName(refused));
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(env).entrySet()) {
      // An empty variable sets nothing, so etcd counts it as unrecognized even when it names a flag.
      if (e.getKey().startsWith("ETCD_") && (!known.contains(e.getKey()) || e.getValue().isEmpty())) {
        out.add("unrecognized environment variable " + e.getKey() + "=" + e.getValue());
      }
    }
    return out;
  }

  /**
   * Rewrites a bare Go bool flag ({@code --strict-reconfig-check}) to {@code --flag=true}, so that
   * the next argument is never taken as its value: {@code --strict-reconfig-check false} then
   * leaves "false" as a stray argument, which etcd rejects too.
   */
  static String[] goBoolArgs(String[] args) {
    String[] out = args.clone();
    for (int i = 0; i < out.length; i++) {
      String bare = out[i].replaceFirst("^--?", "");
      if (out[i].startsWith("-") && BOOL_FLAGS.contains(bare)) {
        out[i] = out[i] + "=true";
      }
    }
    return out;
  }

  /**
   * Go's {@code strconv.ParseBool}, with etcd's messages: a bad flag value exits 2 as Go's flag
   * parser does, a bad environment value exits 1 as etcd's flag verification does.
   */
  private static boolean goBool(String flag, String value, boolean fromFlag) {
    switch (value) {
      case "1", "t", "T", "TRUE", "true", "True" -> {
        return true;
      }
      case "0", "f", "F", "FALSE", "false", "False" -> {
        return false;
      }
      default -> {
        if (fromFlag) {
          throw new FlagException(
              "invalid boolean value \"" + value + "\" for -" + flag + ": parse error", 2);
        }
        throw new FlagException(
            "invalid value \"" + value + "\" for " + envName(flag) + ": parse error", 1);
      }
    }
  }

  /**
   * Go's {@code strconv.ParseUint(s, 0, 64)} for a uint flag: decimal, or 0x/0o/0b/leading-0
   * octal; a sign or anything else is the flag parser's "parse error" (exit 2).
   */
  static long goUint(String flag, String value) {
    String lower = value.toLowerCase(Locale.ROOT);
    int radix = 10;
    String digits = value;
    if (lower.startsWith("0x")) {
      radix = 16;
      digits = value.substring(2);
    } else if (lower.startsWith("0o")) {
      radix = 8;
      digits = value.substring(2);
    } else if (lower.startsWith("0b")) {
      radix = 2;
      digits = value.substring(2);
    } else if (value.length() > 1 && value.startsWith("0")) {
      radix = 8;
      digits = value.substring(1);
    }
    try {
      if (!digits.isEmpty() && Character.digit(digits.charAt(0), radix) >= 0) {
        long v = Long.parseLong(digits, radix);
        if (v >= 0) {
          return v;
        }
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new FlagException(
        "invalid value \"" + value + "\" for flag -" + flag + ": parse error", 2);
  }

  private static String goName(CommandLine.ParameterException e) {
    if (e.getArgSpec() instanceof OptionSpec opt) {
      return "-" + opt.longestName().replaceFirst("^--?", "");
    }
    return "";
  }

  static String envName(String longName) {
    return "ETCD_" + longName.replaceFirst("^--?", "").replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private ServerConfig validate(CommandLine.ParseResult result, Path fromFile) {
    if (name.isEmpty()) {
      name = DEFAULT_NAME;
    }
    List<URI> advertisePeers = urls("initial-advertise-peer-urls", initialAdvertisePeerUrls);
    // As etcd, --initial-cluster only matters on a first start: a problem with it is kept and
    // reported when a member with an empty data dir needs it, so a restart ignores the flag.
    Map<String, List<URI>> cluster = new LinkedHashMap<>();
    String clusterError = null;
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
    if (!initialClusterState.equals("new") && !initialClusterState.equals("existing")) {
      throw new FlagException(
          "invalid value \""
              + initialClusterState
              + "\" for flag -initial-cluster-state: invalid value \""
              + initialClusterState
              + "\"",
          2);
    }
    if (maxRequestBytes <= 0) {
      throw new FlagException("--max-request-bytes must be positive", 1);
    }
    if (maxTxnOps <= 0) {
      throw new FlagException("--max-txn-ops must be positive", 1);
    }
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
    if (snapshotCount <= 0) {
      throw new FlagException("--snapshot-count must be positive", 1);
    }
    if (snapshotCatchUpEntries <= 0) {
      throw new FlagException("--experimental-snapshot-catchup-entries must be positive", 1);
    }
    // A negative quota is etcd's way to turn the quota off (see BackendQuota).
    if (maxConcurrentStreams < 0 || maxConcurrentStreams > GrpcSettings.MAX_UINT32) {
      throw new FlagException(
          "invalid value \"" + maxConcurrentStreams + "\" for flag -max-concurrent-streams: value out of range", 2);
    }
    GrpcSettings grpc =
        new GrpcSettings(
            maxConcurrentStreams, grpcKeepaliveMinTimeNanos, grpcKeepaliveIntervalNanos, grpcKeepaliveTimeoutNanos);
    LogSettings logging = logSettings(result);
    String level = logging.effectiveLevel();
    boolean strict =
        goBool(
            "strict-reconfig-check",
            strictReconfigCheck,
            result.hasMatchedOption("--strict-reconfig-check"));
    boolean tickAdvance =
        goBool(
            "initial-election-tick-advance",
            initialElectionTickAdvance,
            result.hasMatchedOption("--initial-election-tick-advance"));
    boolean leaseCheckpoint =
        goBool(
            "experimental-enable-lease-checkpoint",
            enableLeaseCheckpoint,
            result.hasMatchedOption("--experimental-enable-lease-checkpoint"));
    boolean corruptCheck =
        goBool(
            "experimental-initial-corrupt-check",
            initialCorruptCheck,
            result.hasMatchedOption("--experimental-initial-corrupt-check"));
    if (!autoCompactionMode.isEmpty()
        && !autoCompactionMode.equals(CompactionRetention.PERIODIC)
        && !autoCompactionMode.equals(CompactionRetention.REVISION)) {
      throw new FlagException("unknown auto-compaction-mode \"" + autoCompactionMode + "\"", 1);
    }
    CompactionRetention retention =
        CompactionRetention.parse(autoCompactionMode, autoCompactionRetention);
    long snapshotsMax = goUint("max-snapshots", maxSnapshots);
    long walsMax = goUint("max-wals", maxWals);
    Path dir = Path.of(dataDir.isEmpty() ? name + ".etcd" : dataDir);
    return new ServerConfig(
        name,
        dir,
        urls("listen-client-urls", listenClientUrls),
        urls("advertise-client-urls", advertiseClientUrls),
        urls("listen-peer-urls", listenPeerUrls),
        advertisePeers,
        cluster,
        initialClusterState,
        initialClusterToken,
        maxRequestBytes,
        maxTxnOps,
        quotaBackendBytes,
        level,
        snapshotCount,
        snapshotCatchUpEntries,
        heartbeatIntervalMs,
        electionTimeoutMs,
        16_384,
        4_096,
        strict,
        tickAdvance,
        clusterError,
        watchProgressNotifyIntervalNanos <= 0
            ? ServerConfig.WATCH_PROGRESS_DEFAULT_NANOS
            : Math.max(watchProgressNotifyIntervalNanos, ServerConfig.WATCH_PROGRESS_MIN_NANOS),
        leaseCheckpoint,
        logging,
        fromFile,
        grpc,
        listenMetricsUrls.isBlank() ? List.of() : urls("listen-metrics-urls", listenMetricsUrls),
        metrics.equals("extensive"),
        retention,
        snapshotsMax,
        walsMax,
        corruptCheck,
        corruptCheckTimeNanos);
  }

  /** etcd's logging flags, with the deprecated {@code --log-output} folded in as etcd does. */
  private LogSettings logSettings(CommandLine.ParseResult result) {
    String outputs = logOutputs;
    if (!deprecatedLogOutput.isEmpty()) {
      if (result.hasMatchedOption("--log-outputs")) {
        throw new FlagException(
            "both '--log-output' and '--log-outputs' are set; only set '--log-outputs'", 1);
      }
      System.err.println("'--log-output' flag has been deprecated! Please use '--log-outputs'!");
      outputs = deprecatedLogOutput;
    }
    boolean debugFlag = goBool("debug", debug, result.hasMatchedOption("--debug"));
    return LogSettings.of(logger, outputs, logLevel, debugFlag);
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
    if (u.getScheme().equals("https")) {
      throw new FlagException("TLS (" + s + ") is not supported yet", 1);
    }
    if (!u.getScheme().equals("http")) {
      throw new FlagException(
          "invalid value \"" + s + "\" for flag -" + flag + ": URL scheme must be http or https",
          2);
    }
    return u;
  }
}
