package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * The watch side of {@code benchmark watch} and {@code watch-latency}: {@code streams} Watch gRPC
 * streams (stream s on channel s % channels, as etcd spreads its {@code clientv3.NewWatcher}s over
 * the clients), each creating {@code watchersPerStream} watchers one after the other as {@code
 * clientv3.Watch} does (the next create is sent when the previous one is answered), then counting
 * the events that arrive until it has the number it expects.
 *
 * <p>Watcher g (0 to streams * watchersPerStream - 1) is watcher {@code g % watchersPerStream} of
 * stream {@code g / watchersPerStream}; its create request is {@code createRequests.apply(g)}.
 *
 * <p>Threading: each stream's callbacks run on its channel's executor ({@code directExecutor}: a
 * netty event loop) and gRPC never runs two callbacks of one call at once, so a stream's counters,
 * histogram and id map are confined to it. Sends are made under the stream's lock because the first
 * create goes out from the command's thread. The command's thread reads a stream's state only after
 * a latch countdown by that stream (create or events phase done), or after {@link #close}.
 */
final class WatchStreams implements AutoCloseable {
  /** Called on a stream's callback thread for every response that carries events. */
  interface Arrivals {
    void arrived(long watcher, int events, long nowNanos);
  }

  private final List<Stream> streams;
  private final CountDownLatch createsDone;
  private final CountDownLatch eventsDone;
  private final LongSupplier nanoClock;

  /**
   * @param expectedEvents events each stream must receive before it counts as done (length
   *     streams)
   * @param arrivals null when only counts are wanted
   */
  WatchStreams(
      List<? extends Channel> channels,
      int streamCount,
      int watchersPerStream,
      LongFunction<WatchCreateRequest> createRequests,
      long[] expectedEvents,
      Arrivals arrivals,
      LongSupplier nanoClock) {
    if (channels.isEmpty() || streamCount <= 0 || watchersPerStream <= 0) {
      throw new IllegalArgumentException("need channels, streams and watchers per stream");
    }
    if (expectedEvents.length != streamCount) {
      throw new IllegalArgumentException("one expected event count per stream");
    }
    this.nanoClock = nanoClock;
    this.createsDone = new CountDownLatch(streamCount);
    this.eventsDone = new CountDownLatch(streamCount);
    this.streams = new ArrayList<>(streamCount);
    for (int s = 0; s < streamCount; s++) {
      Channel channel = channels.get(s % channels.size());
      streams.add(
          new Stream(
              channel,
              (long) s * watchersPerStream,
              watchersPerStream,
              createRequests,
              expectedEvents[s],
              arrivals));
    }
  }

  /**
   * Opens every stream and creates every watcher; returns when all are created (or failed), with
   * the create latencies as a {@link RunResult}. Throws {@link IllegalStateException} when the
   * creates take longer than {@code timeoutNanos}.
   */
  RunResult create(long timeoutNanos) throws InterruptedException {
    long startNanos = nanoClock.getAsLong();
    for (Stream stream : streams) {
      stream.start();
    }
    if (!createsDone.await(timeoutNanos, TimeUnit.NANOSECONDS)) {
      throw new IllegalStateException(
          "watchers not created within "
              + TimeUnit.NANOSECONDS.toMillis(timeoutNanos)
              + " ms ("
              + createsDone.getCount()
              + " of "
              + streams.size()
              + " streams unfinished)");
    }
    long elapsedNanos = nanoClock.getAsLong() - startNanos;
    Histogram merged = LoadRunner.newHistogram();
    long failures = 0;
    Map<String, Long> errors = new TreeMap<>();
    for (Stream stream : streams) {
      merged.add(stream.createMicros);
      failures += stream.createFailures;
      stream.errorCounts.forEach((message, count) -> errors.merge(message, count, Long::sum));
    }
    return new RunResult(merged, failures, errors, elapsedNanos);
  }

  /** Waits until every stream has its expected events; false when the time ran out first. */
  boolean awaitEvents(long timeoutNanos) throws InterruptedException {
    return eventsDone.await(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  /** Events received so far over all streams (exact once {@link #awaitEvents} returned true). */
  long eventsReceived() {
    long sum = 0;
    for (Stream stream : streams) {
      sum += stream.eventsReceived;
    }
    return sum;
  }

  /** When the last stream got its last expected event; valid after {@link #awaitEvents} is true. */
  long eventsDoneNanos() {
    long last = Long.MIN_VALUE;
    for (Stream stream : streams) {
      last = Math.max(last, stream.doneNanos);
    }
    return last;
  }

  /** Stream errors and canceled watchers after the create phase, by message. */
  Map<String, Long> errorCounts() {
    Map<String, Long> errors = new TreeMap<>();
    for (Stream stream : streams) {
      synchronized (stream) {
        stream.lateErrors.forEach((message, count) -> errors.merge(message, count, Long::sum));
      }
    }
    return errors;
  }

  /** Cancels every stream (the server then drops its watchers). */
  @Override
  public void close() {
    for (Stream stream : streams) {
      stream.cancel();
    }
  }

  private final class Stream implements ClientResponseObserver<WatchRequest, WatchResponse> {
    private final Channel channel;
    private final long firstWatcher;
    private final int watcherCount;
    private final LongFunction<WatchCreateRequest> createRequests;
    private final long expectedEvents;
    private final Arrivals arrivals;

    private final Histogram createMicros = LoadRunner.newHistogram();
    private final Map<String, Long> errorCounts = new HashMap<>();
    /** Errors after the create phase; guarded by this (read by the command's thread). */
    private final Map<String, Long> lateErrors = new HashMap<>();

    /** Server watch id to watcher number; filled only when arrivals are wanted. */
    private final Map<Long, Long> watcherOfId = new HashMap<>();

    private ClientCallStreamObserver<WatchRequest> requests;
    private int createsAnswered;
    private long createFailures;
    private long createSentNanos;
    private boolean createsFinished;
    private boolean eventsFinished;
    private boolean cancelled;
    private volatile long eventsReceived;
    private volatile long doneNanos = Long.MIN_VALUE;

    Stream(
        Channel channel,
        long firstWatcher,
        int watcherCount,
        LongFunction<WatchCreateRequest> createRequests,
        long expectedEvents,
        Arrivals arrivals) {
      this.channel = channel;
      this.firstWatcher = firstWatcher;
      this.watcherCount = watcherCount;
      this.createRequests = createRequests;
      this.expectedEvents = expectedEvents;
      this.arrivals = arrivals;
    }

    void start() {
      ClientCalls.asyncBidiStreamingCall(
          channel.newCall(WatchGrpc.getWatchMethod(), CallOptions.DEFAULT), this);
      sendNextCreate();
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      this.requests = requestStream;
    }

    private synchronized void sendNextCreate() {
      if (cancelled) {
        return;
      }
      WatchCreateRequest create = createRequests.apply(firstWatcher + createsAnswered);
      createSentNanos = nanoClock.getAsLong();
      requests.onNext(WatchRequest.newBuilder().setCreateRequest(create).build());
    }

    @Override
    public void onNext(WatchResponse response) {
      long nowNanos = nanoClock.getAsLong();
      if (response.getCreated()) {
        onCreated(response, nowNanos);
        return;
      }
      if (response.getCanceled()) {
        String reason = response.getCancelReason();
        fail("watch " + response.getWatchId() + " canceled: " + reason);
        return;
      }
      int events = response.getEventsCount();
      if (events == 0) {
        return; // progress notification
      }
      long received = eventsReceived + events;
      eventsReceived = received;
      if (arrivals != null) {
        Long watcher = watcherOfId.get(response.getWatchId());
        if (watcher != null) {
          arrivals.arrived(watcher, events, nowNanos);
        }
      }
      if (!eventsFinished && received >= expectedEvents) {
        finishEvents(nowNanos);
      }
    }

    private void onCreated(WatchResponse response, long nowNanos) {
      if (createsFinished) {
        return;
      }
      if (response.getCanceled()) {
        // etcd answers a refused create with created and canceled both set.
        createFailures++;
        count(errorCounts, "watch create refused: " + response.getCancelReason());
      } else {
        long micros = (nowNanos - createSentNanos + 500) / 1000;
        createMicros.recordValue(Math.min(Math.max(micros, 0), LoadRunner.LATENCY_MICROS_MAX));
        if (arrivals != null) {
          watcherOfId.put(response.getWatchId(), firstWatcher + createsAnswered);
        }
      }
      createsAnswered++;
      if (createsAnswered < watcherCount) {
        sendNextCreate();
      } else {
        finishCreates();
      }
    }

    private void finishCreates() {
      createsFinished = true;
      createsDone.countDown();
      if (expectedEvents == 0 && !eventsFinished) {
        finishEvents(nanoClock.getAsLong());
      }
    }

    private void finishEvents(long nowNanos) {
      eventsFinished = true;
      doneNanos = nowNanos;
      eventsDone.countDown();
    }

    private void fail(String message) {
      if (!createsFinished) {
        createFailures += watcherCount - createsAnswered;
        count(errorCounts, message);
        finishCreates();
      } else {
        synchronized (this) {
          count(lateErrors, message);
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      synchronized (this) {
        if (cancelled) {
          return;
        }
      }
      fail("watch stream: " + LoadRunner.errorMessage(t));
      if (!eventsFinished) {
        finishEvents(nanoClock.getAsLong());
      }
    }

    @Override
    public void onCompleted() {
      onError(io.grpc.Status.UNAVAILABLE.withDescription("server closed the stream").asException());
    }

    synchronized void cancel() {
      if (!cancelled && requests != null) {
        cancelled = true;
        requests.cancel("benchmark done", null);
      }
    }
  }

  private static void count(Map<String, Long> counts, String message) {
    if (counts.size() < LoadRunner.ERROR_MESSAGES_MAX || counts.containsKey(message)) {
      counts.merge(message, 1L, Long::sum);
    } else {
      counts.merge(LoadRunner.OTHER_ERRORS, 1L, Long::sum);
    }
  }
}
