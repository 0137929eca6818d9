package io.etcdj.server.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The etcd 3.4.23 flags etcdj does not implement. None is accepted and ignored: given with a value whose behaviour
 * etcdj does not have, each is refused, naming the flag and why (exit 2 as etcd's flag parser, exit 1 when it comes
 * from an {@code ETCD_*} variable, as etcd's flag verification). The value that describes what etcdj does anyway
 * (usually etcd's default, e.g. {@code --enable-v2=false}) is accepted, so scripts that spell out defaults still run.
 * docs/compatibility.md lists them with the implemented ones.
 */
final class UnsupportedFlags {
  /**
   * @param accepted the values that describe etcdj's behaviour (empty: every value is refused)
   * @param bool a Go bool flag: given bare it means "true"
   */
  record Refusal(Set<String> accepted, boolean bool, String reason) {}

  private static final String AUTH = "authentication comes with issue 16";
  private static final String V2 = "etcdj serves only the v3 API";
  private static final String PROXY = "etcdj has no v2 proxy mode";
  private static final String DISCOVERY = "discovery is not supported; list the members with --initial-cluster";

  static final Map<String, Refusal> FLAGS = new LinkedHashMap<>();

  static {
    refuse("wal-dir", Set.of(""), false, "the WAL always lives in <data-dir>/member/wal");
    refuse("backend-batch-interval", Set.of("", "0", "0s"), false,
        "etcdj commits the backend once per applied batch of entries");
    refuse("backend-batch-limit", Set.of("0"), false, "etcdj commits the backend once per applied batch of entries");
    for (String f : List.of("discovery", "discovery-proxy", "discovery-srv", "discovery-srv-name")) {
      refuse(f, Set.of(""), false, DISCOVERY);
    }
    refuse("discovery-fallback", Set.of("proxy"), false, DISCOVERY);
    refuse("pre-vote", Set.of("true"), true, "etcdj's raft always runs the PreVote phase");
    refuse("enable-v2", Set.of("false"), true, V2);
    refuse("experimental-enable-v2v3", Set.of(""), false, V2);
    refuse("auth-token", Set.of("simple"), false, AUTH);
    refuse("bcrypt-cost", Set.of("10"), false, AUTH);
    refuse("auth-token-ttl", Set.of("300"), false, AUTH);
    refuse("cors", Set.of("*"), false, "etcdj's HTTP endpoints do not apply CORS rules");
    refuse("host-whitelist", Set.of("*"), false, "etcdj accepts every Host header");
    refuse("enable-pprof", Set.of("false"), true, "Go's pprof does not exist in Java; use JFR or jcmd");
    refuse("enable-grpc-gateway", Set.of("true"), true, "etcdj always serves the JSON gateway");
    refuse("proxy", Set.of("off"), false, PROXY);
    refuse("proxy-failure-wait", Set.of("5000"), false, PROXY);
    refuse("proxy-refresh-interval", Set.of("30000"), false, PROXY);
    refuse("proxy-dial-timeout", Set.of("1000"), false, PROXY);
    refuse("proxy-write-timeout", Set.of("5000"), false, PROXY);
    refuse("proxy-read-timeout", Set.of("0"), false, PROXY);
    refuse("experimental-backend-bbolt-freelist-type", Set.of("array"), false,
        "etcdj's backend is LMDB, which has no bbolt freelist");
    refuse("experimental-compaction-batch-limit", Set.of("1000"), false,
        "etcdj compacts in one backend transaction per compaction");
    refuse("experimental-warning-apply-duration", Set.of("100ms"), false, "etcdj does not time applies yet");
    refuse("experimental-enable-lease-checkpoint-persist", Set.of("false"), true,
        "etcdj does not persist lease checkpoints");
    refuse("force-new-cluster", Set.of("false"), true, "etcdj cannot rewrite a member's log into a new cluster");
    refuse("unsafe-no-fsync", Set.of("false"), true, "etcdj always fsyncs its WAL");
    refuse("log-package-levels", Set.of(""), false, "capnslog per-package levels are not supported; use --log-level");
  }

  private UnsupportedFlags() {}

  private static void refuse(String flag, Set<String> accepted, boolean bool, String reason) {
    FLAGS.put(flag, new Refusal(accepted, bool, reason));
  }

  /** Why a value is refused: "--enable-v2=true is not supported by etcdj: etcdj serves only the v3 API". */
  static String message(String flag, String value, Refusal r) {
    return "--" + flag + "=" + value + " is not supported by etcdj: " + r.reason();
  }
}
