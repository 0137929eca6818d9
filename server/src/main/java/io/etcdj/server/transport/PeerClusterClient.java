package io.etcdj.server.transport;

import io.etcdj.api.internal.MembersRequest;
import io.etcdj.api.internal.MembersResponse;
import io.etcdj.api.internal.PeerClusterGrpc;
import io.etcdj.api.internal.PromoteMemberRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls {@code etcdjpb.PeerCluster} on other members (etcd's {@code GetClusterFromRemotePeers} and
 * {@code promoteMemberHTTP} in etcdserver/cluster_util.go). One short-lived channel per call:
 * these calls happen once at start-up or once per client request.
 *
 * <p>Threads: any; every call blocks its caller for at most its timeout.
 */
public final class PeerClusterClient {
  private static final Logger LOG = LoggerFactory.getLogger(PeerClusterClient.class);
  /** Largest member list accepted (a cluster of thousands of members still fits). */
  private static final int RESPONSE_BYTES_MAX = 4 * TransportConfig.MIB;

  private PeerClusterClient() {}

  /**
   * Asks each URL in turn for the cluster's member list and returns the first answer, or empty
   * when none answers within {@code timeoutMillis} each (etcd waits 10 s per URL).
   */
  public static Optional<MembersResponse> fetchMembers(List<URI> peerUrls, long timeoutMillis) {
    for (URI url : peerUrls) {
      ManagedChannel ch = channel(url);
      try {
        return Optional.of(
            PeerClusterGrpc.newBlockingStub(ch)
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .members(MembersRequest.getDefaultInstance()));
      } catch (StatusRuntimeException e) {
        io.grpc.Status st = e.getStatus();
        LOG.warn(
            "could not get cluster response from {}: {} {}{}",
            url,
            st.getCode(),
            st.getDescription() == null ? "" : st.getDescription(),
            st.getCause() == null ? "" : " (" + st.getCause() + ")");
      } finally {
        ch.shutdownNow();
      }
    }
    return Optional.empty();
  }

  /**
   * Asks the member at {@code peerUrl} (the leader, as far as the caller knows) to promote
   * learner {@code memberId}.
   *
   * @throws StatusRuntimeException with the leader's answer (etcd's error text) or a transport
   *     failure
   */
  public static MembersResponse promote(URI peerUrl, long memberId, long timeoutMillis) {
    ManagedChannel ch = channel(peerUrl);
    try {
      return PeerClusterGrpc.newBlockingStub(ch)
          .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
          .promoteMember(PromoteMemberRequest.newBuilder().setMemberId(memberId).build());
    } finally {
      ch.shutdownNow();
    }
  }

  /**
   * The HashKV of the member at {@code peerUrl} at {@code revision} (etcd's {@code
   * getPeerHashKVHTTP}).
   *
   * @throws StatusRuntimeException with the peer's answer (etcd's error text, e.g. a compacted or
   *     future revision) or a transport failure
   */
  public static io.etcdj.api.etcdserverpb.HashKVResponse hashKV(
      URI peerUrl, long revision, long timeoutMillis) {
    ManagedChannel ch = channel(peerUrl);
    try {
      return PeerClusterGrpc.newBlockingStub(ch)
          .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
          .hashKV(
              io.etcdj.api.etcdserverpb.HashKVRequest.newBuilder().setRevision(revision).build());
    } finally {
      ch.shutdownNow();
    }
  }

  private static ManagedChannel channel(URI url) {
    return channelBuilder(url, RESPONSE_BYTES_MAX).build();
  }

  /** A channel to a member's peer URL (TLS for https://), without gRPC's retries (callers retry). */
  public static NettyChannelBuilder channelBuilder(URI url, int responseBytesMax) {
    return PeerChannels.builder(url)
        .maxInboundMessageSize(responseBytesMax)
        .disableRetry();
  }
}
