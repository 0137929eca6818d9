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
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden output for etcdj's etcdctl: every session of {@code etcdctl-sessions.txt} (the KV surface) and
 * {@code ctl-sessions.txt} (help, flag and environment handling, output formats) is run with stock etcdctl 3.4.23 on a
 * fresh server and with etcdj's etcdctl on another fresh server of the same kind, started on the same ports with the
 * same name so member and cluster ids are equal; stdout, stderr and exit code of every command must match after the
 * usual normalization (durations, timestamps, client uuids). Run against etcdj and against real etcd.
 */
@Tag("process")
// Two sessions at a time (junit-platform.properties): each has its own servers and ports, and a
// session mostly waits on a server starting or a command running; one at a time took ~7 minutes.
@Execution(ExecutionMode.CONCURRENT)
class CtlGoldenTest {

  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);

  /** Session files beyond the KV ones, one per command family. */
  static final List<String> SESSION_FILES =
      List.of(
          "/process/ctl-sessions.txt",
          "/process/ctl-sessions-txn-watch.txt",
          "/process/ctl-sessions-lease.txt",
          "/process/ctl-sessions-cluster.txt",
          "/process/ctl-sessions-ops.txt",
          "/process/ctl-sessions-auth.txt");

  static Stream<Arguments> cases() {
    List<EtcdctlSession> sessions = new ArrayList<>(EtcdctlSession.load(EtcdctlDifferentialTest.SESSIONS));
    for (String file : SESSION_FILES) {
      sessions.addAll(EtcdctlSession.load(file));
    }
    // -Detcdj.ctl.sessions=a,b runs only the named sessions (for working on one command).
    String only = System.getProperty("etcdj.ctl.sessions", "");
    if (!only.isBlank()) {
      List<String> names = List.of(only.split(","));
      sessions.removeIf(s -> !names.contains(s.name()));
    }
    List<Arguments> out = new ArrayList<>();
    for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
      for (EtcdctlSession s : sessions) {
        // A session named etcd-only-* needs a server side etcdj has not got yet (see its comment).
        if (kind == EtcdProcess.Kind.ETCDJ && s.name().startsWith("etcd-only-")) {
          continue;
        }
        out.add(Arguments.of(kind, s));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void sameAsStockEtcdctl(EtcdProcess.Kind kind, EtcdctlSession session) {
    assertSameTranscripts(kind, session, Map.of());
  }

  /** Runs the session with both CLIs and fails with a line diff when their transcripts differ. */
  static void assertSameTranscripts(EtcdProcess.Kind kind, EtcdctlSession session, Map<String, String> env) {
    int[] ports = EtcdProcess.freePorts(2);
    List<String> stock =
        run(kind, session, ports, "stock", (c) -> (ep) -> Etcdctl.run(ep, c.args(), c.stdin(), COMMAND_TIMEOUT, env));
    List<String> ours =
        run(kind, session, ports, "ours", (c) -> (ep) -> OurEtcdctl.run(ep, c.args(), c.stdin(), COMMAND_TIMEOUT, env));
    // Our two additions to 3.4's flags (issue 12 asks for etcd 3.5's get --count-only and watch
    // --progress-notify): their help lines (and the line in the cobra usage a bad txn get prints).
    ours.removeIf(
        line ->
            line.startsWith("      --count-only[=false]\t")
                || line.startsWith("stderr>       --count-only   ")
                || line.startsWith("      --progress-notify[=false]\t"));
    String diff = LineDiff.diff(stock, ours, "stock etcdctl", "etcdj etcdctl");
    if (!diff.isEmpty()) {
      fail("session '" + session.name() + "' on " + kind + ": etcdj's etcdctl differs from stock etcdctl\n" + diff);
    }
  }

  private static List<String> run(
      EtcdProcess.Kind kind,
      EtcdctlSession session,
      int[] ports,
      String label,
      Function<EtcdctlSession.Command, Function<String, Etcdctl.Result>> cli) {
    List<String> transcript = new ArrayList<>();
    try (EtcdProcess server =
        EtcdProcess.member(
            kind, "ctl-" + session.name() + "-" + label, "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN,
            session.serverFlags())) {
      server.start();
      EtcdctlNormalizer normalizer = new EtcdctlNormalizer(server);
      SessionLeases leases = new SessionLeases();
      for (EtcdctlSession.Command c : session.commands()) {
        EtcdctlSession.Command run = new EtcdctlSession.Command(c.line(), leases.expand(c.args()), leases.expand(c.stdin()));
        Etcdctl.Result r = cli.apply(run).apply(server.endpoint());
        leases.record(run.args(), r.stdout());
        transcript.add(c.display());
        transcript.add("[exit " + r.exitCode() + "]");
        transcript.addAll(leases.mask(normalizer.normalize(c.args(), r.stdout())));
        for (String line : leases.mask(normalizer.normalize(c.args(), r.stderr()))) {
          if (!line.isEmpty()) {
            transcript.add("stderr> " + line);
          }
        }
      }
    }
    write("ctl-" + session.name() + "-" + kind.lowerName() + "-" + label + ".transcript", transcript);
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
