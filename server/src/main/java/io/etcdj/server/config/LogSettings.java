package io.etcdj.server.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * etcd 3.4's logging flags, validated with the rules of etcd's {@code embed/config_logging.go}:
 * {@code --logger} is {@code capnslog} (3.4's default, deprecated) or {@code zap}; {@code
 * --log-outputs} is a sorted set of {@code default}, {@code stderr}, {@code stdout} or file paths
 * (capnslog takes exactly one and no file; zap takes several but never {@code default} among
 * others); {@code --log-level} is one of debug, info, warn, error, panic, fatal; {@code --debug} is
 * the deprecated spelling of debug level.
 *
 * @param logger "capnslog" or "zap"
 * @param outputs the sorted, distinct outputs; "default" means stderr
 * @param level the zap/capnslog level name, lower case
 * @param debug the deprecated {@code --debug} flag
 */
public record LogSettings(String logger, List<String> outputs, String level, boolean debug) {
  public static final String DEFAULT_OUTPUT = "default";
  public static final String STDERR = "stderr";
  public static final String STDOUT = "stdout";
  /** etcd's systemd journal output: refused, as etcdj has no journald writer. */
  static final String JOURNAL = "systemd/journal";

  static final List<String> LEVELS = List.of("debug", "info", "warn", "error", "panic", "fatal");

  public LogSettings {
    outputs = List.copyOf(outputs);
  }

  /** What etcd logs with when no flag says otherwise: capnslog to stderr at info. */
  public static LogSettings defaults() {
    return new LogSettings("capnslog", List.of(DEFAULT_OUTPUT), "info", false);
  }

  /** True for zap's JSON lines. */
  public boolean zap() {
    return logger.equals("zap");
  }

  /** The level actually in force: {@code --debug} wins for capnslog as in etcd. */
  public String effectiveLevel() {
    return debug && !zap() ? "debug" : level;
  }

  /**
   * Validates the raw flag values as etcd does, in its order. A bad level makes etcd panic while
   * it converts it (exit 2); every other problem is an "error verifying flags" (exit 1).
   */
  static LogSettings of(String logger, String outputsCsv, String level, boolean debug) {
    TreeSet<String> sorted = new TreeSet<>();
    for (String s : outputsCsv.split(",")) {
      if (!s.isEmpty()) {
        sorted.add(s);
      }
    }
    List<String> outputs = new ArrayList<>(sorted);
    switch (logger) {
      case "capnslog" -> {
        checkLevel(level);
        if (outputs.size() != 1) {
          throw new FlagException(
              "--logger=capnslog supports only 1 value in '--log-outputs', got " + goQuoted(outputs),
              1);
        }
        String out = outputs.get(0);
        if (!out.equals(DEFAULT_OUTPUT) && !out.equals(STDERR) && !out.equals(STDOUT)) {
          throw new FlagException(
              "unknown log-output \""
                  + out
                  + "\" (only supports \"default\", \"stderr\", \"stdout\")",
              1);
        }
      }
      case "zap" -> {
        if (outputs.isEmpty()) {
          outputs.add(DEFAULT_OUTPUT);
        }
        if (outputs.size() > 1 && outputs.contains(DEFAULT_OUTPUT)) {
          throw new FlagException("multi logoutput for \"default\" is not supported yet", 1);
        }
        if (outputs.contains(JOURNAL)) {
          throw new FlagException(
              "--log-outputs=systemd/journal is not supported by etcdj (no journald writer);"
                  + " use stderr and let systemd capture it",
              1);
        }
        checkLevel(level);
      }
      default -> throw new FlagException("unknown logger option \"" + logger + "\"", 1);
    }
    return new LogSettings(logger, outputs, level.toLowerCase(Locale.ROOT), debug);
  }

  /** The warnings etcd prints to stderr before it logs anything, in its words. */
  public List<String> deprecationWarnings() {
    List<String> out = new ArrayList<>();
    if (debug) {
      out.add("[WARNING] Deprecated '--debug' flag is set to true (use '--log-level=debug' instead");
      if (!level.equals("debug")) {
        out.add(
            "[WARNING] Deprecated '--debug' flag is set to true with inconsistent '--log-level="
                + level
                + "' flag");
      }
    }
    if (logger.equals("capnslog")) {
      out.add("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead");
    }
    return out;
  }

  private static void checkLevel(String level) {
    if (!LEVELS.contains(level)) {
      // etcd panics in ConvertToZapLevel / ConvertToCapnslogLogLevel: Go exits 2.
      throw new FlagException("panic: unknown level \"" + level + "\"", 2);
    }
  }

  /** Go's %q of a []string: ["a" "b"]. */
  private static String goQuoted(List<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < values.size(); i++) {
      b.append(i == 0 ? "" : " ").append('"').append(values.get(i)).append('"');
    }
    return b.append(']').toString();
  }
}
