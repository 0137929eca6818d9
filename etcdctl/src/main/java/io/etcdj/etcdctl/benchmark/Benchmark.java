package io.etcdj.etcdctl.benchmark;

import io.grpc.ManagedChannel;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark}: a low-level load tool for any etcd v3 endpoint, modelled on etcd's {@code
 * tools/benchmark}. Global flags are inherited, so they may be given before or after the
 * subcommand ({@code benchmark --clients 10 put} or {@code benchmark put --clients 10}).
 */
@Command(
    name = "benchmark",
    mixinStandardHelpOptions = true,
    version = "benchmark (etcdj) 0.1.0-SNAPSHOT",
    description = "A low-level benchmark tool for etcd v3 (gRPC, no client library).",
    subcommands = {
      PutCommand.class,
      RangeCommand.class,
      WatchCommand.class,
      WatchLatencyCommand.class,
      LeaseKeepAliveCommand.class,
      LeaseGrantCommand.class,
      ServingCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Benchmark implements Runnable {
  static final int CLIENTS_MAX = 100_000;
  static final int CONNS_MAX = 10_000;

  @Spec CommandSpec spec;

  @Option(
      names = "--endpoints",
      scope = ScopeType.INHERIT,
      defaultValue = "127.0.0.1:2379",
      description = "gRPC endpoints, comma-separated; http:// is optional (default: ${DEFAULT-VALUE})")
  String endpoints;

  @Option(
      names = "--conns",
      scope = ScopeType.INHERIT,
      defaultValue = "1",
      description = "Total number of gRPC connections (default: ${DEFAULT-VALUE})")
  int conns;

  @Option(
      names = "--clients",
      scope = ScopeType.INHERIT,
      defaultValue = "1",
      description = "Total number of concurrent request loops (default: ${DEFAULT-VALUE})")
  int clients;

  @Option(
      names = "--precise",
      scope = ScopeType.INHERIT,
      description = "Use full floating point precision in the report")
  boolean precise;

  @Option(
      names = "--target-leader",
      scope = ScopeType.INHERIT,
      description = "Connect only to the endpoint that reports itself leader")
  boolean targetLeader;

  @Option(
      names = "--dial-timeout",
      scope = ScopeType.INHERIT,
      defaultValue = "5s",
      converter = DurationMillisConverter.class,
      description = "Time to wait for all connections, e.g. 500ms, 5s, 1m (default: ${DEFAULT-VALUE})")
  long dialTimeoutMillis;

  @Option(
      names = "--json",
      scope = ScopeType.INHERIT,
      description = "Print one JSON object instead of the report and RESULT line")
  boolean json;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line with UTF-8 output (the histogram bars are not ASCII). */
  static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Benchmark());
    cmd.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    cmd.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    return cmd;
  }

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "missing subcommand (put, range, watch, watch-latency, lease-keepalive or lease-grant)");
  }

  /**
   * Runs {@code total} requests of {@code workload} with the global flags and prints the report.
   * Returns the exit code: 0 after a completed run, even with failed requests (see the report).
   */
  int runWorkload(CommandSpec sub, Workload<?, ?> workload, long total, long ratePerSecond)
      throws InterruptedException {
    return withConnections(
        sub,
        channels -> {
          measure(sub, channels, workload, total, ratePerSecond);
          return 0;
        });
  }

  /** What a command does once its connections are open; returns the exit code. */
  interface ConnectedRun {
    int run(List<ManagedChannel> channels) throws InterruptedException;
  }

  /**
   * Opens the {@code --conns} connections to the targets, runs {@code body} over them and closes
   * them. A connection failure (or any {@link IllegalStateException} from the body) is printed and
   * gives exit code 1.
   */
  int withConnections(CommandSpec sub, ConnectedRun body) throws InterruptedException {
    List<Endpoint> targets = targets(sub);
    try (Connections connections = Connections.open(targets, conns, dialTimeoutMillis)) {
      return body.run(connections.channels());
    } catch (IllegalStateException e) {
      sub.commandLine().getErr().println("benchmark: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The measured run: {@code total} requests of {@code workload} from {@code --clients} loops over
   * {@code channels}, at most {@code ratePerSecond} (0: no limit); prints the report and returns
   * the result.
   */
  RunResult measure(
      CommandSpec sub,
      List<ManagedChannel> channels,
      Workload<?, ?> workload,
      long total,
      long ratePerSecond)
      throws InterruptedException {
    ScheduledExecutorService scheduler =
        ratePerSecond > 0 ? Executors.newSingleThreadScheduledExecutor() : null;
    try {
      RateLimiter limiter =
          ratePerSecond > 0 ? new RateLimiter(ratePerSecond, System::nanoTime) : null;
      LoadRunner runner =
          new LoadRunner(channels, clients, total, limiter, scheduler, System::nanoTime);
      long cpuStartNanos = processCpuNanos();
      RunResult result = runner.run(workload);
      print(sub, workload.name(), result, cpuStartNanos);
      return result;
    } finally {
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
    }
  }

  /**
   * Prints one run's report and RESULT line (or its JSON object), with the client CPU time spent
   * since {@code cpuStartNanos}.
   */
  void print(CommandSpec sub, String op, RunResult result, long cpuStartNanos) {
    double cpuSeconds = Math.max(0, processCpuNanos() - cpuStartNanos) / 1e9;
    PrintWriter out = sub.commandLine().getOut();
    if (json) {
      out.println(Report.json(op, result, cpuSeconds));
    } else {
      out.print(new Report(precise).text(result));
      out.println(Report.resultLine(op, result, cpuSeconds));
    }
    out.flush();
  }

  /** The endpoints to load: validated, and only the leader with {@code --target-leader}. */
  List<Endpoint> targets(CommandSpec sub) {
    List<Endpoint> targets = validatedEndpoints(sub);
    if (targetLeader) {
      targets = Connections.leaderOnly(targets, dialTimeoutMillis, sub.commandLine().getErr());
    }
    return targets;
  }

  List<Endpoint> validatedEndpoints(CommandSpec sub) {
    if (clients <= 0 || clients > CLIENTS_MAX) {
      throw new ParameterException(sub.commandLine(), "--clients must be in 1.." + CLIENTS_MAX);
    }
    if (conns <= 0 || conns > CONNS_MAX) {
      throw new ParameterException(sub.commandLine(), "--conns must be in 1.." + CONNS_MAX);
    }
    try {
      return Endpoint.parseList(endpoints);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(sub.commandLine(), "--endpoints: " + e.getMessage());
    }
  }

  /** CPU time of this whole JVM (load loops, netty, GC, JIT), or 0 if the JVM cannot tell. */
  static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.max(0, os.getProcessCpuTime());
    }
    return 0;
  }

  /** Go-style durations for {@code --dial-timeout}: {@code 250ms}, {@code 5s}, {@code 1m}. */
  static final class DurationMillisConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      long millis = parseMillis(text);
      if (millis <= 0) {
        throw new CommandLine.TypeConversionException("duration must be positive: " + text);
      }
      return millis;
    }
  }

  /** The same durations where zero means "none" ({@code watch --idle-hold 0}). */
  static final class OptionalDurationMillisConverter implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String text) {
      long millis = parseMillis(text);
      if (millis < 0) {
        throw new CommandLine.TypeConversionException("duration must not be negative: " + text);
      }
      return millis;
    }
  }

  static long parseMillis(String text) {
    String t = text.trim();
    long scale;
    String number;
    if (t.equals("0")) {
      return 0;
    } else if (t.endsWith("ms")) {
      scale = 1;
      number = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      scale = 1_000;
      number = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      scale = 60_000;
      number = t.substring(0, t.length() - 1);
    } else {
      throw new CommandLine.TypeConversionException("expected a duration like 5s, got " + text);
    }
    try {
      return Math.round(Double.parseDouble(number) * scale);
    } catch (NumberFormatException e) {
      throw new CommandLine.TypeConversionException("expected a duration like 5s, got " + text);
    }
  }
}
