package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;

/**
 * The measured phase of {@code benchmark lease-keepalive}: one loop per lease (loop i renews {@code
 * leaseIds[i]} over channel i % channels), each with one keepalive in flight, all drawing from one
 * counter until {@code total} keepalives have been sent: {@link LoadRunner}'s load model, for a
 * streaming method.
 *
 * <p>A keepalive is sent in one of two ways:
 *
 * <ul>
 *   <li>a stream per keepalive (the default, etcd's tool): as clientv3's {@code KeepAliveOnce},
 *       open a LeaseKeepAlive stream, send one request, wait for its response, then half-close and
 *       cancel the stream. The latency includes opening the stream.
 *   <li>one stream per loop ({@code oneStream}; how clientv3's {@code KeepAlive} keeps a lease
 *       alive): the loop sends each keepalive on the same stream once the previous one is
 *       answered, so the latency is the bare round trip. A stream that fails is replaced for the
 *       loop's next keepalive.
 * </ul>
 *
 * <p>The latency runs from just before the request is sent to its response; a response with TTL
 * &lt;= 0 counts as a failure with etcd's "requested lease not found", as {@code KeepAliveOnce}
 * returns it.
 *
 * <p>Threading: as in {@link LoadRunner}, a loop has one keepalive in flight and is advanced by
 * the callback that ends it, through the same {@code wip} trampoline, so loop state (histogram,
 * errors, current stream) is confined to whoever runs the loop, with happens-before through the
 * trampoline's atomic and the transport. A stream's own flags are guarded by the stream: the loop
 * may send on it from another thread than the one delivering its callbacks.
 */
final class KeepAliveRunner {
  /** etcd's {@code rpctypes.ErrLeaseNotFound}, which {@code KeepAliveOnce} returns for TTL <= 0. */
  static final String LEASE_NOT_FOUND = "etcdserver: requested lease not found";

  private final List<? extends Channel> channels;
  private final long[] leaseIds;
  private final long total;
  private final boolean oneStream;
  private final LongSupplier nanoClock;
  /** Streams opened over the whole run, for tests and the sanity of the two modes. */
  private final AtomicLong streamsOpened = new AtomicLong();

  /**
   * @param leaseIds one granted lease per loop (its length is the number of loops)
   * @param oneStream one stream per loop instead of one per keepalive
   */
  KeepAliveRunner(
      List<? extends Channel> channels,
      long[] leaseIds,
      long total,
      boolean oneStream,
      LongSupplier nanoClock) {
    if (channels.isEmpty() || leaseIds.length == 0) {
      throw new IllegalArgumentException("need channels and at least one lease");
    }
    if (total < 0) {
      throw new IllegalArgumentException("total must not be negative: " + total);
    }
    for (long id : leaseIds) {
      if (id == 0) {
        throw new IllegalArgumentException("lease id 0 was never granted");
      }
    }
    this.channels = List.copyOf(channels);
    this.leaseIds = leaseIds.clone();
    this.total = total;
    this.oneStream = oneStream;
    this.nanoClock = nanoClock;
  }

  /** Sends {@code total} keepalives and waits for all of their answers. */
  RunResult run() throws InterruptedException {
    AtomicLong nextIndex = new AtomicLong();
    CountDownLatch loopsDone = new CountDownLatch(leaseIds.length);
    List<Loop> loops = new ArrayList<>(leaseIds.length);
    for (int i = 0; i < leaseIds.length; i++) {
      Channel channel = channels.get(i % channels.size());
      loops.add(new Loop(channel, leaseIds[i], nextIndex, loopsDone));
    }
    long startNanos = nanoClock.getAsLong();
    for (Loop loop : loops) {
      loop.next();
    }
    loopsDone.await();
    long elapsedNanos = nanoClock.getAsLong() - startNanos;

    Histogram merged = LoadRunner.newHistogram();
    long failures = 0;
    Map<String, Long> errors = new TreeMap<>();
    for (Loop loop : loops) {
      merged.add(loop.latenciesMicros);
      failures += loop.failures;
      loop.errorCounts.forEach((message, count) -> errors.merge(message, count, Long::sum));
    }
    assert merged.getTotalCount() + failures == total : merged.getTotalCount() + "+" + failures;
    return new RunResult(merged, failures, errors, elapsedNanos);
  }

  /** LeaseKeepAlive streams opened so far. */
  long streamsOpened() {
    return streamsOpened.get();
  }

  private final class Loop {
    private final Channel channel;
    private final LeaseKeepAliveRequest request;
    private final AtomicLong nextIndex;
    private final CountDownLatch loopsDone;
    private final AtomicInteger wip = new AtomicInteger();

    private final Histogram latenciesMicros = LoadRunner.newHistogram();
    private final Map<String, Long> errorCounts = new HashMap<>();
    private long failures;
    private long sentNanos;
    /** The stream the next keepalive goes on; null when a new one must be opened. */
    private Stream stream;

    Loop(Channel channel, long leaseId, AtomicLong nextIndex, CountDownLatch loopsDone) {
      this.channel = channel;
      this.request = LeaseKeepAliveRequest.newBuilder().setID(leaseId).build();
      this.nextIndex = nextIndex;
      this.loopsDone = loopsDone;
    }

    /** Starts the next keepalive or finishes the loop; see {@code LoadRunner.ClientLoop#next}. */
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
        if (stream != null) {
          stream.discard();
          stream = null;
        }
        loopsDone.countDown();
        return;
      }
      sentNanos = nanoClock.getAsLong();
      if (stream == null || !stream.send(request)) {
        // The first keepalive, or a stream the server closed between keepalives.
        stream = new Stream(this);
        streamsOpened.incrementAndGet();
        stream.open(channel, request);
      }
    }

    void answered(Stream from, LeaseKeepAliveResponse response, long doneNanos) {
      assert from == stream;
      if (response.getTTL() <= 0) {
        count(LEASE_NOT_FOUND);
      } else {
        long micros = (doneNanos - sentNanos + 500) / 1000;
        latenciesMicros.recordValue(Math.min(Math.max(micros, 0), LoadRunner.LATENCY_MICROS_MAX));
      }
      if (!oneStream) {
        from.discard();
        stream = null;
      }
      next();
    }

    void failed(Stream from, Status status) {
      assert from == stream;
      stream = null;
      count(LoadRunner.errorMessage(status.asRuntimeException()));
      next();
    }

    private void count(String message) {
      failures++;
      if (errorCounts.size() >= LoadRunner.ERROR_MESSAGES_MAX
          && !errorCounts.containsKey(message)) {
        message = LoadRunner.OTHER_ERRORS;
      }
      errorCounts.merge(message, 1L, Long::sum);
    }
  }

  /**
   * One LeaseKeepAlive call. Reports to its loop at most once per keepalive sent on it, and nothing
   * once it is closed (by the server, or discarded by the loop).
   */
  private final class Stream extends ClientCall.Listener<LeaseKeepAliveResponse> {
    private final Loop loop;
    private ClientCall<LeaseKeepAliveRequest, LeaseKeepAliveResponse> call;
    /** A keepalive was sent on this stream and is not answered yet. */
    private boolean awaiting;

    private boolean closed;

    Stream(Loop loop) {
      this.loop = loop;
    }

    /** Starts the call and sends the first keepalive on it. */
    synchronized void open(Channel channel, LeaseKeepAliveRequest request) {
      // Awaiting before start: the call may close (refused stream) as soon as it is started.
      awaiting = true;
      call = channel.newCall(LeaseGrpc.getLeaseKeepAliveMethod(), CallOptions.DEFAULT);
      call.start(this, new Metadata());
      if (closed) {
        return; // failed inside start (direct executor): the loop has been told
      }
      call.request(1);
      call.sendMessage(request);
    }

    /** Sends one more keepalive; false when the stream has closed and cannot carry it. */
    synchronized boolean send(LeaseKeepAliveRequest request) {
      if (closed) {
        return false;
      }
      assert !awaiting;
      awaiting = true;
      call.request(1);
      call.sendMessage(request);
      return true;
    }

    /** The loop is done with this stream: half-close and cancel it, as KeepAliveOnce does. */
    synchronized void discard() {
      if (closed) {
        return;
      }
      closed = true;
      awaiting = false;
      call.halfClose();
      call.cancel("keepalive done", null);
    }

    @Override
    public void onMessage(LeaseKeepAliveResponse response) {
      long nowNanos = nanoClock.getAsLong();
      synchronized (this) {
        if (closed || !awaiting) {
          return;
        }
        awaiting = false;
      }
      loop.answered(this, response, nowNanos);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
      boolean wasAwaiting;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        wasAwaiting = awaiting;
        awaiting = false;
      }
      if (wasAwaiting) {
        // A stream that ends "OK" before answering still lost the keepalive.
        loop.failed(
            this,
            status.isOk()
                ? Status.UNAVAILABLE.withDescription("keepalive stream closed before the answer")
                : status);
      }
    }
  }
}
