package io.etcdj.etcdctl.benchmark;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * The load model of etcd's {@code tools/benchmark}: {@code clients} request loops spread over the
 * channels round-robin (client i uses channel i % channels), each with exactly one request in
 * flight, all drawing request indexes from one counter until {@code total} have been sent.
 *
 * <p>Threading: loops are callback-driven, not thread-per-client. A response callback (on whatever
 * executor the channel uses; {@code directExecutor} on the netty event loop in production) records
 * the latency and starts the loop's next request. One loop is never run by two threads at once: it
 * has one call in flight, and the {@code wip} trampoline below serialises a completion that arrives
 * while the previous send is still on the stack. A loop's histogram and error map are therefore
 * confined to the loop and read only after {@link #run} has seen every loop finish.
 *
 * <p>With a {@link RateLimiter}, a loop whose slot is in the future schedules its send on {@code
 * scheduler} instead of sending inline.
 */
final class LoadRunner {
  /** Distinct error messages kept per loop; the rest are counted under {@link #OTHER_ERRORS}. */
  static final int ERROR_MESSAGES_MAX = 64;

  static final String OTHER_ERRORS = "(other errors)";

  /** Latencies above this are clamped; HdrHistogram needs a bound for 3 significant digits. */
  static final long LATENCY_MICROS_MAX = TimeUnit.HOURS.toMicros(1);

  /**
   * Told of every successful request, on the loop's callback thread; {@code watch-latency} uses it
   * to learn when each put finished. Must be cheap and safe to call from several threads.
   */
  interface Completions {
    void completed(long index, long sentNanos, long doneNanos);
  }

  private final List<? extends Channel> channels;
  private final int clients;
  private final long total;
  private final RateLimiter rateLimiter;
  private final ScheduledExecutorService scheduler;
  private final LongSupplier nanoClock;
  private final Completions completions;

  LoadRunner(
      List<? extends Channel> channels,
      int clients,
      long total,
      RateLimiter rateLimiter,
      ScheduledExecutorService scheduler,
      LongSupplier nanoClock) {
    this(channels, clients, total, rateLimiter, scheduler, nanoClock, null);
  }

  /**
   * @param rateLimiter null for no limit
   * @param scheduler required only with a rate limiter
   * @param completions null when no one needs per-request completion times
   */
  LoadRunner(
      List<? extends Channel> channels,
      int clients,
      long total,
      RateLimiter rateLimiter,
      ScheduledExecutorService scheduler,
      LongSupplier nanoClock,
      Completions completions) {
    if (channels.isEmpty()) {
      throw new IllegalArgumentException("no channels");
    }
    if (clients <= 0 || total < 0) {
      throw new IllegalArgumentException("clients must be positive and total non-negative");
    }
    if (rateLimiter != null && scheduler == null) {
      throw new IllegalArgumentException("a rate limiter needs a scheduler");
    }
    this.channels = List.copyOf(channels);
    this.clients = clients;
    this.total = total;
    this.rateLimiter = rateLimiter;
    this.scheduler = scheduler;
    this.nanoClock = nanoClock;
    this.completions = completions;
  }

  /** Sends {@code total} requests and waits for all of their responses. */
  <Req, Resp> RunResult run(Workload<Req, Resp> workload) throws InterruptedException {
    AtomicLong nextIndex = new AtomicLong();
    CountDownLatch loopsDone = new CountDownLatch(clients);
    List<ClientLoop<Req, Resp>> loops = new ArrayList<>(clients);
    for (int i = 0; i < clients; i++) {
      Channel channel = channels.get(i % channels.size());
      loops.add(new ClientLoop<>(channel, workload, nextIndex, loopsDone));
    }
    long startNanos = nanoClock.getAsLong();
    for (ClientLoop<Req, Resp> loop : loops) {
      loop.next();
    }
    loopsDone.await();
    long elapsedNanos = nanoClock.getAsLong() - startNanos;

    Histogram merged = newHistogram();
    long failures = 0;
    Map<String, Long> errors = new TreeMap<>();
    for (ClientLoop<Req, Resp> loop : loops) {
      merged.add(loop.latenciesMicros);
      failures += loop.failures;
      loop.errorCounts.forEach((message, count) -> errors.merge(message, count, Long::sum));
    }
    assert merged.getTotalCount() + failures == total : merged.getTotalCount() + "+" + failures;
    return new RunResult(merged, failures, errors, elapsedNanos);
  }

  static Histogram newHistogram() {
    return new Histogram(LATENCY_MICROS_MAX, 3);
  }

  /** etcd's error text for a failed call: {@code rpc error: code = X desc = Y}. */
  static String errorMessage(Throwable t) {
    Status status = Status.fromThrowable(t);
    String description = status.getDescription() == null ? "" : status.getDescription();
    return errorPrefix(status.getCode()) + description;
  }

  /** How {@link #errorMessage} begins for a call that failed with {@code code}. */
  static String errorPrefix(Status.Code code) {
    return "rpc error: code = " + goCodeName(code) + " desc = ";
  }

  /** Go's {@code codes.Code} spelling: {@code UNAVAILABLE} is {@code Unavailable}. */
  static String goCodeName(Status.Code code) {
    if (code == Status.Code.OK || code == Status.Code.CANCELLED) {
      return code == Status.Code.OK ? "OK" : "Canceled";
    }
    StringBuilder s = new StringBuilder();
    for (String word : code.name().split("_")) {
      s.append(word.charAt(0)).append(word.substring(1).toLowerCase(java.util.Locale.ROOT));
    }
    return s.toString();
  }

  private final class ClientLoop<Req, Resp> implements StreamObserver<Resp> {
    private final Channel channel;
    private final Workload<Req, Resp> workload;
    private final AtomicLong nextIndex;
    private final CountDownLatch loopsDone;
    /** Pending calls to {@link #next}; only the caller that raised it from 0 runs the loop. */
    private final AtomicInteger wip = new AtomicInteger();

    private final Histogram latenciesMicros = newHistogram();
    private final Map<String, Long> errorCounts = new HashMap<>();
    private long failures;
    private long sentNanos;
    private long sentIndex;

    ClientLoop(
        Channel channel, Workload<Req, Resp> workload, AtomicLong nextIndex, CountDownLatch done) {
      this.channel = channel;
      this.workload = workload;
      this.nextIndex = nextIndex;
      this.loopsDone = done;
    }

    /**
     * Starts the next request, or finishes the loop. Runs iteratively: a call that completes inside
     * {@code send} (in-process transport, immediate failure) only bumps {@code wip}, so thousands
     * of fast failures cannot grow the stack.
     */
    void next() {
      if (wip.getAndIncrement() != 0) {
        return;
      }
      do {
        issueOne();
      } while (wip.decrementAndGet() != 0);
    }

    private void issueOne() {
      long index = nextIndex.getAndIncrement();
      if (index >= total) {
        loopsDone.countDown();
        return;
      }
      long delayNanos = rateLimiter == null ? 0 : rateLimiter.reserveDelayNanos();
      if (delayNanos > 0) {
        // The loop stays "busy" (no call in flight, none possible) until the scheduled send.
        scheduler.schedule(() -> send(index), delayNanos, TimeUnit.NANOSECONDS);
      } else {
        send(index);
      }
    }

    private void send(long index) {
      Req request;
      try {
        request = workload.requests().apply(index);
      } catch (RuntimeException e) {
        sentNanos = nanoClock.getAsLong();
        onError(e);
        return;
      }
      sentNanos = nanoClock.getAsLong();
      sentIndex = index;
      ClientCalls.asyncUnaryCall(
          channel.newCall(workload.method(), CallOptions.DEFAULT), request, this);
    }

    @Override
    public void onNext(Resp response) {
      // Unary: the latency is taken at onCompleted, after the single response.
      if (workload.responses() != null) {
        workload.responses().received(sentIndex, response);
      }
    }

    @Override
    public void onCompleted() {
      long doneNanos = nanoClock.getAsLong();
      long micros = (doneNanos - sentNanos + 500) / 1000;
      if (completions != null) {
        completions.completed(sentIndex, sentNanos, doneNanos);
      }
      latenciesMicros.recordValue(Math.min(Math.max(micros, 0), LATENCY_MICROS_MAX));
      next();
    }

    @Override
    public void onError(Throwable t) {
      failures++;
      String message = errorMessage(t);
      if (errorCounts.size() >= ERROR_MESSAGES_MAX && !errorCounts.containsKey(message)) {
        message = OTHER_ERRORS;
      }
      errorCounts.merge(message, 1L, Long::sum);
      next();
    }
  }
}
