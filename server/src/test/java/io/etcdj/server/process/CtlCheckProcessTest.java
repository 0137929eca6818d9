package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.etcdctl.check.CheckDatascale;
import io.etcdj.etcdctl.check.CheckPerf;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code check perf} and {@code check datascale} of etcdj's etcdctl, shortened through their hidden system
 * properties (stock runs 60 s and 10,000 puts, too long for CI): the output has stock's shape (progress bar, the
 * judged lines, PASS or FAIL with the matching exit code), the load's puts were made and its keys deleted
 * afterwards. Against etcdj, which has no /metrics yet (issue 13), datascale's failure must read exactly as stock's.
 */
@Tag("process")
class CtlCheckProcessTest {
  private static final int PERF_SECONDS = 3;
  private static final int DATASCALE_PUTS = 200;
  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

  static Stream<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void perfWritesPacedLoadThenCleansUp(EtcdProcess.Kind kind) {
    int[] ports = EtcdProcess.freePorts(2);
    try (EtcdProcess server = EtcdProcess.member(kind, "ctl-check-perf", "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      server.start();
      String ep = server.endpoint();
      long before = revision(ep);
      List<String> args = new ArrayList<>(List.of("check", "perf", "--auto-compact", "--auto-defrag"));
      Etcdctl.Result r = withProperty(CheckPerf.DURATION_PROPERTY, PERF_SECONDS, () -> OurEtcdctl.run(ep, args));
      List<String> lines = Arrays.asList(r.stdout().split("\n", -1));
      String bar = lines.get(0);
      assertTrue(bar.startsWith("\r 0 / " + PERF_SECONDS + "    0.00%"), bar);
      assertTrue(bar.endsWith("\r " + PERF_SECONDS + " / " + PERF_SECONDS + "  100.00% " + PERF_SECONDS + "s"), bar);
      long after = revision(ep);
      // 150 puts/s for the run (at least half of them on a busy CI machine), one delete, nothing left.
      assertTrue(after - before > PERF_SECONDS * 150 / 2, "revisions " + before + " -> " + after);
      assertEquals("", Etcdctl.run(ep, List.of("get", "/etcdctl-check-perf/", "--prefix", "--keys-only")).stdout());
      int i = 1;
      long deleteRevision = after;
      assertEquals("Compacting with revision " + deleteRevision, lines.get(i++));
      assertEquals("Compacted with revision " + deleteRevision, lines.get(i++));
      assertEquals("Defragmenting \"" + ep + "\"", lines.get(i++));
      assertEquals("Defragmented \"" + ep + "\"", lines.get(i++));
      assertTrue(lines.get(i++).matches("(PASS: Throughput is|FAIL: Throughput too low:) \\d+ writes/s"), r.stdout());
      assertTrue(lines.get(i++).matches("(PASS: Slowest request took|Slowest request took too long:) \\d+\\.\\d{6}s"), r.stdout());
      assertTrue(lines.get(i++).matches("(PASS: Stddev is|Stddev too high:) \\d+\\.\\d{6}s"), r.stdout());
      String verdict = lines.get(i++);
      assertEquals(verdict.equals("PASS") ? 0 : 1, r.exitCode(), r.stdout());
      assertTrue(verdict.equals("PASS") || verdict.equals("FAIL"), verdict);
      assertEquals(List.of(""), lines.subList(i, lines.size()), r.stdout());
      assertEquals("", r.stderr());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void datascale(EtcdProcess.Kind kind) {
    int[] ports = EtcdProcess.freePorts(2);
    try (EtcdProcess server = EtcdProcess.member(kind, "ctl-check-ds", "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      server.start();
      String ep = server.endpoint();
      List<String> args = List.of("check", "datascale");
      long before = revision(ep);
      Etcdctl.Result r = withProperty(CheckDatascale.PUTS_PROPERTY, DATASCALE_PUTS, () -> OurEtcdctl.run(ep, args));
      assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
      List<String> lines = Arrays.asList(r.stdout().split("\n", -1));
      assertEquals("Start data scale check for work load [10000 key-value pairs, 1024 bytes per key-value, 50 concurrent clients].", lines.get(0));
      assertTrue(lines.get(1).matches("(?s)\r 0 / " + DATASCALE_PUTS + " .*\r " + DATASCALE_PUTS + " / " + DATASCALE_PUTS + "  100\\.00% \\d+s"), lines.get(1));
      assertTrue(lines.get(2).matches("PASS: Approximate system memory used : -?\\d+\\.\\d\\d MB\\."), lines.get(2));
      assertEquals(before + DATASCALE_PUTS + 1, revision(ep));
      assertEquals("", Etcdctl.run(ep, List.of("get", "/etcdctl-check-datascale/", "--prefix", "--keys-only")).stdout());
    }
  }

  private static long revision(String ep) {
    Etcdctl.Result r = Etcdctl.run(ep, List.of("get", "x", "-w", "json"));
    Matcher m = REVISION.matcher(r.stdout());
    assertTrue(m.find(), r.stdout());
    return Long.parseLong(m.group(1));
  }

  private static Etcdctl.Result withProperty(String key, int value, java.util.function.Supplier<Etcdctl.Result> run) {
    System.setProperty(key, Integer.toString(value));
    try {
      return run.get();
    } finally {
      System.clearProperty(key);
    }
  }
}
