package io.etcdj.server.config;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * etcd's {@code --config-file}: a YAML document whose keys are flag names (etcd's {@code embed.configYAML}). As in
 * etcd, the file replaces the command line and the {@code ETCD_*} variables entirely; keys it does not know are
 * ignored; a value of the wrong type is refused with Go's JSON decoding message, since etcd converts the YAML to JSON
 * and decodes that into its config struct. Durations are therefore integers of nanoseconds, URL lists are
 * comma-separated strings and {@code log-outputs} is a YAML list.
 *
 * <p>Each key becomes the flag of the same name, so the file goes through the same validation as the command line.
 */
final class ConfigFile {
  /** Go's types of etcd's config-file fields. */
  private enum GoType {
    STRING("string"),
    BOOL("bool"),
    INT("int"),
    INT64("int64"),
    UINT("uint"),
    UINT32("uint32"),
    UINT64("uint64"),
    DURATION("time.Duration"),
    STRINGS("[]string"),
    SECURITY("embed.securityConfig");

    final String goName;

    GoType(String goName) {
      this.goName = goName;
    }
  }

  /** Every key etcd 3.4.23 reads from a config file (embed.Config, configJSON, etcdmain's proxy settings). */
  private static final Map<String, GoType> KEYS = new LinkedHashMap<>();

  static {
    for (String k :
        List.of(
            "name", "data-dir", "wal-dir", "initial-cluster-state", "discovery-srv", "discovery-srv-name",
            "discovery-proxy", "discovery", "initial-cluster", "initial-cluster-token", "auto-compaction-mode",
            "auto-compaction-retention", "auth-token", "experimental-enable-v2v3",
            "experimental-backend-bbolt-freelist-type", "metrics", "listen-metrics-urls", "logger", "log-level",
            "log-package-levels", "listen-peer-urls", "listen-client-urls", "initial-advertise-peer-urls",
            "advertise-client-urls", "cors", "host-whitelist", "proxy", "discovery-fallback")) {
      KEYS.put(k, GoType.STRING);
    }
    for (String k :
        List.of(
            "initial-election-tick-advance", "strict-reconfig-check", "enable-v2", "pre-vote",
            "experimental-initial-corrupt-check", "experimental-enable-lease-checkpoint",
            "experimental-enable-lease-checkpoint-persist", "force-new-cluster", "enable-pprof",
            "enable-grpc-gateway", "debug", "unsafe-no-fsync")) {
      KEYS.put(k, GoType.BOOL);
    }
    for (String k :
        List.of(
            "max-snapshots", "max-wals", "heartbeat-interval", "election-timeout", "max-txn-ops",
            "max-request-bytes", "bcrypt-cost", "auth-token-ttl", "proxy-failure-wait", "proxy-refresh-interval",
            "proxy-dial-timeout", "proxy-write-timeout", "proxy-read-timeout")) {
      KEYS.put(k, GoType.UINT);
    }
    KEYS.put("snapshot-count", GoType.UINT64);
    KEYS.put("max-concurrent-streams", GoType.UINT32);
    KEYS.put("quota-backend-bytes", GoType.INT64);
    KEYS.put("backend-batch-limit", GoType.INT);
    KEYS.put("experimental-compaction-batch-limit", GoType.INT);
    for (String k :
        List.of(
            "backend-batch-interval", "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
            "experimental-corrupt-check-time", "experimental-watch-progress-notify-interval",
            "experimental-warning-apply-duration")) {
      KEYS.put(k, GoType.DURATION);
    }
    for (String k : List.of("cipher-suites", "log-outputs", "log-output")) {
      KEYS.put(k, GoType.STRINGS);
    }
    KEYS.put("client-transport-security", GoType.SECURITY);
    KEYS.put("peer-transport-security", GoType.SECURITY);
  }

  /** The fields of a {@code *-transport-security} block and the flag each stands for (client side). */
  private static final Map<String, GoType> SECURITY_FIELDS =
      Map.of(
          "cert-file", GoType.STRING,
          "key-file", GoType.STRING,
          "client-cert-auth", GoType.BOOL,
          "trusted-ca-file", GoType.STRING,
          "auto-tls", GoType.BOOL);

  /** Files larger than this are not config files; reading one is refused instead of filling the heap. */
  static final long FILE_BYTES_MAX = 1L << 20;

  private ConfigFile() {}

  /** Reads the file and turns it into the equivalent {@code --key=value} arguments, in file order. */
  static List<String> arguments(Path path) {
    String text;
    try {
      if (Files.size(path) > FILE_BYTES_MAX) {
        throw new FlagException("config file " + path + " is larger than " + FILE_BYTES_MAX + " bytes", 1);
      }
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new FlagException("open " + path + ": no such file or directory", 1);
    } catch (AccessDeniedException e) {
      throw new FlagException("open " + path + ": permission denied", 1);
    } catch (IOException e) {
      throw new FlagException("read " + path + ": " + e.getMessage(), 1);
    }
    Object doc;
    try {
      LoaderOptions options = new LoaderOptions();
      options.setAllowDuplicateKeys(true); // as Go's YAML, the last one wins
      options.setMaxAliasesForCollections(50);
      doc = new Yaml(new SafeConstructor(options)).load(text);
    } catch (MarkedYAMLException e) {
      int line = e.getProblemMark() == null ? 0 : e.getProblemMark().getLine() + 1;
      throw new FlagException(
          "error converting YAML to JSON: yaml: line " + line + ": " + e.getProblem(), 1);
    } catch (YAMLException e) {
      throw new FlagException("error converting YAML to JSON: yaml: " + e.getMessage(), 1);
    }
    if (doc == null) {
      return List.of();
    }
    if (!(doc instanceof Map<?, ?> map)) {
      throw unmarshal(jsonType(doc), null, "embed.configYAML");
    }
    List<String> args = new ArrayList<>();
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = String.valueOf(e.getKey());
      GoType type = KEYS.get(key);
      if (type == null) {
        continue; // etcd ignores keys it does not know
      }
      Object value = e.getValue();
      if (value == null) {
        continue; // JSON null leaves a Go field as it is
      }
      if (type == GoType.SECURITY) {
        security(key, value, args);
      } else {
        args.add("--" + key + "=" + flagValue(key, type, value));
      }
    }
    return args;
  }

  /** A TLS block becomes its flags ({@code peer-} prefixed for the peer block), which etcdj refuses for now. */
  private static void security(String key, Object value, List<String> args) {
    if (!(value instanceof Map<?, ?> block)) {
      throw unmarshal(jsonType(value), key, GoType.SECURITY.goName);
    }
    String prefix = key.startsWith("peer-") ? "peer-" : "";
    for (Map.Entry<?, ?> f : block.entrySet()) {
      String field = String.valueOf(f.getKey());
      GoType type = SECURITY_FIELDS.get(field);
      if (type == null || f.getValue() == null) {
        continue;
      }
      String v = flagValue(key + "." + field, type, f.getValue());
      if (!v.isEmpty() && !v.equals("false")) {
        args.add("--" + prefix + field + "=" + v);
      }
    }
  }

  /** The flag text of a YAML value of the given Go type, or Go's JSON error when the type does not fit. */
  private static String flagValue(String key, GoType type, Object value) {
    switch (type) {
      case STRING -> {
        if (value instanceof String s) {
          return s;
        }
      }
      case BOOL -> {
        if (value instanceof Boolean b) {
          return b.toString();
        }
      }
      case STRINGS -> {
        if (value instanceof Collection<?> list) {
          List<String> out = new ArrayList<>();
          for (Object o : list) {
            if (!(o instanceof String s)) {
              throw unmarshal(jsonType(o), key, "string");
            }
            out.add(s);
          }
          return String.join(",", out);
        }
      }
      default -> {
        if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
          BigInteger n = new BigInteger(value.toString());
          if (!fits(type, n)) {
            throw new FlagException(
                "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number "
                    + n
                    + " into Go struct field configYAML."
                    + key
                    + " of type "
                    + type.goName,
                1);
          }
          return type == GoType.DURATION ? n + "ns" : n.toString();
        }
        if (value instanceof Double d) {
          throw new FlagException(
              "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number "
                  + d
                  + " into Go struct field configYAML."
                  + key
                  + " of type "
                  + type.goName,
              1);
        }
      }
    }
    throw unmarshal(jsonType(value), key, type.goName);
  }

  private static boolean fits(GoType type, BigInteger n) {
    return switch (type) {
      case INT, INT64, DURATION -> n.bitLength() < 64;
      case UINT, UINT64 -> n.signum() >= 0 && n.bitLength() <= 64;
      case UINT32 -> n.signum() >= 0 && n.bitLength() <= 32;
      default -> false;
    };
  }

  private static FlagException unmarshal(String jsonType, String key, String goType) {
    String field = key == null ? "Go value" : "Go struct field configYAML." + key;
    return new FlagException(
        "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal "
            + jsonType
            + " into "
            + field
            + " of type "
            + goType,
        1);
  }

  /** JSON's name for what the YAML value becomes. */
  private static String jsonType(Object v) {
    if (v instanceof String) {
      return "string";
    }
    if (v instanceof Boolean) {
      return "bool";
    }
    if (v instanceof Number) {
      return "number";
    }
    if (v instanceof Collection<?>) {
      return "array";
    }
    if (v instanceof Map<?, ?>) {
      return "object";
    }
    return "string"; // timestamps and binary become strings in JSON
  }
}
