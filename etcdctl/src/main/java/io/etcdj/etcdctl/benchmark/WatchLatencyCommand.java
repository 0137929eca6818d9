package io.etcdj.etcdctl.benchmark;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark watch-latency}: etcd's {@code tools/benchmark/cmd/watch_latency.go} (3.5 and
 * later; 3.4's had only {@code --total}, {@code --put-rate}, {@code --key-size} and {@code
 * --val-size} and one watcher per client). {@code --streams} streams of {@code
 * --watchers-per-stream} watchers all watch one random key; one put loop on its own connection
 * writes a random value to that key {@code --put-total} times at {@code --put-rate} per second;
 * each event's latency is measured as in {@link EventTimes}.
 *
 * <p>Pacing: as in etcd, the limiter's burst is {@code --put-rate}, so the one put loop catches up
 * after a slow put and keeps the average rate; unlike etcd's, it starts with one slot rather than a
 * full bucket (see {@link RateLimiter}), so the run does not open with a second's puts back to back.
 *
 * <p>etcdj additions: {@code --wait-timeout} (etcd waits forever) and {@code --seed}.
 */
@Command(
    name = "watch-latency",
    mixinStandardHelpOptions = true,
    description = "Benchmark watch latency")
final class WatchLatencyCommand implements Callable<Integer> {
  static final int STREAMS_MAX = WatchCommand.STREAMS_MAX;
  static final int PUT_TOTAL_MAX = 10_000_000;

  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Option(names = "--streams", defaultValue = "10", description = "Total watch streams")
  int streams;

  @Option(
      names = "--watchers-per-stream",
      defaultValue = "10",
      description = "Total watchers per stream")
  int watchersPerStream;

  @Option(names = "--prevkv", description = "PrevKV enabled on watch requests")
  boolean prevKv;

  @Option(
      names = "--put-total",
      defaultValue = "1000",
      description = "Total number of put requests")
  int putTotal;

  @Option(
      names = "--put-rate",
      defaultValue = "100",
      description = "Number of keys to put per second")
  long putRatePerSecond;

  @Option(names = "--key-size", defaultValue = "32", description = "Key size of watch response")
  int keySizeBytes;

  @Option(names = "--val-size", defaultValue = "32", description = "Value size of watch response")
  int valueSizeBytes;

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
      description = "Seed for the random key and value (etcdj addition; runs repeat)")
  long seed;

  @Override
  public Integer call() throws InterruptedException {
    validate();
    int watchers = streams * watchersPerStream;
    byte[] key = randomBytes(keySizeBytes, seed);
    ByteString value = ByteString.copyFrom(randomBytes(valueSizeBytes, ~seed));
    WatchCreateRequest create =
        WatchCreateRequest.newBuilder().setKey(ByteString.copyFrom(key)).setPrevKv(prevKv).build();
    long[] expected = new long[streams];
    Arrays.fill(expected, (long) watchersPerStream * putTotal);
    EventTimes times = new EventTimes(watchers, putTotal);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    long waitNanos = TimeUnit.MILLISECONDS.toNanos(waitTimeoutMillis);
    var targets = root.targets(spec);
    try (Connections watchConnections =
            Connections.open(targets, root.conns, root.dialTimeoutMillis);
        Connections putConnection = Connections.open(targets, 1, root.dialTimeoutMillis);
        WatchStreams watches =
            new WatchStreams(
                watchConnections.channels(),
                streams,
                watchersPerStream,
                g -> create,
                expected,
                times,
                System::nanoTime)) {
      RunResult made = watches.create(waitNanos);
      if (made.failures() > 0) {
        err.println("benchmark: " + made.failures() + " watch creates failed: " + made.errorCounts());
        return 1;
      }
      LoadRunner runner =
          new LoadRunner(
              putConnection.channels(),
              1,
              putTotal,
              new RateLimiter(
                  putRatePerSecond,
                  Math.min(putRatePerSecond, RateLimiter.BURST_MAX),
                  System::nanoTime),
              scheduler,
              System::nanoTime,
              times);
      long cpuStartNanos = Benchmark.processCpuNanos();
      long startNanos = System.nanoTime();
      RunResult puts = runner.run(putWorkload(key, value));
      boolean all = watches.awaitEvents(waitNanos);
      watches.close();
      long endNanos = times.lastEventNanos(startNanos);
      double cpuSeconds = Math.max(0, Benchmark.processCpuNanos() - cpuStartNanos) / 1e9;
      if (times.failedPuts() > 0) {
        err.println(
            "benchmark: "
                + times.failedPuts()
                + " puts failed; events after a failed put are matched to the wrong put");
      }
      Map<String, Long> missing = new TreeMap<>(watches.errorCounts());
      if (!all) {
        missing.put("events missing after the wait timeout", times.missingEvents());
      }
      print(out, "\nPut summary:", "watch-latency-put", puts, cpuSeconds);
      RunResult fromResponse =
          new RunResult(
              times.latenciesMicros(false), times.missingEvents(), missing, endNanos - startNanos);
      print(out, "\nWatch events summary:", "watch-latency", fromResponse, cpuSeconds);
      RunResult fromSend =
          new RunResult(
              times.latenciesMicros(true), times.missingEvents(), missing, endNanos - startNanos);
      // The second view is printed only as a RESULT line: the report above is etcd's.
      out.println(Report.resultLine("watch-latency-from-send", fromSend, cpuSeconds));
      out.flush();
      return 0;
    } catch (IllegalStateException e) {
      err.println("benchmark: " + e.getMessage());
      return 1;
    } finally {
      scheduler.shutdownNow();
    }
  }

  private void print(PrintWriter out, String title, String op, RunResult result, double cpuSeconds) {
    if (root.json) {
      out.println(Report.json(op, result, cpuSeconds));
    } else {
      out.print(title);
      out.print(new Report(root.precise).text(result));
      out.println(Report.resultLine(op, result, cpuSeconds));
    }
  }

  void validate() {
    if (streams <= 0 || streams > STREAMS_MAX || watchersPerStream <= 0) {
      throw new ParameterException(
          spec.commandLine(),
          "--streams must be in 1.." + STREAMS_MAX + " and --watchers-per-stream positive");
    }
    if (putTotal <= 0 || putTotal > PUT_TOTAL_MAX || putRatePerSecond <= 0
        || putRatePerSecond > 1_000_000_000L) {
      throw new ParameterException(
          spec.commandLine(),
          "--put-total must be in 1.." + PUT_TOTAL_MAX + " and --put-rate in 1..1e9");
    }
    if ((long) streams * watchersPerStream * putTotal > EventTimes.SLOTS_MAX) {
      throw new ParameterException(
          spec.commandLine(),
          "--streams * --watchers-per-stream * --put-total must be at most " + EventTimes.SLOTS_MAX);
    }
    if (keySizeBytes <= 0 || keySizeBytes > PutCommand.KEY_BYTES_MAX) {
      throw new ParameterException(
          spec.commandLine(), "--key-size must be in 1.." + PutCommand.KEY_BYTES_MAX);
    }
    if (valueSizeBytes < 0 || valueSizeBytes > PutCommand.VALUE_BYTES_MAX) {
      throw new ParameterException(
          spec.commandLine(), "--val-size must be in 0.." + PutCommand.VALUE_BYTES_MAX);
    }
  }

  static Workload<PutRequest, PutResponse> putWorkload(byte[] key, ByteString value) {
    PutRequest request =
        PutRequest.newBuilder().setKey(ByteString.copyFrom(key)).setValue(value).build();
    return new Workload<>("watch-latency-put", KVGrpc.getPutMethod(), index -> request);
  }

  /** etcd's {@code mustRandBytes}, seeded so runs repeat. */
  static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new SplittableRandom(seed).nextBytes(bytes);
    return bytes;
  }
}
