package io.etcdj.etcdctl.benchmark;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark watch}: etcd's {@code tools/benchmark/cmd/watch.go}. Opens {@code --streams}
 * watch streams of {@code --watch-per-stream} watchers each over the {@code --watched-key-total}
 * keys (see {@link WatchKeys}), then makes {@code --put-total} puts of the value {@code "data"} to
 * those keys from {@code --clients} put loops (at most {@code --put-rate} per second), and counts
 * the events that reach the watchers. Prints three summaries: watch creation (one create at a time
 * per stream, as {@code clientv3.Watch} does), the puts (etcdj addition; etcd does not time them),
 * and the events: how many arrived and how many per second, from the first put to the last event.
 *
 * <p>etcdj additions, all off by default: {@code --watch-prefix} (each watcher watches its key as a
 * prefix, which takes the server's range-watcher path; since all keys have one length, each put
 * still reaches the same watchers), {@code --idle-hold} (keep the watchers open, idle, between
 * creation and the puts, so a script can measure the server's memory), {@code --wait-timeout}
 * (etcd waits forever) and {@code --seed}.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, description = "Benchmark watch")
final class WatchCommand implements Callable<Integer> {
  static final int STREAMS_MAX = 100_000;
  static final long WATCHERS_MAX = 10_000_000;
  static final int KEY_BYTES_MAX = PutCommand.KEY_BYTES_MAX;
  static final long IDLE_HOLD_MILLIS_MAX = TimeUnit.HOURS.toMillis(1);
  static final ByteString VALUE = ByteString.copyFromUtf8("data");

  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Option(names = "--streams", defaultValue = "10", description = "Total watch streams")
  int streams;

  @Option(
      names = "--watch-per-stream",
      defaultValue = "100",
      description = "Total watchers per stream")
  int watchersPerStream;

  @Option(
      names = "--watched-key-total",
      defaultValue = "1",
      description = "Total number of keys to be watched")
  int watchedKeyTotal;

  @Option(
      names = "--put-rate",
      defaultValue = "0",
      description = "Number of keys to put per second (0 is no limit)")
  long putRatePerSecond;

  @Option(names = "--put-total", defaultValue = "1000", description = "Number of put requests")
  long putTotal;

  @Option(names = "--key-size", defaultValue = "32", description = "Key size of watch request")
  int keySizeBytes;

  @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys")
  long keySpaceSize;

  @Option(names = "--sequential-keys", description = "Use sequential keys")
  boolean sequentialKeys;

  @Option(
      names = "--watch-prefix",
      description = "Watch each key as a prefix (etcdj addition; the server's range-watcher path)")
  boolean watchPrefix;

  @Option(
      names = "--idle-hold",
      defaultValue = "0",
      converter = Benchmark.OptionalDurationMillisConverter.class,
      description = "Keep the watchers idle this long before the puts, e.g. 10s (etcdj addition)")
  long idleHoldMillis;

  @Option(
      names = "--wait-timeout",
      defaultValue = "60s",
      converter = Benchmark.DurationMillisConverter.class,
      description =
          "Longest wait for the creates, and for the events after the last put (etcdj addition)")
  long waitTimeoutMillis;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed for random keys (etcdj addition; runs repeat)")
  long seed;

  @Override
  public Integer call() throws InterruptedException {
    WatchKeys keys = keys();
    long[] expected = keys.expectedEvents(streams, watchersPerStream, putTotal);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ScheduledExecutorService scheduler =
        putRatePerSecond > 0 ? Executors.newSingleThreadScheduledExecutor() : null;
    long cpuStartNanos = Benchmark.processCpuNanos();
    try (Connections connections =
            Connections.open(root.targets(spec), root.conns, root.dialTimeoutMillis);
        WatchStreams watches =
            new WatchStreams(
                connections.channels(),
                streams,
                watchersPerStream,
                g -> createRequest(keys.keyOfWatcher(g), watchPrefix),
                expected,
                null,
                System::nanoTime)) {
      long waitNanos = TimeUnit.MILLISECONDS.toNanos(waitTimeoutMillis);
      RunResult made = watches.create(waitNanos);
      print(out, "Watch creation summary:", "watch-make", made, cpuStartNanos);
      if (idleHoldMillis > 0) {
        out.printf(
            Locale.ROOT,
            "HOLD watchers=%d idle_ms=%d%n",
            made.successes(),
            idleHoldMillis);
        out.flush();
        Thread.sleep(idleHoldMillis);
      }
      if (putTotal > 0) {
        runPuts(out, connections.channels(), keys, watches, expected, scheduler, waitNanos);
      }
      Map<String, Long> late = watches.errorCounts();
      late.forEach((message, count) -> err.println("watch: [" + count + "] " + message));
      return 0;
    } catch (IllegalStateException e) {
      err.println("benchmark: " + e.getMessage());
      return 1;
    } finally {
      if (scheduler != null) {
        scheduler.shutdownNow();
      }
    }
  }

  private void runPuts(
      PrintWriter out,
      List<ManagedChannel> channels,
      WatchKeys keys,
      WatchStreams watches,
      long[] expected,
      ScheduledExecutorService scheduler,
      long waitNanos)
      throws InterruptedException {
    RateLimiter limiter =
        putRatePerSecond > 0 ? new RateLimiter(putRatePerSecond, System::nanoTime) : null;
    // The puts share the watchers' connections, as etcd's share its clients.
    LoadRunner runner =
        new LoadRunner(channels, root.clients, putTotal, limiter, scheduler, System::nanoTime);
    long cpuStartNanos = Benchmark.processCpuNanos();
    long startNanos = System.nanoTime();
    RunResult puts = runner.run(putWorkload(keys));
    print(out, "Put summary:", "watch-put", puts, cpuStartNanos);
    boolean all = watches.awaitEvents(waitNanos);
    long endNanos = all ? watches.eventsDoneNanos() : System.nanoTime();
    long expectedTotal = 0;
    for (long e : expected) {
      expectedTotal += e;
    }
    EventCount events =
        new EventCount(watches.eventsReceived(), expectedTotal, Math.max(0, endNanos - startNanos));
    double cpuSeconds = Math.max(0, Benchmark.processCpuNanos() - cpuStartNanos) / 1e9;
    out.print(events.text(root.precise));
    out.println(events.resultLine(cpuSeconds));
    out.flush();
  }

  private void print(PrintWriter out, String title, String op, RunResult result, long cpuStart) {
    double cpuSeconds = Math.max(0, Benchmark.processCpuNanos() - cpuStart) / 1e9;
    if (root.json) {
      out.println(Report.json(op, result, cpuSeconds));
    } else {
      out.print(title);
      out.print(new Report(root.precise).text(result));
      out.println(Report.resultLine(op, result, cpuSeconds));
    }
    out.flush();
  }

  WatchKeys keys() {
    if (streams <= 0 || streams > STREAMS_MAX) {
      throw new ParameterException(spec.commandLine(), "--streams must be in 1.." + STREAMS_MAX);
    }
    if (watchersPerStream <= 0 || (long) streams * watchersPerStream > WATCHERS_MAX) {
      throw new ParameterException(
          spec.commandLine(),
          "--watch-per-stream must be positive and --streams * --watch-per-stream at most "
              + WATCHERS_MAX);
    }
    if (putTotal < 0 || putRatePerSecond < 0) {
      throw new ParameterException(
          spec.commandLine(), "--put-total and --put-rate must not be negative");
    }
    if (keySizeBytes <= 0 || keySizeBytes > KEY_BYTES_MAX) {
      throw new ParameterException(spec.commandLine(), "--key-size must be in 1.." + KEY_BYTES_MAX);
    }
    if (idleHoldMillis > IDLE_HOLD_MILLIS_MAX) {
      throw new ParameterException(spec.commandLine(), "--idle-hold must be at most 1h");
    }
    try {
      return new WatchKeys(keySizeBytes, keySpaceSize, sequentialKeys, watchedKeyTotal, seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
  }

  static WatchCreateRequest createRequest(byte[] key, boolean prefix) {
    WatchCreateRequest.Builder create = WatchCreateRequest.newBuilder().setKey(ByteString.copyFrom(key));
    if (prefix) {
      create.setRangeEnd(ByteString.copyFrom(WatchKeys.prefixEnd(key)));
    }
    return create.build();
  }

  static Workload<PutRequest, PutResponse> putWorkload(WatchKeys keys) {
    ByteString[] putKeys = new ByteString[keys.watchedKeyTotal()];
    for (int i = 0; i < putKeys.length; i++) {
      putKeys[i] = ByteString.copyFrom(keys.watchedKey(i));
    }
    // Prebuilt keys: the request function only picks one, so it is cheap on the callback threads.
    return new Workload<>(
        "watch-put",
        KVGrpc.getPutMethod(),
        index ->
            PutRequest.newBuilder()
                .setKey(putKeys[(int) (index % putKeys.length)])
                .setValue(VALUE)
                .build());
  }

  /** The events phase: events received against expected, over the time from first put to last. */
  record EventCount(long received, long expected, long elapsedNanos) {
    double perSecond() {
      return elapsedNanos == 0 ? 0 : received / (elapsedNanos / 1e9);
    }

    String text(boolean precise) {
      return "Watch events received summary:\n"
          + "  Total:\t"
          + number(elapsedNanos / 1e9, precise)
          + " secs.\n"
          + "  Events:\t"
          + received
          + " of "
          + expected
          + " expected.\n"
          + "  Events/sec:\t"
          + number(perSecond(), precise)
          + "\n";
    }

    private static String number(double value, boolean precise) {
      return precise ? Double.toString(value) : String.format(Locale.ROOT, "%4.4f", value);
    }

    String resultLine(double clientCpuSeconds) {
      return String.format(
          Locale.ROOT,
          "RESULT op=watch-events events=%d expected=%d missing=%d total_s=%.3f"
              + " events_per_sec=%.1f client_cpu_s=%.2f",
          received,
          expected,
          Math.max(0, expected - received),
          elapsedNanos / 1e9,
          perSecond(),
          clientCpuSeconds);
    }
  }
}
