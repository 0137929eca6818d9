package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden output for etcdj's long-running etcdctl commands, {@code watch} and {@code make-mirror}: the same script runs
 * once with stock etcdctl 3.4.23 (background processes) and once with etcdj's (in-process, stopped through
 * {@code Io.interrupt()}), each on a fresh server of the same kind started on the same ports with the same name, and
 * every watcher's output (stdout and stderr together, ids normalized) must be the same. Run against etcdj and etcd.
 */
@Tag("process")
// The server kinds run side by side (junit-platform.properties: two at a time); each has its own servers.
@Execution(ExecutionMode.CONCURRENT)
class CtlWatchGoldenTest {

  /**
   * A background watcher: its name, input (null: none) and environment, and its arguments. Watches of one -i watcher
   * print on their own threads (goroutines in etcdctl), so they watch keys no single write touches together.
   */
  record Watcher(String name, String stdin, Map<String, String> env, String... args) {}

  static final String EXEC = "echo exec $ETCD_WATCH_EVENT_TYPE $ETCD_WATCH_KEY $ETCD_WATCH_VALUE $ETCD_WATCH_REVISION";

  static final List<Watcher> WATCHERS =
      List.of(
          new Watcher("prefix", null, Map.of(), "watch", "foo", "--prefix"),
          new Watcher("prev-kv", null, Map.of(), "watch", "foo", "--prev-kv"),
          new Watcher("rev 2 json", null, Map.of(), "watch", "foo", "--prefix", "--rev", "2", "-w", "json"),
          new Watcher("range fields", null, Map.of(), "watch", "foo/a", "foo/c", "-w", "fields", "--prev-kv"),
          new Watcher("hex", null, Map.of(), "watch", "foo/b", "--hex"),
          new Watcher("exec", null, Map.of(), "watch", "foo/b", "--", "sh", "-c", EXEC),
          new Watcher("exec after flags", null, Map.of(), "watch", "--rev", "3", "foo", "--", "sh", "-c", "echo $ETCD_WATCH_KEY"),
          new Watcher("env key", null, Map.of("ETCDCTL_WATCH_KEY", "foo/a", "ETCDCTL_WATCH_RANGE_END", "foo/z"), "watch"),
          new Watcher("env exec", null, Map.of("ETCDCTL_WATCH_KEY", "foo/c"), "watch", "--", "sh", "-c", "echo env $ETCD_WATCH_KEY"),
          new Watcher(
              "interactive",
              "watch foo --prefix --prev-kv\nwatch bar\n\nbogus line\nwatch\nwatch a b --prefix\n",
              Map.of(),
              "watch",
              "-i"),
          new Watcher(
              "interactive json exec",
              "watch foo/c -- sh -c 'echo exec $ETCD_WATCH_KEY'\nwatch --rev 2 bar\n",
              Map.of(),
              "watch",
              "-i",
              "-w",
              "json"),
          new Watcher("interactive env", "watch -- echo hi\n", Map.of("ETCDCTL_WATCH_KEY", "foo/b"), "watch", "-i"));

  static List<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void watchPrintsWhatStockPrints(EtcdProcess.Kind kind) {
    int[] ports = EtcdProcess.freePorts(2);
    String stock = watchScript(kind, ports, true);
    String ours = watchScript(kind, ports, false);
    // The script is not vacuous: watchers saw events, progress, exec output and the compaction.
    assertTrue(stock.contains("--- watcher prefix\nPUT\nfoo\n4\n"), stock);
    assertTrue(stock.contains("exec \"PUT\" \"foo/b\" \"5\""), stock);
    assertTrue(stock.contains("progress notify: "), stock);
    assertTrue(stock.contains("required revision has been compacted"), stock);
    assertSame(kind, "watch", stock, ours);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void makeMirrorPrintsAndCopiesWhatStockDoes(EtcdProcess.Kind kind) {
    CompletableFuture<String> stock = CompletableFuture.supplyAsync(() -> mirrorScript(kind, true));
    String ours = mirrorScript(kind, false);
    String theirs = stock.join();
    // Two keys copied, then five events mirrored; mm/a and mm/b deleted on the way.
    assertTrue(theirs.contains("--- printed\n7\n--- dest\nx/c\n3\nx/d\n4\nx/e\n5\n"), theirs);
    assertSame(kind, "make-mirror", theirs, ours);
  }

  private static void assertSame(EtcdProcess.Kind kind, String what, String stock, String ours) {
    write("ctl-" + what + "-" + kind.lowerName() + "-stock.transcript", stock);
    write("ctl-" + what + "-" + kind.lowerName() + "-ours.transcript", ours);
    String diff = LineDiff.diff(List.of(stock.split("\n", -1)), List.of(ours.split("\n", -1)), "stock etcdctl", "etcdj etcdctl");
    if (!diff.isEmpty()) {
      fail(what + " on " + kind + ": etcdj's etcdctl differs from stock etcdctl\n" + diff);
    }
  }

  /** A background run of either CLI. */
  private interface Background {
    void write(String input);

    String stop();
  }

  private static Background start(String ep, boolean stock, Watcher w) {
    if (stock) {
      EtcdctlBackground b = EtcdctlBackground.start(ep, w.name(), w.stdin(), w.env(), w.args());
      return new Background() {
        @Override
        public void write(String input) {
          try {
            b.stdin.write(input.getBytes(StandardCharsets.UTF_8));
            b.stdin.flush();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }

        @Override
        public String stop() {
          return b.stop();
        }
      };
    }
    OurEtcdctlBackground b = OurEtcdctlBackground.start(ep, w.name(), w.stdin(), w.env(), w.args());
    return new Background() {
      @Override
      public void write(String input) {
        b.write(input);
      }

      @Override
      public String stop() {
        return b.stop();
      }
    };
  }

  private static String once(String ep, boolean stock, String stdin, String... args) {
    Etcdctl.Result r =
        stock
            ? Etcdctl.run(ep, List.of(args), stdin, Duration.ofSeconds(15))
            : OurEtcdctl.run(ep, List.of(args), stdin, Duration.ofSeconds(15), Map.of());
    return "$ etcdctl " + String.join(" ", args) + "\n" + r.stdout() + r.stderr() + "[exit " + r.exitCode() + "]\n";
  }

  /** Writes are made by stock etcdctl on both sides, so only the watchers' CLI differs. */
  private static String put(String ep, String... args) {
    return once(ep, true, null, args);
  }

  private static String watchScript(EtcdProcess.Kind kind, int[] ports, boolean stock) {
    String label = stock ? "stock" : "ours";
    try (EtcdProcess server =
        EtcdProcess.member(kind, "ctlwatch-" + label, "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      server.start();
      String ep = server.endpoint();
      EtcdctlNormalizer normalizer = new EtcdctlNormalizer(server);
      StringBuilder t = new StringBuilder();
      t.append(put(ep, "put", "foo", "1"));
      t.append(put(ep, "put", "foo/a", "2"));
      t.append(put(ep, "put", "foo/b", "3"));
      t.append(put(ep, "del", "foo/a"));
      List<Background> running = new ArrayList<>();
      for (Watcher w : WATCHERS) {
        running.add(start(ep, stock, w));
      }
      // Every watcher created (a late one would see other batches): generous, the machine may be shared.
      EtcdProcess.sleepMs(4_000);
      for (int i = 0; i < WATCHERS.size(); i++) {
        // Not to the json one: two watches' progress lines and objects may interleave either way.
        if (WATCHERS.get(i).name().startsWith("interactive") && !WATCHERS.get(i).name().contains("json")) {
          running.get(i).write("progress\n");
        }
      }
      EtcdProcess.sleepMs(500);
      // Writes are spaced so that each one's events (and exec commands) are done before the next.
      String[][] writes = {
        {"put", "foo", "4"}, {"put", "foo/b", "5"}, {"put", "foo/c", "6"}, {"txn"}, {"del", "foo", "--prefix"},
        {"put", "bar", "7"}, {"put", "foo/a", "10"}
      };
      for (String[] w : writes) {
        t.append(w[0].equals("txn") ? once(ep, true, "\nput foo/d 8\nput foo/e 9\n\n\n", "txn") : put(ep, w));
        EtcdProcess.sleepMs(300);
      }
      EtcdProcess.sleepMs(1_500); // every event delivered
      for (int i = 0; i < WATCHERS.size(); i++) {
        String out = running.get(i).stop();
        t.append("--- watcher ").append(WATCHERS.get(i).name()).append('\n');
        t.append(String.join("\n", normalizer.normalize(List.of(WATCHERS.get(i).args()), out))).append('\n');
      }
      t.append(put(ep, "compaction", "5"));
      for (String[] args :
          List.of(
              new String[] {"watch", "foo", "--rev", "2"},
              new String[] {"watch", "foo", "--rev", "2", "-w", "json"},
              new String[] {"watch", "foo", "--rev", "3", "-w", "fields"},
              new String[] {"watch", "foo", "--rev", "3", "-w", "protobuf"},
              new String[] {"watch", "foo", "--rev", "4", "-w", "table"})) {
        String out = once(ep, stock, null, args);
        t.append(String.join("\n", normalizer.normalize(List.of(args), out))).append('\n');
      }
      t.append(String.join("\n", normalizer.normalize(List.of(), once(ep, stock, "watch foo\n", "watch", "-i")))).append('\n');
      return t.toString();
    }
  }

  /** A source and a destination server; make-mirror of mm/ to x/, writes before and while it runs. */
  private static String mirrorScript(EtcdProcess.Kind kind, boolean stock) {
    String label = stock ? "stock" : "ours";
    int[] ports = EtcdProcess.freePorts(4);
    try (EtcdProcess src =
            EtcdProcess.member(kind, "ctlmirror-src-" + label, "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of());
        EtcdProcess dest =
            EtcdProcess.member(kind, "ctlmirror-dest-" + label, "n1", ports[2], ports[3], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      src.start();
      dest.start();
      String ep = src.endpoint();
      StringBuilder t = new StringBuilder();
      put(ep, "put", "mm/a", "1");
      put(ep, "put", "mm/b", "2");
      put(ep, "put", "other", "3");
      t.append(once(ep, stock, null, "make-mirror"));
      t.append(once(ep, stock, null, "make-mirror", dest.endpoint(), "--dest-prefix", "y/", "--no-dest-prefix"));
      Background mirror =
          start(ep, stock, new Watcher("mirror", null, Map.of(), "make-mirror", dest.endpoint(), "--prefix", "mm/", "--dest-prefix", "x/"));
      EtcdProcess.sleepMs(3_000);
      put(ep, "put", "mm/c", "3");
      put(ep, "del", "mm/a");
      once(ep, true, "\nput mm/d 4\nput mm/e 5\ndel mm/b\n\n\n", "txn");
      put(ep, "put", "other2", "6");
      // make-mirror prints its count every 30 s.
      EtcdProcess.sleepMs(30_500);
      t.append("--- printed\n").append(mirror.stop());
      Etcdctl.Result got = Etcdctl.run(dest.endpoint(), List.of("get", "", "--from-key"), null, Duration.ofSeconds(15));
      t.append("--- dest\n").append(got.stdout()).append(got.stderr());
      return t.toString().replace(dest.endpoint(), "<DEST>");
    }
  }

  private static void write(String file, String text) {
    try {
      java.nio.file.Path dir = java.nio.file.Files.createDirectories(EtcdProcess.LOG_ROOT);
      java.nio.file.Files.writeString(dir.resolve(file), text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
