package io.etcdj.etcdctl.command;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.etcdj.etcdctl.Ctl;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Io;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * User and role commands call without a deadline (etcdctl's context.TODO()): against an endpoint
 * that never answers they wait, as stock etcdctl does, until the run is interrupted; then they end
 * without a word, as the stock process dies of the signal.
 */
class AuthCallsTest {

  @Test
  void untimedCallWaitsUntilInterrupted() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Io io = new Io(new ByteArrayInputStream(new byte[0]), new PrintStream(out, true), new PrintStream(err, true), Map.of());
    String[] args = {"--endpoints", "127.0.0.1:" + port, "--command-timeout", "100ms", "user", "list"};
    CompletableFuture<Integer> run = CompletableFuture.supplyAsync(() -> Ctl.run(args, io));
    // Well past --command-timeout: the call does not use it.
    Thread.sleep(1500);
    assertFalse(run.isDone(), "user list ended before the interrupt: " + err.toString(StandardCharsets.UTF_8));
    io.interrupt().complete(null);
    assertEquals(ExitCode.INTERRUPTED, run.get(10, TimeUnit.SECONDS));
    assertEquals("", out.toString(StandardCharsets.UTF_8));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
  }
}
