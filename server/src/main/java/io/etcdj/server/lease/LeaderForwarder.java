package io.etcdj.server.lease;

import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.internal.LeaseRenewAnswer;
import io.etcdj.api.internal.LeaseRenewForward;
import io.etcdj.api.internal.PeerClusterGrpc;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.grpc.UnaryObserver;
import io.etcdj.server.transport.PeerClusterClient;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Calls the leader's {@code PeerCluster} lease methods over the peer port, as etcd's followers
 * call the leader's {@code /leases} handlers. One channel per peer URL, kept open; keep-alives
 * travel on one long-lived {@code LeaseRenewStream} per leader URL (a busy follower forwards
 * every keep-alive it gets, and a call per keep-alive would cost a stream each).
 *
 * <p>A renewal's future fails with a gRPC status: NOT_FOUND (no such lease), FAILED_PRECONDITION
 * (that member no longer leads), UNAVAILABLE (the stream broke), RESOURCE_EXHAUSTED (too many
 * renewals waiting), or a timeout; every failure but NOT_FOUND means "ask the leader again".
 *
 * <p>Threads: any; never blocks. Bounded: at most {@link #CHANNELS_MAX} channels and streams
 * (one per peer URL ever used; more means the member list churned, and all are simply closed)
 * and {@link #PENDING_MAX} renewals waiting per stream.
 */
final class LeaderForwarder implements AutoCloseable {
  static final int CHANNELS_MAX = 64;
  static final int PENDING_MAX = 10_000;
  private static final int RESPONSE_BYTES_MAX = 64 * 1024 * 1024;

  private final ConcurrentHashMap<URI, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<URI, RenewStream> streams = new ConcurrentHashMap<>();
  private volatile boolean closed;

  CompletableFuture<Long> renew(URI leader, long leaseId, long timeoutNanos) {
    RenewStream s = streams.get(leader);
    if (s == null || s.broken) {
      ManagedChannel ch = channel(leader);
      s = streams.compute(leader, (url, old) -> old == null || old.broken ? new RenewStream(ch) : old);
    }
    return s.renew(leaseId).orTimeout(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(
      URI leader, LeaseTimeToLiveRequest request, long timeoutNanos) {
    UnaryObserver<LeaseTimeToLiveResponse> answer = new UnaryObserver<>();
    PeerClusterGrpc.newStub(channel(leader))
        .withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS)
        .leaseTimeToLive(request, answer);
    return answer.future();
  }

  private ManagedChannel channel(URI url) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    ManagedChannel ch = channels.get(url);
    if (ch == null) {
      if (channels.size() >= CHANNELS_MAX) {
        closeAll();
      }
      ch =
          channels.computeIfAbsent(
              url,
              u ->
                  PeerClusterClient.channelBuilder(u, RESPONSE_BYTES_MAX)
                      // Answers only complete futures whose callbacks never block: run them on
                      // the event loop rather than hopping to a pool thread per keep-alive.
                      .directExecutor()
                      .build());
    }
    return ch;
  }

  /** One forwarding stream: renewals wait by seq until the leader answers them. */
  private static final class RenewStream implements StreamObserver<LeaseRenewAnswer> {
    private final ConcurrentHashMap<Long, CompletableFuture<Long>> pending =
        new ConcurrentHashMap<>();
    private final AtomicLong seqs = new AtomicLong();
    private final StreamObserver<LeaseRenewForward> requests;
    /** Set once the stream has ended: the next renewal opens a new one. */
    private volatile boolean broken;

    RenewStream(ManagedChannel ch) {
      this.requests = PeerClusterGrpc.newStub(ch).leaseRenewStream(this);
    }

    CompletableFuture<Long> renew(long leaseId) {
      CompletableFuture<Long> f = new CompletableFuture<>();
      if (pending.size() >= PENDING_MAX) {
        f.completeExceptionally(
            Status.RESOURCE_EXHAUSTED.withDescription(EtcdError.TOO_MANY_REQUESTS.message())
                .asRuntimeException());
        return f;
      }
      long seq = seqs.incrementAndGet();
      pending.put(seq, f);
      f.whenComplete((ttl, e) -> pending.remove(seq)); // answered, failed or timed out
      synchronized (this) {
        if (broken) {
          f.completeExceptionally(Status.UNAVAILABLE.asRuntimeException());
          return f;
        }
        requests.onNext(LeaseRenewForward.newBuilder().setSeq(seq).setLeaseId(leaseId).build());
      }
      return f;
    }

    @Override
    public void onNext(LeaseRenewAnswer a) {
      CompletableFuture<Long> f = pending.remove(a.getSeq());
      if (f == null) {
        return; // timed out meanwhile
      }
      switch (a.getOutcome()) {
        case RENEWED -> f.complete(a.getTtl());
        case NOT_FOUND ->
            f.completeExceptionally(
                Status.NOT_FOUND.withDescription(EtcdError.LEASE_NOT_FOUND.message())
                    .asRuntimeException());
        default ->
            f.completeExceptionally(
                Status.FAILED_PRECONDITION.withDescription(EtcdError.NOT_LEADER.message())
                    .asRuntimeException());
      }
    }

    @Override
    public void onError(Throwable t) {
      end(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end(Status.UNAVAILABLE.withDescription("lease renew stream ended"));
    }

    private void end(Status status) {
      synchronized (this) {
        broken = true;
      }
      for (Long seq : pending.keySet()) {
        CompletableFuture<Long> f = pending.remove(seq);
        if (f != null) {
          f.completeExceptionally(status.asRuntimeException());
        }
      }
    }

    void close() {
      synchronized (this) {
        if (!broken) {
          broken = true;
          requests.onCompleted();
        }
      }
    }
  }

  private void closeAll() {
    streams.values().forEach(RenewStream::close);
    streams.clear();
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }

  @Override
  public void close() {
    closed = true;
    closeAll();
  }
}
