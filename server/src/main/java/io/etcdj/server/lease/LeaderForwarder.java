package io.etcdj.server.lease;

import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.internal.PeerClusterGrpc;
import io.grpc.ManagedChannel;
import io.etcdj.server.grpc.UnaryObserver;
import io.etcdj.server.transport.PeerClusterClient;
import java.net.URI;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Calls the leader's {@code PeerCluster} lease methods over the peer port, as etcd's followers
 * call the leader's {@code /leases} handlers. One channel per peer URL, kept open (a busy
 * follower forwards every keep-alive it gets).
 *
 * <p>Threads: any; never blocks. At most {@link #CHANNELS_MAX} channels (one per peer URL ever
 * used; more means the member list churned, and the oldest are simply all closed).
 */
final class LeaderForwarder implements AutoCloseable {
  static final int CHANNELS_MAX = 64;
  private static final int RESPONSE_BYTES_MAX = 64 * 1024 * 1024;

  private final ConcurrentHashMap<URI, ManagedChannel> channels = new ConcurrentHashMap<>();
  private volatile boolean closed;

  CompletableFuture<LeaseKeepAliveResponse> renew(URI leader, long leaseId, long timeoutNanos) {
    UnaryObserver<LeaseKeepAliveResponse> answer = new UnaryObserver<>();
    stub(leader, timeoutNanos)
        .leaseRenew(LeaseKeepAliveRequest.newBuilder().setID(leaseId).build(), answer);
    return answer.future();
  }

  CompletableFuture<LeaseTimeToLiveResponse> timeToLive(
      URI leader, LeaseTimeToLiveRequest request, long timeoutNanos) {
    UnaryObserver<LeaseTimeToLiveResponse> answer = new UnaryObserver<>();
    stub(leader, timeoutNanos).leaseTimeToLive(request, answer);
    return answer.future();
  }

  private PeerClusterGrpc.PeerClusterStub stub(URI url, long timeoutNanos) {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    ManagedChannel ch = channels.get(url);
    if (ch == null) {
      if (channels.size() >= CHANNELS_MAX) {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
      }
      ch = channels.computeIfAbsent(url, LeaderForwarder::channel);
    }
    return PeerClusterGrpc.newStub(ch).withDeadlineAfter(timeoutNanos, TimeUnit.NANOSECONDS);
  }

  private static ManagedChannel channel(URI url) {
    return PeerClusterClient.channelBuilder(url, RESPONSE_BYTES_MAX)
        // The answer only completes a future whose callbacks never block: run it on the event
        // loop rather than hopping to a pool thread for every forwarded keep-alive.
        .directExecutor()
        .build();
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
