package io.etcdj.server.lease;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.etcdj.api.internal.LeaseRenewAnswer;
import io.etcdj.api.internal.LeaseRenewForward;
import io.etcdj.api.internal.PeerClusterGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The follower's side of keep-alive forwarding against a scripted leader on a loopback port:
 * answers matched by seq in any order, each outcome's status, a broken stream failing what waits
 * on it and the next renewal opening a new stream, and a leader that never answers.
 */
class LeaderForwarderTest {
  private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);

  /** A request the scripted leader received, with the stream to answer it on. */
  private record Received(LeaseRenewForward request, StreamObserver<LeaseRenewAnswer> out) {
    void answer(LeaseRenewAnswer.Outcome outcome, long ttl) {
      synchronized (out) {
        out.onNext(
            LeaseRenewAnswer.newBuilder()
                .setSeq(request.getSeq())
                .setOutcome(outcome)
                .setTtl(ttl)
                .build());
      }
    }
  }

  private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();
  private final AtomicInteger streams = new AtomicInteger();
  private Server server;
  private URI url;
  private final LeaderForwarder forwarder = new LeaderForwarder();

  @BeforeEach
  void start() throws Exception {
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(
                new PeerClusterGrpc.PeerClusterImplBase() {
                  @Override
                  public StreamObserver<LeaseRenewForward> leaseRenewStream(
                      StreamObserver<LeaseRenewAnswer> out) {
                    streams.incrementAndGet();
                    return new StreamObserver<>() {
                      @Override
                      public void onNext(LeaseRenewForward f) {
                        received.add(new Received(f, out));
                      }

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {
                        out.onCompleted();
                      }
                    };
                  }
                })
            .build()
            .start();
    url = URI.create("http://127.0.0.1:" + server.getPort());
  }

  @AfterEach
  void stop() {
    forwarder.close();
    server.shutdownNow();
  }

  private Received next() throws InterruptedException {
    Received r = received.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("the leader got no request");
    }
    return r;
  }

  private static Status.Code failure(CompletableFuture<Long> f) throws Exception {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return Status.fromThrowable(e.getCause()).getCode();
  }

  @Test
  void answersAreMatchedBySeqWhateverTheirOrder() throws Exception {
    CompletableFuture<Long> a = forwarder.renew(url, 11, TIMEOUT_NANOS);
    CompletableFuture<Long> b = forwarder.renew(url, 22, TIMEOUT_NANOS);
    CompletableFuture<Long> c = forwarder.renew(url, 33, TIMEOUT_NANOS);
    Received ra = next();
    Received rb = next();
    Received rc = next();
    assertEquals(11, ra.request().getLeaseId());
    rc.answer(LeaseRenewAnswer.Outcome.NOT_LEADER, 0);
    rb.answer(LeaseRenewAnswer.Outcome.NOT_FOUND, 0);
    ra.answer(LeaseRenewAnswer.Outcome.RENEWED, 60);
    assertEquals(60L, a.get(5, TimeUnit.SECONDS));
    assertEquals(Status.Code.NOT_FOUND, failure(b));
    assertEquals(Status.Code.FAILED_PRECONDITION, failure(c));
    assertEquals(1, streams.get(), "one stream carried them all");
  }

  @Test
  void aBrokenStreamFailsWhatWaitsAndTheNextRenewalOpensANewOne() throws Exception {
    CompletableFuture<Long> waiting = forwarder.renew(url, 1, TIMEOUT_NANOS);
    Received r = next();
    synchronized (r.out()) {
      r.out().onError(Status.UNAVAILABLE.withDescription("leader going away").asRuntimeException());
    }
    assertEquals(Status.Code.UNAVAILABLE, failure(waiting));
    CompletableFuture<Long> again = forwarder.renew(url, 1, TIMEOUT_NANOS);
    next().answer(LeaseRenewAnswer.Outcome.RENEWED, 30);
    assertEquals(30L, again.get(5, TimeUnit.SECONDS));
    assertEquals(2, streams.get());
  }

  @Test
  void aLeaderThatNeverAnswersTimesOut() throws Exception {
    CompletableFuture<Long> f = forwarder.renew(url, 5, TimeUnit.MILLISECONDS.toNanos(200));
    next(); // received, never answered
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    assertInstanceOf(TimeoutException.class, e.getCause());
    assertFalse(f.isCancelled());
  }
}
