package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The scripts in bin/ as an operator runs them: from a directory outside the repository, with the server and CLI
 * classes taken from this test's class path ({@code ETCDJ_CLASSPATH}, so nothing is built). Every script answers
 * --help and -h without starting anything and names each option and variable it reads; bin/etcdj exec's the JVM, so a
 * SIGTERM to the script's pid stops the server as one to etcd does (status 143, 128 + SIGTERM, as etcd re-raising the
 * signal); bin/etcdj-cluster stops all three members on SIGTERM. {@code etcd --help} and {@code bin/etcdj --help} list
 * the same sections and flags with the same defaults, except for the differences named here.
 */
@Tag("process")
class BinScriptsTest {
  /** Bash's own variables, read by the scripts but not set by a user. */
  private static final Set<String> SHELL_VARIABLES = Set.of("BASH_SOURCE", "PIPESTATUS");

  /** Where etcdj's flag list differs from etcd 3.4.23's on purpose (docs/compatibility.md). */
  private static final Map<String, String> ETCDJ_DEFAULTS_DIFFERENT =
      Map.of(
          // etcdj checkpoints leases by default, so a leader change does not reset their TTLs.
          "experimental-enable-lease-checkpoint", "'true'",
          // etcd 3.5.13's flag, which 3.4 does not have.
          "experimental-snapshot-catchup-entries", "'5000'");

  private static final Pattern CASE_OPTION = Pattern.compile("(?m)^\\s*(?:[-\\w|= *]*\\|\\s*)?(--[a-z][a-z-]*)(?:=\\*)?\\)");
  private static final Pattern VARIABLE = Pattern.compile("\\$\\{?([A-Z][A-Z0-9_]+)");

  private Path cwd;

  @BeforeEach
  void makeCwd() throws IOException {
    cwd = Files.createTempDirectory("etcdj-bin-cwd-");
  }

  @AfterEach
  void removeCwd() {
    EtcdProcess.deleteTree(cwd);
  }

  @Test
  void everyScriptAnswersHelpFromAnyDirectoryWithoutStartingAnything() throws Exception {
    List<Path> scripts = scripts();
    assertTrue(scripts.size() >= 11, "bin/ scripts: " + scripts);
    for (Path script : scripts) {
      String text = Files.readString(script, StandardCharsets.UTF_8);
      Set<String> mentions = new TreeSet<>();
      Matcher m = CASE_OPTION.matcher(text);
      while (m.find()) {
        mentions.add(m.group(1));
      }
      m = VARIABLE.matcher(text);
      while (m.find()) {
        if (!SHELL_VARIABLES.contains(m.group(1))) {
          mentions.add(m.group(1));
        }
      }
      for (String flag : List.of("--help", "-h")) {
        Run r = run(List.of("bash", script.toString(), flag), Map.of(), Duration.ofSeconds(60));
        String both = r.stdout() + r.stderr();
        assertEquals(0, r.exitCode(), script.getFileName() + " " + flag + "\n" + both);
        assertTrue(both.contains("Usage:") || both.contains("USAGE:"), script.getFileName() + " prints a usage\n" + both);
        for (String word : mentions) {
          assertTrue(both.contains(word), script.getFileName() + " " + flag + " does not mention " + word + "\n" + both);
        }
      }
      try (Stream<Path> left = Files.list(cwd)) {
        assertEquals(List.of(), left.toList(), script.getFileName() + " --help created files in its directory");
      }
    }
  }

  /** etcd's and etcdj's --help read as (section, flag, shown default), and their exit codes, compared. */
  @Test
  void etcdjHelpListsEtcdsSectionsFlagsAndDefaults() throws Exception {
    Run etcd = run(List.of(EtcdProcess.ETCD_BINARY, "--help"), Map.of(), Duration.ofSeconds(20));
    Run etcdj = run(List.of("bash", bin("etcdj").toString(), "--help"), Map.of(), Duration.ofSeconds(30));
    assertEquals(0, etcd.exitCode(), etcd.stderr());
    assertEquals(etcd.exitCode(), etcdj.exitCode(), etcdj.stderr());
    assertTrue(etcd.stderr().startsWith("Usage:\n\n  etcd [flags]\n"), etcd.stderr());
    assertTrue(etcdj.stderr().contains("\nUsage:\n\n  etcd [flags]\n"), etcdj.stderr());
    Map<String, String> expected = flagList(etcd.stdout());
    ETCDJ_DEFAULTS_DIFFERENT.forEach((flag, shown) -> expected.put("Experimental feature: --" + flag, shown));
    Map<String, String> actual = flagList(etcdj.stdout());
    assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()), "sections and flags");
    assertEquals(expected, actual, "shown defaults");
    assertEquals(sections(etcd.stdout()), sections(etcdj.stdout()), "section order");
    assertTrue(expected.size() > 75, "parsed etcd's flags: " + expected.size());
  }

  /** Where Go's flag parser finds the help flag, and where it does not, etcdj does the same. */
  @Test
  void helpFlagSpellingsAndPositionsAreEtcds() throws Exception {
    List<List<String>> lines =
        List.of(
            List.of("-h"),
            List.of("--help=false"),
            List.of("--name", "x", "--help"),
            List.of("--bogus", "--help"),
            List.of("--heartbeat-interval", "abc", "-h"),
            List.of("--", "--help"));
    for (List<String> args : lines) {
      List<String> etcdCmd = new ArrayList<>(List.of(EtcdProcess.ETCD_BINARY));
      etcdCmd.addAll(args);
      List<String> etcdjCmd = new ArrayList<>(List.of("bash", bin("etcdj").toString()));
      etcdjCmd.addAll(args);
      Run etcd = run(etcdCmd, Map.of(), Duration.ofSeconds(20));
      Run etcdj = run(etcdjCmd, Map.of(), Duration.ofSeconds(30));
      assertEquals(etcd.exitCode(), etcdj.exitCode(), args + "\netcd: " + etcd.stderr() + "\netcdj: " + etcdj.stderr());
      assertEquals(sections(etcd.stdout()), sections(etcdj.stdout()), args + ": help printed or not");
      assertEquals(
          etcd.stderr().contains("\nUsage:\n") || etcd.stderr().startsWith("Usage:\n"),
          etcdj.stderr().contains("\nUsage:\n"),
          args + ": usage block on stderr\netcd: " + etcd.stderr() + "\netcdj: " + etcdj.stderr());
      String firstError = etcd.stderr().lines().findFirst().orElse("").replaceFirst("^[0-9: .-]{26} ", "");
      if (etcd.exitCode() != 0) {
        assertTrue(etcdj.stderr().contains(firstError), args + ": etcd says " + firstError + "\netcdj: " + etcdj.stderr());
      }
    }
    try (Stream<Path> left = Files.list(cwd)) {
      assertEquals(List.of(), left.toList(), "nothing started");
    }
  }

  @Test
  void etcdjScriptExecsTheJvmSoSigtermToItsPidStopsTheServer() throws Exception {
    Path data = Files.createTempDirectory("etcdj-bin-data-");
    int[] ports = EtcdProcess.freePorts(2);
    String client = "http://127.0.0.1:" + ports[0];
    String peer = "http://127.0.0.1:" + ports[1];
    Path log = data.resolve("etcdj.log");
    Process p =
        builder(
                List.of(
                    "bash", bin("etcdj").toString(), "--name", "b1", "--data-dir", data.resolve("d").toString(),
                    "--listen-client-urls", client, "--advertise-client-urls", client,
                    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                    "--initial-cluster", "b1=" + peer),
                Map.of())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    try {
      awaitHealthy("127.0.0.1:" + ports[0], p, log);
      List<String> cmdline = cmdline(p.pid());
      assertTrue(cmdline.get(0).endsWith("/java") || cmdline.get(0).equals("java"), "pid runs the JVM: " + cmdline);
      assertTrue(cmdline.contains("io.etcdj.server.EtcdMain"), "pid runs EtcdMain: " + cmdline);
      p.destroy(); // SIGTERM to the pid the script was started as
      assertTrue(p.waitFor(20, TimeUnit.SECONDS), "etcdj did not stop within 20 s of SIGTERM");
      assertEquals(143, p.exitValue(), "exit status after SIGTERM, as etcd's\n" + Files.readString(log));
      assertFalse(listening(ports[0]), "client port closed");
      try (Stream<Path> left = Files.list(cwd)) {
        assertEquals(List.of(), left.toList(), "bin/etcdj wrote nothing into the directory it was started from");
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      EtcdProcess.deleteTree(data);
    }
  }

  @Test
  void clusterScriptStopsEveryMemberOnSigterm() throws Exception {
    Path root = Files.createTempDirectory("etcdj-bin-cluster-");
    int[] ports = EtcdProcess.freePorts(6);
    Path log = root.resolve("cluster.log");
    Process launcher =
        builder(
                List.of("bash", bin("etcdj-cluster").toString(), "--data-root", root.resolve("data").toString()),
                Map.of(
                    "ETCDJ_CLUSTER_CLIENT_PORTS", ports[0] + " " + ports[1] + " " + ports[2],
                    "ETCDJ_CLUSTER_PEER_PORTS", ports[3] + " " + ports[4] + " " + ports[5],
                    "ETCDJ_CLUSTER_TOKEN", "bin-scripts-" + ports[0]))
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    List<ProcessHandle> members = new ArrayList<>();
    try {
      awaitHealthy("127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:" + ports[2], launcher, log);
      // bin/etcdj exec's java, so each member is a JVM right under the launcher.
      launcher.children().filter(h -> cmdline(h.pid()).contains("io.etcdj.server.EtcdMain")).forEach(members::add);
      assertEquals(3, members.size(), "member JVMs under the launcher\n" + Files.readString(log));
      launcher.destroy(); // SIGTERM
      assertTrue(launcher.waitFor(30, TimeUnit.SECONDS), "the launcher did not exit within 30 s of SIGTERM");
      assertEquals(143, launcher.exitValue(), "exit status after SIGTERM");
      for (ProcessHandle m : members) {
        assertFalse(m.isAlive(), "member " + m.pid() + " still runs after the launcher exited");
      }
      for (int i = 0; i < 3; i++) {
        assertFalse(listening(ports[i]), "client port " + ports[i] + " closed");
      }
    } finally {
      members.forEach(ProcessHandle::destroyForcibly);
      launcher.descendants().forEach(ProcessHandle::destroyForcibly);
      launcher.destroyForcibly();
      launcher.waitFor(10, TimeUnit.SECONDS);
      EtcdProcess.deleteTree(root);
    }
  }

  /**
   * A benchmark script caught in the middle of a load run (a foreground command, during which bash would hold a trap
   * back): SIGTERM to its pid stops both servers and the load tool at once (bin/lib/supervise.bash).
   */
  @Test
  void benchScriptStopsItsServersAndLoadOnSigterm() throws Exception {
    Path log = Files.createTempFile("etcdj-bin-bench-", ".log");
    Process script =
        builder(List.of("bash", bin("bench-put1-pairs").toString(), "1"), Map.of())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    List<ProcessHandle> started = new ArrayList<>();
    try {
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (script.descendants().noneMatch(h -> cmdline(h.pid()).contains("io.etcdj.etcdctl.benchmark.Benchmark"))) {
        if (!script.isAlive() || System.nanoTime() > deadline) {
          fail("no load run under bin/bench-put1-pairs\n" + Files.readString(log));
        }
        EtcdProcess.sleepMs(200);
      }
      script.descendants().forEach(started::add);
      assertTrue(
          started.stream().anyMatch(h -> cmdline(h.pid()).contains("io.etcdj.server.EtcdMain")),
          "etcdj runs under the script: " + started);
      assertTrue(
          started.stream().anyMatch(h -> cmdline(h.pid()).get(0).endsWith("etcd")), "etcd runs under the script");
      long stopNs = System.nanoTime();
      script.destroy(); // SIGTERM
      assertTrue(script.waitFor(30, TimeUnit.SECONDS), "the script did not exit within 30 s of SIGTERM");
      assertEquals(143, script.exitValue(), "exit status after SIGTERM\n" + Files.readString(log));
      for (ProcessHandle h : started) {
        assertFalse(h.isAlive(), "pid " + h.pid() + " " + cmdline(h.pid()) + " outlived the script");
      }
      assertTrue(
          System.nanoTime() - stopNs < Duration.ofSeconds(25).toNanos(), "stopped at once, not after the load run");
    } finally {
      started.forEach(ProcessHandle::destroyForcibly);
      script.descendants().forEach(ProcessHandle::destroyForcibly);
      script.destroyForcibly();
      script.waitFor(10, TimeUnit.SECONDS);
      Files.deleteIfExists(log);
    }
  }

  // ------------------------------------------------------------ helpers

  private record Run(int exitCode, String stdout, String stderr) {}

  /** Flag lines of a help text as "Section: --flag" → shown default, in order. */
  private static Map<String, String> flagList(String help) {
    Map<String, String> out = new LinkedHashMap<>();
    String section = "";
    for (String line : help.split("\n")) {
      if (line.matches("\\S.*:")) {
        section = line.substring(0, line.length() - 1);
      } else if (line.startsWith("  --")) {
        int space = line.indexOf(' ', 4);
        out.put(section + ": " + line.substring(2, space), line.substring(space + 1));
      }
    }
    return out;
  }

  private static List<String> sections(String help) {
    return help.lines().filter(l -> l.matches("\\S.*:")).toList();
  }

  private void awaitHealthy(String endpoints, Process p, Path log) throws IOException {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      if (!p.isAlive()) {
        fail("exited with " + p.exitValue() + " before it was healthy\n" + Files.readString(log));
      }
      Etcdctl.Result r =
          Etcdctl.run(endpoints, List.of("--dial-timeout", "1s", "--command-timeout", "2s", "endpoint", "health"));
      if (r.exitCode() == 0) {
        return;
      }
      if (System.nanoTime() > deadline) {
        fail("not healthy within 60 s: " + r.stderr() + "\n" + Files.readString(log));
      }
      EtcdProcess.sleepMs(200);
    }
  }

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static List<String> cmdline(long pid) {
    try {
      byte[] raw = Files.readAllBytes(Paths.get("/proc", Long.toString(pid), "cmdline"));
      return List.of(new String(raw, StandardCharsets.UTF_8).split("\0"));
    } catch (IOException e) {
      return List.of(); // gone already
    }
  }

  /** A process started in the temp cwd, with the test's JVM first on PATH and its class path for the scripts. */
  private ProcessBuilder builder(List<String> cmd, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    pb.environment().put("ETCDJ_CLASSPATH", System.getProperty("java.class.path"));
    pb.environment()
        .put("PATH", Paths.get(System.getProperty("java.home"), "bin") + File.pathSeparator + System.getenv("PATH"));
    pb.environment().putAll(env);
    return pb;
  }

  private Run run(List<String> cmd, Map<String, String> env, Duration timeout) throws Exception {
    Path out = Files.createTempFile("etcdj-bin-", ".out");
    Path err = Files.createTempFile("etcdj-bin-", ".err");
    try {
      Process p = builder(cmd, env).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        fail(cmd + " still runs after " + timeout + "\n" + Files.readString(err));
      }
      return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  private static List<Path> scripts() throws IOException {
    try (Stream<Path> files = Files.list(repoRoot().resolve("bin"))) {
      return files.filter(Files::isRegularFile).sorted().toList();
    }
  }

  private static Path bin(String name) {
    return repoRoot().resolve("bin").resolve(name);
  }

  /** The repository root: the first parent of the working directory holding bin/etcdj. */
  private static Path repoRoot() {
    Path dir = Paths.get("").toAbsolutePath();
    for (Path d = dir; d != null; d = d.getParent()) {
      if (Files.exists(d.resolve("bin/etcdj"))) {
        return d;
      }
    }
    throw new IllegalStateException("no bin/etcdj above " + dir);
  }
}
