package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Lease service that records what it is sent: grants (and their TTLs), revokes, keepalive
 * streams and keepalives per lease. Answers a keepalive with the lease's TTL, or TTL 0 for a lease
 * it does not hold, as etcd does. {@code forgetGrants} grants ids without holding them (every
 * keepalive then finds no lease); without {@code serveKeepAlive} every keepalive stream fails with
 * UNIMPLEMENTED, as grpc-java answers for a method the server does not have. Thread-safe.
 */
final class FakeLease extends LeaseGrpc.LeaseImplBase {
  final AtomicLong grants = new AtomicLong();
  final Map<Long, Long> ttlsGranted = new ConcurrentHashMap<>();
  final Map<Long, Long> live = new ConcurrentHashMap<>();
  final Map<Long, Boolean> revoked = new ConcurrentHashMap<>();
  final AtomicLong streams = new AtomicLong();
  final AtomicLong keepAlives = new AtomicLong();
  final Map<Long, AtomicLong> keepAlivesByLease = new ConcurrentHashMap<>();
  private final AtomicLong nextId = new AtomicLong(1000);
  private final boolean forgetGrants;
  private final boolean serveKeepAlive;

  FakeLease(boolean forgetGrants, boolean serveKeepAlive) {
    this.forgetGrants = forgetGrants;
    this.serveKeepAlive = serveKeepAlive;
  }

  @Override
  public void leaseGrant(LeaseGrantRequest request, StreamObserver<LeaseGrantResponse> response) {
    grants.incrementAndGet();
    long id = nextId.incrementAndGet();
    ttlsGranted.put(id, request.getTTL());
    if (!forgetGrants) {
      live.put(id, request.getTTL());
    }
    response.onNext(LeaseGrantResponse.newBuilder().setID(id).setTTL(request.getTTL()).build());
    response.onCompleted();
  }

  @Override
  public void leaseRevoke(
      LeaseRevokeRequest request, StreamObserver<LeaseRevokeResponse> response) {
    if (live.remove(request.getID()) == null) {
      response.onError(
          Status.NOT_FOUND.withDescription("etcdserver: requested lease not found").asException());
      return;
    }
    revoked.put(request.getID(), true);
    response.onNext(LeaseRevokeResponse.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public StreamObserver<LeaseKeepAliveRequest> leaseKeepAlive(
      StreamObserver<LeaseKeepAliveResponse> response) {
    streams.incrementAndGet();
    if (!serveKeepAlive) {
      response.onError(
          Status.UNIMPLEMENTED
              .withDescription("Method not found: etcdserverpb.Lease/LeaseKeepAlive")
              .asException());
    }
    return new StreamObserver<>() {
      @Override
      public void onNext(LeaseKeepAliveRequest request) {
        if (!serveKeepAlive) {
          return;
        }
        keepAlives.incrementAndGet();
        keepAlivesByLease.computeIfAbsent(request.getID(), k -> new AtomicLong()).incrementAndGet();
        long ttl = live.getOrDefault(request.getID(), 0L);
        response.onNext(
            LeaseKeepAliveResponse.newBuilder().setID(request.getID()).setTTL(ttl).build());
      }

      @Override
      public void onError(Throwable t) {
        // The benchmark cancels each stream it is done with.
      }

      @Override
      public void onCompleted() {
        if (serveKeepAlive) {
          response.onCompleted();
        }
      }
    };
  }
}
