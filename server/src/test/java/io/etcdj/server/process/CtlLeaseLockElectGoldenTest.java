package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden output for the etcdctl commands that run until they are interrupted or their lease ends, which the session
 * files cannot express: {@code lease keep-alive} (stopped, and ended by a revoke), {@code lock} (a holder and a waiter,
 * a waiter given up, a command run under the lock, a session whose lease is revoked) and {@code elect} (a leader, a
 * candidate that takes over, a candidate given up, observers in two formats). The same scenario runs with stock
 * etcdctl (processes, stopped with SIGTERM, which lock and elect catch as they catch Ctrl-C) on a fresh server and with
 * etcdj's etcdctl (in-process, stopped by completing its interrupt) on another fresh server of the same kind on the
 * same ports; the normalized transcripts must be equal.
 *
 * <p>Normalized beyond {@link EtcdctlNormalizer}: lease ids (hex and decimal, numbered by first appearance), runs of
 * identical lines from a keep-alive (their count depends on timing), and the exit code of a run the interrupt killed
 * (143 for a stock etcdctl killed by SIGTERM, 130 for ours).
 */
@Tag("process")
// The server kinds run side by side (junit-platform.properties: two at a time); each has its own servers.
@Execution(ExecutionMode.CONCURRENT)
class CtlLeaseLockElectGoldenTest {
  private static final long WAIT_MS = 15_000;
  /** How long a waiter is watched to show it does not get what is held. */
  private static final long HELD_MS = 1_500;
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(15);
  private static final Pattern GRANTED = Pattern.compile("^lease ([0-9a-f]+) granted", Pattern.MULTILINE);
  private static final Pattern KEY_LEASE = Pattern.compile("/([0-9a-f]+)\\s*$", Pattern.MULTILINE);

  /** One etcdctl, stock or ours, against one server. */
  private interface Cli {
    Etcdctl.Result run(String... args);

    Background start(String name, String... args);
  }

  /** A running etcdctl: its merged stdout and stderr so far, and ways to end it. */
  private interface Background {
    String printed();

    /** Waits for the end on its own; -1 after the timeout. */
    int awaitExit(long timeoutMs);

    /** Ctrl-C (SIGTERM for stock) and wait for the end; the exit code. */
    int interrupt();

    /** Frees what it holds; stops it if it still runs. */
    void close();
  }

  static Stream<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void sameAsStockEtcdctl(EtcdProcess.Kind kind) {
    int[] ports = EtcdProcess.freePorts(2);
    List<String> stock = transcript(kind, ports, "stock", CtlLeaseLockElectGoldenTest::stock);
    List<String> ours = transcript(kind, ports, "ours", CtlLeaseLockElectGoldenTest::ours);
    String diff = LineDiff.diff(stock, ours, "stock etcdctl", "etcdj etcdctl");
    if (!diff.isEmpty()) {
      fail("lease/lock/elect on " + kind + ": etcdj's etcdctl differs from stock etcdctl\n" + diff);
    }
  }

  private static List<String> transcript(EtcdProcess.Kind kind, int[] ports, String label, Function<String, Cli> cliFor) {
    Transcript t;
    try (EtcdProcess server =
        EtcdProcess.member(kind, "ctl-lease-lock-elect-" + label, "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      server.start();
      t = new Transcript(new EtcdctlNormalizer(server), cliFor.apply(server.endpoint()));
      try {
        keepAlive(t);
        lock(t);
        elect(t);
      } finally {
        t.closeAll();
      }
    }
    List<String> lines = maskIds(t.lines);
    write("ctl-lease-lock-elect-" + kind.lowerName() + "-" + label + ".transcript", lines);
    return lines;
  }

  private static void keepAlive(Transcript t) {
    String id = granted(t.run("lease", "grant", "3"));
    Background ka = t.start("keep-alive", "lease", "keep-alive", id);
    assertTrue(awaitCount(ka, "keepalived", 2), "keep-alive: " + ka.printed());
    t.interrupt("keep-alive", ka);
    t.run("lease", "timetolive", id);

    String revoked = granted(t.run("lease", "grant", "30"));
    Background simple = t.start("keep-alive-revoked", "lease", "keep-alive", revoked);
    assertTrue(awaitCount(simple, "keepalived", 1), "keep-alive-revoked: " + simple.printed());
    t.run("lease", "revoke", revoked);
    t.awaitExit("keep-alive-revoked", simple);

    String json = granted(t.run("lease", "grant", "40"));
    Background js = t.start("keep-alive-json", "-w", "json", "lease", "keep-alive", json);
    assertTrue(awaitCount(js, "\"TTL\":40", 1), "keep-alive-json: " + js.printed());
    t.run("lease", "revoke", json);
    t.awaitExit("keep-alive-json", js);

    t.run("lease", "keep-alive", "1234");
  }

  private static void lock(Transcript t) {
    Background holder = t.start("lock-holder", "lock", "l2");
    assertTrue(awaitCount(holder, "l2/", 1), "lock-holder: " + holder.printed());
    Background waiter = t.start("lock-waiter", "lock", "l2", "--", "sh", "-c", "echo got rev=$ETCD_LOCK_REV; exit 7");
    t.watchIdle("lock-waiter", waiter);
    t.interrupt("lock-holder", holder);
    t.awaitExit("lock-waiter", waiter);
    t.run("get", "l2", "--prefix", "--keys-only");

    Background fields = t.start("lock-holder-fields", "-w", "fields", "lock", "l3");
    assertTrue(awaitCount(fields, "\"Count\"", 1), "lock-holder-fields: " + fields.printed());
    Background given = t.start("lock-given-up", "lock", "l3");
    t.watchIdle("lock-given-up", given);
    t.interrupt("lock-given-up", given);
    // etcdctl deletes a given-up waiter's key before it exits; the v3lock service once the cancel reaches it.
    t.awaitKeys("l3", 1);
    t.interrupt("lock-holder-fields", fields);
    t.awaitKeys("l3", 0);

    Background lost = t.start("lock-session-lost", "lock", "--ttl", "3", "l4");
    assertTrue(awaitCount(lost, "l4/", 1), "lock-session-lost: " + lost.printed());
    Matcher m = KEY_LEASE.matcher(lost.printed());
    assertTrue(m.find(), lost.printed());
    t.run("lease", "revoke", m.group(1));
    t.awaitExit("lock-session-lost", lost);
  }

  private static void elect(Transcript t) {
    Background leader = t.start("elect-leader", "elect", "e1", "p1");
    assertTrue(awaitCount(leader, "p1", 1), "elect-leader: " + leader.printed());
    Background observer = t.start("elect-observer", "elect", "-l", "e1");
    assertTrue(awaitCount(observer, "p1", 1), "elect-observer: " + observer.printed());
    Background second = t.start("elect-second", "elect", "e1", "p2");
    t.watchIdle("elect-second", second);
    t.interrupt("elect-leader", leader);
    assertTrue(awaitCount(second, "p2", 1), "elect-second: " + second.printed());
    assertTrue(awaitCount(observer, "p2", 1), "elect-observer: " + observer.printed());
    Background fields = t.start("elect-observer-fields", "-w", "fields", "elect", "--listen", "e1");
    assertTrue(awaitCount(fields, "\"Value\" : \"p2\"", 1), "elect-observer-fields: " + fields.printed());
    Background given = t.start("elect-given-up", "elect", "e1", "p3");
    t.watchIdle("elect-given-up", given);
    t.interrupt("elect-given-up", given);
    t.awaitKeys("e1", 1);
    t.interrupt("elect-second", second);
    t.awaitKeys("e1", 0);
    t.interrupt("elect-observer", observer);
    t.interrupt("elect-observer-fields", fields);
  }

  /** The transcript of one side, in the order things happened. */
  private static final class Transcript {
    final EtcdctlNormalizer normalizer;
    final Cli cli;
    final List<String> lines = new ArrayList<>();
    final Map<String, List<String>> argsOf = new HashMap<>();
    final List<Background> started = new ArrayList<>();

    Transcript(EtcdctlNormalizer normalizer, Cli cli) {
      this.normalizer = normalizer;
      this.cli = cli;
    }

    Etcdctl.Result run(String... args) {
      Etcdctl.Result r = cli.run(args);
      lines.add("$ etcdctl " + String.join(" ", args));
      lines.add("[exit " + r.exitCode() + "]");
      lines.addAll(normalizer.normalize(List.of(args), r.stdout()));
      for (String line : normalizer.normalize(List.of(args), r.stderr())) {
        lines.add("stderr> " + line);
      }
      return r;
    }

    Background start(String name, String... args) {
      lines.add("$ etcdctl " + String.join(" ", args) + " &  # " + name);
      argsOf.put(name, List.of(args));
      Background b = cli.start(name, args);
      started.add(b);
      return b;
    }

    /** Shows that a waiting run has printed nothing and is still running. */
    void watchIdle(String name, Background b) {
      EtcdProcess.sleepMs(HELD_MS);
      lines.add("[" + name + " after " + HELD_MS + " ms] " + (b.printed().isEmpty() ? "nothing printed" : "printed:"));
      lines.addAll(collapse(normalizer.normalize(argsOf.get(name), b.printed())));
    }

    void interrupt(String name, Background b) {
      ended(name, "interrupted", b.interrupt(), b);
    }

    void awaitExit(String name, Background b) {
      ended(name, "ended", b.awaitExit(WAIT_MS), b);
    }

    private void ended(String name, String how, int exit, Background b) {
      lines.add("[" + name + " " + how + ", exit " + (exit == 130 || exit == 143 ? "killed by the signal" : exit) + "]");
      lines.addAll(collapse(normalizer.normalize(argsOf.get(name), b.printed())));
    }

    /** Waits (up to WAIT_MS) until {@code prefix} holds {@code count} keys, then records them. */
    void awaitKeys(String prefix, int count) {
      long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
      while (System.nanoTime() < deadline) {
        Etcdctl.Result r = cli.run("get", prefix, "--prefix", "--keys-only");
        if (r.stdout().lines().filter(l -> !l.isEmpty()).count() == count) {
          break;
        }
        EtcdProcess.sleepMs(100);
      }
      run("get", prefix, "--prefix", "--keys-only");
    }

    void closeAll() {
      for (Background b : started) {
        b.close();
      }
    }
  }

  private static String granted(Etcdctl.Result r) {
    Matcher m = GRANTED.matcher(r.stdout());
    assertTrue(m.find(), "lease grant printed " + r);
    return m.group(1);
  }

  private static boolean awaitCount(Background b, String text, int count) {
    long deadline = System.nanoTime() + WAIT_MS * 1_000_000;
    while (System.nanoTime() < deadline) {
      if (occurrences(b.printed(), text) >= count) {
        return true;
      }
      EtcdProcess.sleepMs(50);
    }
    return false;
  }

  private static int occurrences(String s, String text) {
    int n = 0;
    for (int i = s.indexOf(text); i >= 0; i = s.indexOf(text, i + 1)) {
      n++;
    }
    return n;
  }

  /** A keep-alive prints one line per renewal, as many as time allowed: a run of equal lines shows once. */
  private static List<String> collapse(List<String> lines) {
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      if (out.isEmpty() || !out.get(out.size() - 1).equals(line)) {
        out.add(line);
      }
    }
    return out;
  }

  /** Lease ids, which hold the server's clock: hex (also inside keys) and decimal, numbered by first appearance. */
  private static List<String> maskIds(List<String> lines) {
    Pattern id = Pattern.compile("\\b([0-9a-f]{10,16}|[0-9]{13,20})\\b");
    Map<String, String> names = new HashMap<>();
    List<String> out = new ArrayList<>();
    for (String line : lines) {
      Matcher m = id.matcher(line);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String name = names.computeIfAbsent(m.group(1), k -> "<ID_" + (names.size() + 1) + ">");
        m.appendReplacement(sb, Matcher.quoteReplacement(name));
      }
      m.appendTail(sb);
      out.add(sb.toString());
    }
    return out;
  }

  private static Cli stock(String endpoint) {
    return new Cli() {
      @Override
      public Etcdctl.Result run(String... args) {
        return Etcdctl.run(endpoint, List.of(args), null, COMMAND_TIMEOUT);
      }

      @Override
      public Background start(String name, String... args) {
        EtcdctlBackground p = EtcdctlBackground.start(endpoint, name, null, args);
        return new Background() {
          @Override
          public String printed() {
            return p.printed();
          }

          @Override
          public int awaitExit(long timeoutMs) {
            return p.awaitExit(timeoutMs);
          }

          @Override
          public int interrupt() {
            return p.interrupt();
          }

          @Override
          public void close() {
            p.stop();
          }
        };
      }
    };
  }

  private static Cli ours(String endpoint) {
    return new Cli() {
      @Override
      public Etcdctl.Result run(String... args) {
        return OurEtcdctl.run(endpoint, List.of(args), null, COMMAND_TIMEOUT, Map.of());
      }

      @Override
      public Background start(String name, String... args) {
        OurEtcdctlBackground p = OurEtcdctlBackground.start(endpoint, name, args);
        return new Background() {
          @Override
          public String printed() {
            return p.printed();
          }

          @Override
          public int awaitExit(long timeoutMs) {
            return p.awaitExit(timeoutMs);
          }

          @Override
          public int interrupt() {
            return p.interrupt();
          }

          @Override
          public void close() {
            p.interrupt();
          }
        };
      }
    };
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
