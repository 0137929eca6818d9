package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.alarm.BackendQuota;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.ErrorMapping;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/**
 * {@code etcdserverpb.Lease} (etcd's {@code v3rpc/lease.go}). Grant and revoke are proposed;
 * keep-alive and time-to-live are answered by the leader's lessor (forwarded from a follower);
 * leases are listed from this member's lessor. Every response carries this member's header.
 */
public final class LeaseService extends LeaseGrpc.LeaseImplBase {
  /** Keep-alives of one stream being renewed at once (etcd renews them one at a time). */
  static final int KEEPALIVES_IN_FLIGHT_MAX = 16;

  private final EtcdServer server;

  public LeaseService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> out) {
    if (Answers.refusedByQuota(server.alarms(), BackendQuota.LEASE_COST, out)) {
      return;
    }
    Answers.answer(
        server.leases().grant(request, ClientDeadline.remainingNanos()),
        out,
        (LeaseGrantResponse r) ->
            r.toBuilder().setHeader(server.header(r.getHeader().getRevision())).build());
  }

  @Override
  public void leaseRevoke(LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> out) {
    Answers.answer(
        server.leases().revoke(request, ClientDeadline.remainingNanos()),
        out,
        (LeaseRevokeResponse r) ->
            r.toBuilder().setHeader(server.header(r.getHeader().getRevision())).build());
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    Answers.answer(
        server.leases().timeToLive(request, ClientDeadline.remainingNanos()),
        out,
        (LeaseTimeToLiveResponse r) -> r.toBuilder().setHeader(server.header(0)).build());
  }

  @Override
  public void leaseLeases(LeaseLeasesRequest request, StreamObserver<LeaseLeasesResponse> out) {
    out.onNext(server.leases().leases().toBuilder().setHeader(server.header(0)).build());
    out.onCompleted();
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> responses) {
    return new KeepAliveStream((ServerCallStreamObserver<LeaseKeepAliveResponse>) responses);
  }

  /**
   * One keep-alive stream: each request renews its lease and is answered with the TTL, or TTL 0
   * when the lease is unknown or expired (not an error, as etcd). Other failures (no leader in
   * time) end the stream with the error. Requests are taken only while fewer than {@link
   * #KEEPALIVES_IN_FLIGHT_MAX} are being renewed and the client reads its answers, so neither
   * side can make the other buffer without bound.
   */
  private final class KeepAliveStream implements StreamObserver<LeaseKeepAliveRequest> {
    private final ServerCallStreamObserver<LeaseKeepAliveResponse> out;
    // Guarded by this.
    private int inFlight;
    private int owedRequests;
    private boolean halfClosed;
    private boolean done;

    KeepAliveStream(ServerCallStreamObserver<LeaseKeepAliveResponse> out) {
      this.out = out;
      out.disableAutoRequest();
      out.setOnCancelHandler(
          () -> {
            synchronized (this) {
              done = true;
            }
          });
      out.setOnReadyHandler(this::onReady);
      out.request(KEEPALIVES_IN_FLIGHT_MAX);
    }

    @Override
    public void onNext(LeaseKeepAliveRequest req) {
      synchronized (this) {
        inFlight++;
      }
      long id = req.getID();
      server
          .leases()
          .renew(id, EtcdServer.NO_CLIENT_TIMEOUT)
          .whenComplete((ttl, e) -> answered(id, ttl, e));
    }

    private synchronized void answered(long id, Long ttl, Throwable e) {
      inFlight--;
      if (done) {
        return;
      }
      long answer;
      if (e == null) {
        answer = ttl;
      } else if (ErrorMapping.etcdError(e) == EtcdError.LEASE_NOT_FOUND) {
        answer = 0; // unknown or expired: TTL 0, not an error
      } else {
        done = true;
        out.onError(ErrorMapping.toStatus(e));
        return;
      }
      out.onNext(
          LeaseKeepAliveResponse.newBuilder()
              .setHeader(server.header(0))
              .setID(id)
              .setTTL(answer)
              .build());
      if (halfClosed && inFlight == 0) {
        done = true;
        out.onCompleted();
        return;
      }
      if (out.isReady()) {
        out.request(1);
      } else {
        owedRequests++; // asked for again once the client has read what is queued
      }
    }

    private synchronized void onReady() {
      while (!done && owedRequests > 0 && out.isReady()) {
        owedRequests--;
        out.request(1);
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      done = true; // the client went away
    }

    @Override
    public synchronized void onCompleted() {
      halfClosed = true;
      if (!done && inFlight == 0) {
        done = true;
        out.onCompleted();
      }
    }
  }
}
