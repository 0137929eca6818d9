package io.etcdj.etcdctl.benchmark;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark serving}: how long a member that is (re)starting takes to serve, as a client
 * sees it. Not one of etcd's benchmark commands; {@code bin/bench-rejoin} uses it (issue 18).
 *
 * <p>Started before the member, so this JVM's own start-up is not measured (with {@code
 * --warm-with}, neither are its first calls): it prints {@code
 * WAITING}, reads one line from stdin (the caller writes it as it starts the member), then, every
 * few milliseconds, tests whether the port takes a TCP connection and, once it does, sends a
 * linearizable get of one key (1 s deadline, waiting for the channel to be ready) on one channel
 * whose reconnect backoff it resets first, until a get succeeds. It prints {@code RESULT
 * op=serving ms=...}: the time from the line to the first answer. A server that accepts
 * connections before it serves (etcd) holds the get until it serves; one that refuses them until
 * then (etcdj) is polled by cheap TCP connects: both are measured to a few milliseconds, and the
 * probe takes almost no CPU from the member starting beside it.
 */
@Command(
    name = "serving",
    mixinStandardHelpOptions = true,
    description = "Time from a line on stdin until the endpoint answers a linearizable get")
final class ServingCommand implements Callable<Integer> {
  private static final long RETRY_PAUSE_MILLIS = 5;
  private static final long CALL_DEADLINE_MILLIS = 1_000;

  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Option(
      names = "--timeout",
      defaultValue = "60s",
      converter = Benchmark.DurationMillisConverter.class,
      description = "Give up after this long, e.g. 30s, 2m (default: 60s)")
  long timeoutMillis;

  @Option(
      names = "--warm-with",
      description =
          "Endpoints of members that already serve (comma-separated): before WAITING, the probe"
              + " sends them gets, so its own first-call costs (gRPC, HTTP/2, protobuf code run"
              + " for the first time) are not counted in the measured start")
  String warmWith;

  private static final int WARM_CALLS = 200;

  /**
   * Runs the client's whole call path a few hundred times against a member that serves. A cold
   * JVM spends 0.3-1 s of CPU on its first calls; against a server that accepts connections
   * before it serves (etcd) that cost overlaps the server's start, against one that refuses them
   * (etcdj) it would be added to it. Warm, the probe measures the server alone.
   */
  private void warm(List<Endpoint> members) {
    for (Endpoint e : members) {
      ManagedChannel warmChannel = Connections.channel(e);
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(warmChannel);
        RangeRequest get = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("x")).build();
        for (int i = 0; i < WARM_CALLS; i++) {
          kv.withWaitForReady().withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS).range(get);
        }
        return;
      } catch (StatusRuntimeException e1) {
        spec.commandLine().getErr().println("serving: warm-up against " + e + ": " + e1.getStatus());
      } finally {
        warmChannel.shutdownNow();
      }
    }
  }

  /**
   * Whether the port takes a TCP connection: a cheap test, so that polling a member that refuses
   * connections until it serves (etcdj) costs next to no CPU, which the member starting on the
   * same cores would otherwise lose to gRPC's reconnects.
   */
  private static boolean accepts(Endpoint e) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(e.host(), e.port()), (int) CALL_DEADLINE_MILLIS);
      return true;
    } catch (IOException refused) {
      return false;
    }
  }

  @Override
  public Integer call() throws IOException, InterruptedException {
    List<Endpoint> endpoints = root.validatedEndpoints(spec);
    if (endpoints.size() != 1) {
      throw new ParameterException(spec.commandLine(), "serving takes exactly one endpoint");
    }
    PrintWriter out = spec.commandLine().getOut();
    ManagedChannel channel = Connections.channel(endpoints.get(0));
    try {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(channel);
      RangeRequest get = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("x")).build();
      if (warmWith != null && !warmWith.isEmpty()) {
        List<Endpoint> members;
        try {
          members = Endpoint.parseList(warmWith);
        } catch (IllegalArgumentException e) {
          throw new ParameterException(spec.commandLine(), "--warm-with: " + e.getMessage());
        }
        warm(members);
      }
      out.println("WAITING");
      out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      if (in.readLine() == null) {
        spec.commandLine().getErr().println("serving: stdin closed before the start line");
        return 1;
      }
      long start = System.nanoTime();
      long deadline = start + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      String lastError = "none";
      while (System.nanoTime() - deadline < 0) {
        if (!accepts(endpoints.get(0))) {
          Thread.sleep(RETRY_PAUSE_MILLIS);
          continue;
        }
        channel.resetConnectBackoff();
        try {
          kv.withWaitForReady()
              .withDeadlineAfter(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
              .range(get);
          double ms = (System.nanoTime() - start) / 1e6;
          out.printf("RESULT op=serving ms=%.1f%n", ms);
          out.flush();
          return 0;
        } catch (StatusRuntimeException e) {
          lastError = e.getStatus().toString();
          Thread.sleep(RETRY_PAUSE_MILLIS);
        }
      }
      spec.commandLine()
          .getErr()
          .println("serving: no answer within " + timeoutMillis + " ms; last error " + lastError);
      return 1;
    } finally {
      channel.shutdownNow();
    }
  }
}
