package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs each session of {@code process/etcdctl-sessions.txt} with stock etcdctl against a fresh real etcd and a fresh
 * candidate server, and compares the normalized transcripts (exit code, stdout, stderr of every command) line by line.
 *
 * <p>{@link #etcdMatchesEtcd} compares real etcd with a second real etcd: it proves the normalizer removes every
 * difference between two healthy servers, so a difference in {@link #etcdjMatchesEtcd} is etcdj's. The reference
 * transcript of each session is computed once and shared by both. Transcripts are written to
 * {@code target/process-logs/<session>-<kind>.transcript} for inspection.
 */
@Tag("process")
// Like the other golden tests (junit-platform.properties): its own servers on its own ports, mostly waiting on
// processes, so it runs beside the sequential process tests instead of after them.
@Execution(ExecutionMode.CONCURRENT)
class EtcdctlDifferentialTest {

  static final String SESSIONS = "/process/etcdctl-sessions.txt";
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);

  private static final Map<String, List<String>> REFERENCE = new ConcurrentHashMap<>();

  static List<EtcdctlSession> sessions() {
    return EtcdctlSession.load(SESSIONS);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void etcdMatchesEtcd(EtcdctlSession session) {
    compare(session, EtcdProcess.Kind.ETCD, "etcd-2");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sessions")
  void etcdjMatchesEtcd(EtcdctlSession session) {
    compare(session, EtcdProcess.Kind.ETCDJ, "etcdj");
  }

  private static void compare(EtcdctlSession session, EtcdProcess.Kind candidate, String label) {
    List<String> expected = REFERENCE.computeIfAbsent(session.name(), n -> run(session, EtcdProcess.Kind.ETCD, "etcd"));
    List<String> actual = run(session, candidate, label);
    String diff = LineDiff.diff(expected, actual, "etcd 3.4 (reference)", label);
    if (!diff.isEmpty()) {
      fail(
          "session '"
              + session.name()
              + "': "
              + label
              + " differs from etcd (transcripts in "
              + EtcdProcess.LOG_ROOT.toAbsolutePath()
              + ")\n"
              + diff);
    }
  }

  /** Runs a session on a fresh server and returns its normalized transcript. */
  static List<String> run(EtcdctlSession session, EtcdProcess.Kind kind, String label) {
    List<String> transcript = new ArrayList<>();
    try (EtcdProcess server = EtcdProcess.start(kind, session.name(), session.serverFlags())) {
      EtcdctlNormalizer normalizer = new EtcdctlNormalizer(server);
      for (EtcdctlSession.Command c : session.commands()) {
        Etcdctl.Result r = Etcdctl.run(server.endpoint(), c.args(), c.stdin(), COMMAND_TIMEOUT);
        transcript.add(c.display());
        transcript.add("[exit " + r.exitCode() + "]");
        transcript.addAll(normalizer.normalize(c.args(), r.stdout()));
        for (String line : normalizer.normalize(c.args(), r.stderr())) {
          if (!line.isEmpty()) {
            transcript.add("stderr> " + line);
          }
        }
      }
      if (!server.isAlive()) {
        transcript.add("!!! server exited during the session\n" + server.logTail(40));
      }
    }
    write(session.name() + "-" + label + ".transcript", transcript);
    return transcript;
  }

  private static void write(String file, List<String> lines) {
    try {
      Path dir = Files.createDirectories(EtcdProcess.LOG_ROOT);
      Files.write(dir.resolve(file), lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
