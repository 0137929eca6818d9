package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps one lease alive the way clientv3's lessor does (clientv3/lease.go KeepAlive): a
 * LeaseKeepAlive stream that sends a renewal at once and then a third of the TTL after each
 * answer, reopened {@value #RETRY_MS} ms after it breaks; it ends when the server answers TTL 0
 * (the lease is gone) or when no answer came within the TTL (the first within
 * {@code firstTimeoutNanos}, which clientv3 sets to the dial timeout plus one second).
 *
 * <p>Thread confinement: the stream and timing state belong to the {@code loop} thread; gRPC
 * callbacks hand their events to it. {@link #next()} is for one consumer thread.
 */
final class KeepAlive implements AutoCloseable {
  /** clientv3's LeaseResponseChSize: answers beyond it, unread, are dropped. */
  static final int RESPONSES_MAX = 16;
  /** clientv3's retryConnWait: the send loop's period and the pause before reopening a stream. */
  static final long RETRY_MS = 500;

  private static final Object END = new Object();
  /** clientv3 keeps leases alive under WithRequireLeader: a member without a leader refuses. */
  private static final Metadata REQUIRE_LEADER = requireLeader();

  private final Channel channel;
  private final long id;
  private final boolean keepResponses;
  private final ScheduledExecutorService loop;
  private final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final CompletableFuture<Void> done = new CompletableFuture<>();

  // loop thread only
  private ClientCallStreamObserver<LeaseKeepAliveRequest> stream;
  private int streamGeneration;
  private long deadlineNanos;
  private long nextSendNanos;
  private boolean ended;

  private KeepAlive(Channel channel, long id, boolean keepResponses) {
    this.channel = channel;
    this.id = id;
    this.keepResponses = keepResponses;
    this.loop =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "etcdctl-keepalive");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts keeping {@code id} alive. With {@code keepResponses} the answers are kept for
   * {@link #next()} (etcdctl lease keep-alive prints them); a session only needs {@link #done()}.
   */
  static KeepAlive start(Channel channel, long id, long firstTimeoutNanos, boolean keepResponses) {
    KeepAlive k = new KeepAlive(channel, id, keepResponses);
    long now = System.nanoTime();
    // Set before the loop runs anything (submitting to it publishes them to its thread).
    k.deadlineNanos = now + firstTimeoutNanos;
    k.nextSendNanos = now;
    k.post(k::open);
    k.loop.scheduleWithFixedDelay(k::tick, RETRY_MS, RETRY_MS, TimeUnit.MILLISECONDS);
    return k;
  }

  long id() {
    return id;
  }

  /** Completes when the keep-alive has ended: the lease expired, was revoked, or was lost. */
  CompletableFuture<Void> done() {
    return done;
  }

  /**
   * The next answer, or null once the keep-alive has ended or {@link #wake()} was called. Blocks
   * the consumer until then.
   */
  LeaseKeepAliveResponse next() throws InterruptedException {
    Object e = events.take();
    if (e == END) {
      events.offer(END); // every later call sees the end too
      return null;
    }
    return (LeaseKeepAliveResponse) e;
  }

  /** Makes a waiting {@link #next()} return null (the run was interrupted). */
  void wake() {
    events.offer(END);
  }

  private void open() {
    if (ended) {
      return;
    }
    int generation = ++streamGeneration;
    StreamObserver<LeaseKeepAliveResponse> answers =
        new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            post(() -> answered(generation, r));
          }

          @Override
          public void onError(Throwable t) {
            post(() -> broken(generation));
          }

          @Override
          public void onCompleted() {
            post(() -> broken(generation));
          }
        };
    stream =
        (ClientCallStreamObserver<LeaseKeepAliveRequest>)
            LeaseGrpc.newStub(channel)
                .withWaitForReady()
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(REQUIRE_LEADER))
                .leaseKeepAlive(answers);
    tick();
  }

  private void tick() {
    if (ended) {
      return;
    }
    long now = System.nanoTime();
    if (now - deadlineNanos > 0) {
      end(); // no answer within the TTL: the lease may have expired
      return;
    }
    if (stream != null && now - nextSendNanos >= 0) {
      stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      // Not answered yet: the next send waits for an answer or for the next tick after the TTL/3.
      nextSendNanos = now + TimeUnit.MILLISECONDS.toNanos(RETRY_MS);
    }
  }

  private void answered(int generation, LeaseKeepAliveResponse r) {
    if (ended || generation != streamGeneration || r.getID() != id) {
      return;
    }
    if (r.getTTL() <= 0) {
      end();
      return;
    }
    long now = System.nanoTime();
    nextSendNanos = now + TimeUnit.SECONDS.toNanos(r.getTTL()) / 3;
    deadlineNanos = now + TimeUnit.SECONDS.toNanos(r.getTTL());
    if (keepResponses && events.size() < RESPONSES_MAX) {
      events.offer(r);
    }
  }

  private void broken(int generation) {
    if (ended || generation != streamGeneration) {
      return;
    }
    stream = null;
    loop.schedule(this::open, RETRY_MS, TimeUnit.MILLISECONDS);
  }

  private void end() {
    if (ended) {
      return;
    }
    ended = true;
    if (stream != null) {
      stream.cancel("keep-alive ended", null);
      stream = null;
    }
    events.offer(END);
    done.complete(null);
    loop.shutdown();
  }

  private void post(Runnable r) {
    try {
      loop.execute(r);
    } catch (RejectedExecutionException e) {
      // ended: late stream events have nothing left to update
    }
  }

  /** Stops renewing (the lease itself is left to expire, as etcdctl leaves it). */
  @Override
  public void close() {
    post(this::end);
    try {
      loop.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Metadata requireLeader() {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
    return md;
  }
}
