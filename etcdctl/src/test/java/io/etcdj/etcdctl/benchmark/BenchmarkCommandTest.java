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
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The whole command over real netty connections to a fake KV on a free loopback port. */
class BenchmarkCommandTest {
  private FakeKv kv;
  private Server server;
  private String endpoint;

  @BeforeEach
  void start() throws Exception {
    kv = new FakeKv(25);
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(kv)
            .build()
            .start();
    endpoint = "http://127.0.0.1:" + server.getPort();
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
    assertEquals(expectedExit, exit, err.toString());
    return out.toString();
  }

  @Test
  void putPrintsTheReportAndResultLine() {
    String out =
        run(0, "--endpoints", endpoint, "put", "--clients", "10", "--conns", "3", "--total",
            "1000", "--key-size", "8", "--val-size", "256", "--key-space-size", "50");
    assertEquals(1000, kv.puts.get());
    assertEquals(Map.of(256, 1000L), Map.of(256, kv.valueSizes.get(256).get()));
    assertTrue(out.contains("\nSummary:\n"), out);
    assertTrue(out.contains("\nResponse time histogram:\n"), out);
    assertTrue(out.contains("\nLatency distribution:\n  10% in "), out);
    assertTrue(out.contains("\nError distribution:\n  [40]\trpc error: code = Unavailable"), out);
    assertTrue(out.contains("\nRESULT op=put requests=1000 errors=40 "), out);
  }

  @Test
  void rangeWithJsonPrintsOneObject() {
    String out =
        run(0, "range", "foo", "--endpoints", endpoint, "--consistency", "s", "--total", "200",
            "--clients", "4", "--json");
    assertEquals(200, kv.ranges.get());
    assertEquals(1, out.strip().lines().count(), out);
    assertTrue(out.startsWith("{\"op\":\"range\",\"requests\":200,\"successes\":200,\"errors\":0,"), out);
  }

  @Test
  void unreachableEndpointFailsWithinTheDialTimeout() {
    int port = server.getPort();
    server.shutdownNow();
    run(1, "--endpoints", "127.0.0.1:" + port, "--dial-timeout", "300ms", "put", "--total", "1");
  }
}
