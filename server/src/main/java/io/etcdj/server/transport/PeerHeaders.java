package io.etcdj.server.transport;

import io.etcdj.api.internal.PeerGrpc;
import io.grpc.ClientInterceptor;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.stub.MetadataUtils;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongPredicate;

/**
 * The identity headers of every peer call and their check on the receiving side (etcd's {@code
 * X-Etcd-Cluster-ID}, {@code X-Server-From} and {@code X-Raft-To} with {@code
 * checkClusterCompatibilityFromHeader} in rafthttp/http.go). Ids travel as lowercase hex.
 */
final class PeerHeaders {
  static final Metadata.Key<String> CLUSTER_ID =
      Metadata.Key.of("etcdj-cluster-id", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> FROM =
      Metadata.Key.of("etcdj-from", Metadata.ASCII_STRING_MARSHALLER);
  static final Metadata.Key<String> TO =
      Metadata.Key.of("etcdj-to", Metadata.ASCII_STRING_MARSHALLER);

  /** The sender of the current call, set by {@link Check} once the headers passed. */
  static final Context.Key<Long> SENDER = Context.key("etcdj-peer-sender");

  static final String CLUSTER_ID_MISMATCH = "cluster ID mismatch";
  static final String MEMBER_ID_MISMATCH = "member ID mismatch";
  static final String SENDER_NOT_FOUND = "sender not found";
  /** etcd's text for a member the cluster removed (its peers answer it 410 Gone). */
  static final String MEMBER_REMOVED = "the member has been permanently removed from the cluster";

  /** What a removed member is told when it calls, on dial or on its open stream. */
  static Status removed(long from) {
    return Status.FAILED_PRECONDITION.withDescription(MEMBER_REMOVED + ": " + hex(from));
  }

  /** True when a peer's answer says the cluster removed the caller. */
  static boolean isRemoved(Status s) {
    return s.getCode() == Status.Code.FAILED_PRECONDITION
        && s.getDescription() != null
        && s.getDescription().startsWith(MEMBER_REMOVED);
  }

  private PeerHeaders() {}

  static String hex(long id) {
    return Long.toHexString(id);
  }

  /** The headers a member sends to peer {@code to}. */
  static ClientInterceptor forPeer(long clusterId, long from, long to) {
    Metadata md = new Metadata();
    md.put(CLUSTER_ID, hex(clusterId));
    md.put(FROM, hex(from));
    md.put(TO, hex(to));
    return MetadataUtils.newAttachHeadersInterceptor(md);
  }

  /**
   * Rejects calls from another cluster, calls meant for another member, any call from a member
   * the cluster removed, and streams from a member this one does not know (etcd answers 412, 412,
   * 410 and 404 there). Snapshots are accepted from any member of the cluster: a joining member
   * may not know its leader yet.
   */
  static final class Check implements ServerInterceptor {
    private final long clusterId;
    private final long memberId;
    private final LongPredicate knownPeer;
    private final LongPredicate removedPeer;
    private final AtomicLong rejected;

    Check(
        long clusterId,
        long memberId,
        LongPredicate knownPeer,
        LongPredicate removedPeer,
        AtomicLong rejected) {
      this.clusterId = clusterId;
      this.memberId = memberId;
      this.knownPeer = knownPeer;
      this.removedPeer = removedPeer;
      this.rejected = rejected;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      long gotCluster;
      long from;
      long to;
      try {
        gotCluster = parse(headers, CLUSTER_ID);
        from = parse(headers, FROM);
        to = parse(headers, TO);
      } catch (IllegalArgumentException e) {
        return reject(call, Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
      }
      if (gotCluster != clusterId) {
        return reject(
            call,
            Status.FAILED_PRECONDITION.withDescription(
                CLUSTER_ID_MISMATCH + ": local " + hex(clusterId) + ", remote " + hex(gotCluster)));
      }
      if (to != memberId) {
        return reject(
            call,
            Status.FAILED_PRECONDITION.withDescription(
                MEMBER_ID_MISMATCH
                    + ": this member is "
                    + hex(memberId)
                    + ", the call is for "
                    + hex(to)));
      }
      if (removedPeer.test(from)) {
        return reject(call, removed(from));
      }
      if (call.getMethodDescriptor().equals(PeerGrpc.getStreamMethod()) && !knownPeer.test(from)) {
        return reject(
            call,
            Status.NOT_FOUND.withDescription(
                SENDER_NOT_FOUND + ": " + hex(from) + " is not a peer of " + hex(memberId)));
      }
      return Contexts.interceptCall(Context.current().withValue(SENDER, from), call, headers, next);
    }

    private <Q, R> ServerCall.Listener<Q> reject(ServerCall<Q, R> call, Status status) {
      rejected.incrementAndGet();
      call.close(status, new Metadata());
      return new ServerCall.Listener<>() {};
    }

    private static long parse(Metadata headers, Metadata.Key<String> key) {
      String v = headers.get(key);
      if (v == null || v.isEmpty()) {
        throw new IllegalArgumentException("missing header " + key.name());
      }
      try {
        return Long.parseUnsignedLong(v, 16);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad header " + key.name() + ": " + v);
      }
    }
  }
}
