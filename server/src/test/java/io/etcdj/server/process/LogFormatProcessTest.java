package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * etcd 3.4's two log formats, on real etcd and on etcdj: zap's JSON lines in a {@code --log-outputs} file, capnslog's
 * default lines on stderr, each with the life-cycle lines operators and scripts wait for; and the errors etcd gives for
 * bad logging flags.
 */
@Tag("process")
// Like the golden tests (junit-platform.properties): its own servers on its own ports, output compared rather than
// timing, so it runs beside the sequential process tests instead of after them.
@Execution(ExecutionMode.CONCURRENT)
class LogFormatProcessTest {
  /** zap messages etcd 3.4.23 logs on a first start and a SIGTERM of a one-member cluster (checked live). */
  static final List<String> ZAP_MESSAGES =
      List.of(
          "starting an etcd server",
          "starting etcd server",
          "serving peer traffic",
          "added member",
          "became leader at term 2",
          "elected leader",
          "published local member to cluster through raft",
          "setting up initial cluster version",
          "set initial cluster version",
          "enabled capabilities for version",
          "cluster version is updated",
          "serving client traffic insecurely; this is strongly discouraged!",
          "received signal; shutting down",
          "closing etcd server",
          "closed etcd server");

  /** capnslog texts etcd 3.4.23 prints by default for the same session. */
  static final List<String> CAPNSLOG_TEXTS =
      List.of(
          "I | etcdmain: etcd Version: 3.4.23",
          "I | etcdserver: starting server... [version: 3.4.23, cluster version: to_be_decided]",
          "I | etcdserver/membership: added member ",
          "INFO: raft.node: ",
          " became leader at term 2",
          "I | etcdserver: published {Name:n1 ClientURLs:[http://127.0.0.1:",
          "I | etcdserver: setting up the initial cluster version to 3.4",
          "N | etcdserver/membership: set the initial cluster version to 3.4",
          "I | etcdserver/api: enabled capabilities for version 3.4",
          "I | embed: ready to serve client requests",
          "N | embed: serving insecure client requests on 127.0.0.1:",
          "N | pkg/osutil: received terminated signal, shutting down...");

  private static final Pattern ZAP_TS = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d{4})");
  private static final Pattern CAPNSLOG_LINE =
      Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} [DINWEC] \\| [a-z/]+: |raft\\d{4}/\\d\\d/\\d\\d \\d\\d:\\d\\d:\\d\\d [A-Z]+: ).*");

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void zapWritesEtcdsJsonLinesToTheOutputFile(EtcdProcess.Kind kind) throws Exception {
    Path dir = Files.createTempDirectory("etcdj-zap-");
    Path file = dir.resolve("etcd.log");
    try {
      EtcdProcess p = EtcdProcess.start(kind, "log-zap", List.of("--logger=zap", "--log-outputs=" + file));
      try {
        Etcdctl.run(p.endpoint(), List.of("put", "k", "v"));
        assertEquals(143, p.stop(), "SIGTERM ends the process as the signal would\n" + p.logTail(20));
      } finally {
        p.close();
      }
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      List<String> messages = new ArrayList<>();
      for (String line : lines) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        for (String key : List.of("level", "ts", "caller", "msg")) {
          assertTrue(o.has(key), key + " in " + line);
        }
        assertTrue(List.of("debug", "info", "warn", "error").contains(o.get("level").getAsString()), line);
        assertTrue(ZAP_TS.matcher(o.get("ts").getAsString()).matches(), line);
        assertTrue(o.get("caller").getAsString().matches("[\\w/.]+:\\d+"), line);
        messages.add(o.get("msg").getAsString());
      }
      for (String want : ZAP_MESSAGES) {
        assertTrue(messages.stream().anyMatch(m -> m.contains(want)), kind + " logs \"" + want + "\"\n" + lines);
      }
    } finally {
      deleteTree(dir);
    }
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void capnslogIsTheDefault(EtcdProcess.Kind kind) throws Exception {
    EtcdProcess p = EtcdProcess.start(kind, "log-capnslog");
    try {
      p.stop();
      List<String> lines = Files.readAllLines(p.logFile(), StandardCharsets.UTF_8);
      assertTrue(
          lines.contains("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead"),
          p.logTail(40));
      for (String want : CAPNSLOG_TEXTS) {
        String line = lines.stream().filter(l -> l.contains(want)).findFirst().orElse(null);
        if (line == null) {
          fail(kind + " prints \"" + want + "\"\n" + p.logTail(60));
        }
        assertTrue(CAPNSLOG_LINE.matcher(line).matches(), "capnslog's format: " + line);
      }
    } finally {
      p.close();
    }
  }

  /** Bad logging flags: the same exit code and message from both (after capnslog's time stamp). */
  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void badLoggingFlagsAreEtcdsErrors(EtcdProcess.Kind kind) throws Exception {
    Path dir = Files.createTempDirectory("etcdj-logflags-");
    try {
      expectError(kind, dir, List.of("--logger=foo"), 1, "E | etcdmain: error verifying flags, unknown logger option \"foo\". See 'etcd --help'.");
      expectError(
          kind,
          dir,
          List.of("--log-outputs=" + dir.resolve("x.log")),
          1,
          "error verifying flags, unknown log-output \"" + dir.resolve("x.log") + "\" (only supports \"default\", \"stderr\", \"stdout\").");
      expectError(
          kind,
          dir,
          List.of("--logger=zap", "--log-outputs=" + dir.resolve("no/such/dir.log")),
          1,
          "error verifying flags, open sink \"" + dir.resolve("no/such/dir.log") + "\": open " + dir.resolve("no/such/dir.log")
              + ": no such file or directory. See 'etcd --help'.");
      expectError(
          kind,
          dir,
          List.of("--log-outputs=stdout,stderr"),
          1,
          "error verifying flags, --logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"].");
      expectError(
          kind,
          dir,
          List.of("--logger=zap", "--log-outputs=default,stderr"),
          1,
          "error verifying flags, multi logoutput for \"default\" is not supported yet.");
      expectError(kind, dir, List.of("--logger=zap", "--log-level=loud"), 2, "panic: unknown level \"loud\"");
    } finally {
      deleteTree(dir);
    }
  }

  private static void expectError(EtcdProcess.Kind kind, Path dir, List<String> flags, int code, String text) throws Exception {
    List<String> cmd = new ArrayList<>(ServerCommand.of(kind));
    cmd.addAll(List.of("--data-dir", dir.resolve("data").toString()));
    cmd.addAll(flags);
    ServerCommand.Result r = ServerCommand.run(cmd, 60);
    assertEquals(code, r.exitCode(), kind + " " + flags + ": " + r.output());
    assertTrue(r.output().contains(text), kind + " " + flags + " prints " + text + "\n" + r.output());
    assertTrue(!Files.exists(dir.resolve("data")), "nothing started");
  }

  static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
