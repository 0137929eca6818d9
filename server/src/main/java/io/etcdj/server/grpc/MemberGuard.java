package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.server.errors.EtcdError;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What etcd checks on every client call before its handler runs (etcd 3.4's {@code
 * v3rpc/interceptor.go}), in etcd's order:
 *
 * <ol>
 *   <li>a learner serves only Status and serializable Range, and no stream at all: anything else
 *       fails with "etcdserver: rpc not supported for learner" ({@code isRPCSupportedForLearner});
 *   <li>a call whose metadata carries {@code hasleader=true} ("require leader") fails with
 *       "etcdserver: no leader" while this member knows no leader.
 * </ol>
 *
 * <p>It guards every service on the client port, as etcd's server-wide interceptors do. A stream
 * that required a leader is also cut off later: once the member has seen no leader at {@link
 * #NO_LEADER_CHECKS_MAX} consecutive {@link #checkLeader} calls (made every election timeout, as
 * etcd's {@code monitorLeader}), the stream is closed with "etcdserver: no leader" and its gRPC
 * {@link Context} is cancelled so the handler can release what it holds.
 *
 * <p>Unary checks run when the request arrives, since the learner rule depends on it; streams are
 * checked when they open. Threading: {@link #interceptCall} and the listeners run on the transport
 * threads, {@link #checkLeader} on one monitor thread; the set of guarded streams is concurrent and
 * each guarded stream serialises its sends with the monitor's close.
 */
final class MemberGuard implements ServerInterceptor {

  /** What the guard reads about this member on every call; both must be cheap and thread-safe. */
  interface MemberState {
    /** The leader this member knows, 0 for none. */
    long leaderId();

    /** True while the member list says this member is a learner. */
    boolean isLearner();
  }

  /** etcd's {@code rpctypes.MetadataRequireLeaderKey}; gRPC metadata keys are lower case. */
  static final Metadata.Key<String> REQUIRE_LEADER =
      Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);

  /** etcd's {@code rpctypes.MetadataHasLeader}: the only value that turns the check on. */
  static final String HAS_LEADER = "true";

  /** etcd's {@code maxNoLeaderCnt}: streams survive shorter spells without a leader. */
  static final int NO_LEADER_CHECKS_MAX = 3;

  private final MemberState member;
  private final Set<GuardedStream<?, ?>> streams = ConcurrentHashMap.newKeySet();
  /** Consecutive checks without a leader; only the monitor thread touches it. */
  private int noLeaderChecks;

  MemberGuard(MemberState member) {
    this.member = member;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNKNOWN) {
      // A method nobody serves: grpc-go answers "unknown method" before etcd's interceptors run.
      return next.startCall(call, headers);
    }
    boolean requireLeader = requiresLeader(headers);
    if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
      return new UnaryCheck<>(call, next.startCall(call, headers), requireLeader);
    }
    EtcdError refused =
        member.isLearner()
            ? EtcdError.NOT_SUPPORTED_FOR_LEARNER
            : requireLeader && member.leaderId() == 0 ? EtcdError.NO_LEADER : null;
    if (refused != null) {
      call.close(ErrorMapping.toStatus(refused.exception()).getStatus(), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    return requireLeader ? guardStream(call, headers, next) : next.startCall(call, headers);
  }

  /** As etcd: the first {@code hasleader} value must be exactly "true". */
  static boolean requiresLeader(Metadata headers) {
    Iterable<String> values = headers.getAll(REQUIRE_LEADER);
    if (values == null) {
      return false;
    }
    Iterator<String> first = values.iterator();
    return first.hasNext() && HAS_LEADER.equals(first.next());
  }

  /**
   * etcd 3.4's {@code isRPCSupportedForLearner}. The client port hands interceptors a request's
   * bytes ({@link RequestDecoding} decodes it in the handler), so a learner looks at the method and
   * reads a Range's {@code serializable} itself; bytes that do not parse go on, to get the decoder's
   * error first, as grpc-go decodes before etcd's interceptors run.
   */
  static boolean supportedForLearner(String fullMethodName, Object request) {
    Object r = request;
    if (request instanceof byte[] bytes) {
      if (fullMethodName.equals(MaintenanceGrpc.getStatusMethod().getFullMethodName())) {
        return true;
      }
      if (!fullMethodName.equals(KVGrpc.getRangeMethod().getFullMethodName())) {
        return false;
      }
      try {
        r = RangeRequest.parseFrom(bytes);
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        return true;
      }
    }
    if (r instanceof StatusRequest) {
      return true;
    }
    return r instanceof RangeRequest range && range.getSerializable();
  }

  /** The unary checks for one request, or null when the call may go on. */
  private EtcdError refuseUnary(String fullMethodName, Object request, boolean requireLeader) {
    if (member.isLearner() && !supportedForLearner(fullMethodName, request)) {
      return EtcdError.NOT_SUPPORTED_FOR_LEARNER;
    }
    if (requireLeader && member.leaderId() == 0) {
      return EtcdError.NO_LEADER;
    }
    return null;
  }

  /**
   * One look at the leader, made every election timeout by the server's monitor thread. After
   * {@link #NO_LEADER_CHECKS_MAX} looks in a row without one, every stream that required a leader
   * is closed with "etcdserver: no leader" (new ones are refused at once meanwhile).
   */
  void checkLeader() {
    if (member.leaderId() != 0) {
      noLeaderChecks = 0;
      return;
    }
    noLeaderChecks++;
    if (noLeaderChecks < NO_LEADER_CHECKS_MAX) {
      return;
    }
    for (GuardedStream<?, ?> s : streams) {
      streams.remove(s);
      s.cancelForNoLeader();
    }
  }

  /** Streams currently watched for a lost leader (for tests). */
  int guardedStreams() {
    return streams.size();
  }

  private <ReqT, RespT> ServerCall.Listener<ReqT> guardStream(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    // A child of the call's context: cancelled with the call, or by us when the leader is gone.
    Context.CancellableContext context = Context.current().withCancellation();
    GuardedStream<ReqT, RespT> guarded = new GuardedStream<>(call, context);
    streams.add(guarded);
    ServerCall.Listener<ReqT> listener;
    try {
      listener = Contexts.interceptCall(context, guarded, headers, next);
    } catch (RuntimeException | Error e) {
      release(guarded);
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          release(guarded);
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          release(guarded);
        }
      }
    };
  }

  private void release(GuardedStream<?, ?> s) {
    streams.remove(s);
    s.context.cancel(null);
  }

  /**
   * Holds a unary request back until it passed the checks; a refused call is closed here and its
   * handler never sees the request or the half-close.
   */
  private final class UnaryCheck<ReqT, RespT>
      extends ForwardingServerCallListener.SimpleForwardingServerCallListener<ReqT> {
    private final ServerCall<ReqT, RespT> call;
    private final boolean requireLeader;
    private boolean refused;

    UnaryCheck(ServerCall<ReqT, RespT> call, ServerCall.Listener<ReqT> next, boolean requireLeader) {
      super(next);
      this.call = call;
      this.requireLeader = requireLeader;
    }

    @Override
    public void onMessage(ReqT message) {
      if (refused) {
        return;
      }
      EtcdError error = refuseUnary(call.getMethodDescriptor().getFullMethodName(), message, requireLeader);
      if (error != null) {
        refused = true;
        call.close(ErrorMapping.toStatus(error.exception()).getStatus(), new Metadata());
        return;
      }
      super.onMessage(message);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        super.onHalfClose();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        super.onReady();
      }
    }
  }

  /**
   * A stream that required a leader. The monitor thread may close it while the handler sends on
   * it, so sends and closes take one lock and nothing is sent after the close.
   */
  private static final class GuardedStream<ReqT, RespT>
      extends ForwardingServerCall.SimpleForwardingServerCall<ReqT, RespT> {
    final Context.CancellableContext context;
    private boolean closed;

    GuardedStream(ServerCall<ReqT, RespT> call, Context.CancellableContext context) {
      super(call);
      this.context = context;
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(RespT message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(io.grpc.Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    /** etcd's handlers answer a stream cancelled by the monitor with ErrGRPCNoLeader. */
    void cancelForNoLeader() {
      close(ErrorMapping.toStatus(EtcdError.NO_LEADER.exception()).getStatus(), new Metadata());
      context.cancel(EtcdError.NO_LEADER.exception());
    }
  }
}
