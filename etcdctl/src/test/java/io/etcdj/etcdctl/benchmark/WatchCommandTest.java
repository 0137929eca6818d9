package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code watch} and {@code watch-latency} over real netty connections to {@link FakeWatchKv}. */
class WatchCommandTest {
  private FakeWatchKv fake;
  private Server server;
  private String endpoint;

  @BeforeEach
  void start() throws Exception {
    fake = new FakeWatchKv();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(fake.kv())
            .addService(fake.watch())
            .build()
            .start();
    endpoint = "127.0.0.1:" + server.getPort();
  }

  @AfterEach
  void stop() {
    server.shutdownNow();
  }

  private String run(int expectedExit, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new Benchmark());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    int exit = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cmd.execute(args));
    assertEquals(expectedExit, exit, err.toString() + out);
    return out.toString();
  }

  @Test
  void everyWatcherOfAPutKeyGetsItsEvent() {
    String out =
        run(0, "--endpoints", endpoint, "--clients", "4", "--conns", "2", "watch", "--streams",
            "3", "--watch-per-stream", "20", "--watched-key-total", "7", "--sequential-keys",
            "--key-space-size", "100", "--put-total", "50");
    assertEquals(60, fake.creates.get());
    assertEquals(50, fake.puts.get());
    // 60 watchers over 7 keys; 50 puts over the same 7 keys.
    long expected = 0;
    for (long e : new WatchKeys(32, 100, true, 7, 1).expectedEvents(3, 20, 50)) {
      expected += e;
    }
    assertEquals(expected, fake.eventsSent.get());
    assertTrue(out.startsWith("Watch creation summary:\n"), out);
    assertTrue(out.contains("\nRESULT op=watch-make requests=60 errors=0 "), out);
    assertTrue(out.contains("\nRESULT op=watch-put requests=50 errors=0 "), out);
    assertTrue(
        out.contains("\nRESULT op=watch-events events=" + expected + " expected=" + expected
            + " missing=0 "),
        out);
  }

  @Test
  void prefixWatchersSeeTheSameEvents() {
    String out =
        run(0, "--endpoints", endpoint, "watch", "--streams", "2", "--watch-per-stream", "5",
            "--put-total", "30", "--watch-prefix", "--put-rate", "1000");
    assertTrue(out.contains("\nRESULT op=watch-events events=300 expected=300 missing=0 "), out);
  }

  @Test
  void idleWatchersWithoutPuts() {
    String out =
        run(0, "--endpoints", endpoint, "watch", "--streams", "2", "--watch-per-stream", "10",
            "--put-total", "0", "--idle-hold", "50ms");
    assertTrue(out.contains("\nHOLD watchers=20 idle_ms=50\n"), out);
    assertTrue(!out.contains("op=watch-events"), out);
  }

  @Test
  void watchLatencyMatchesEveryEventToItsPut() {
    String out =
        run(0, "--endpoints", endpoint, "--conns", "2", "watch-latency", "--streams", "2",
            "--watchers-per-stream", "3", "--put-total", "40", "--put-rate", "2000");
    assertEquals(40, fake.puts.get());
    assertEquals(6 * 40, fake.eventsSent.get());
    assertTrue(out.contains("\nRESULT op=watch-latency-put requests=40 errors=0 "), out);
    assertTrue(out.contains("\nRESULT op=watch-latency requests=240 errors=0 "), out);
    assertTrue(out.contains("\nRESULT op=watch-latency-from-send requests=240 errors=0 "), out);
  }
}
