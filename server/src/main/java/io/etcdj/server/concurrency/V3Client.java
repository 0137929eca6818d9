package io.etcdj.server.concurrency;

import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * The client the recipes run on: asynchronous KV, Watch and Lease stubs over one {@link Channel},
 * as etcd's {@code v3client} is a clientv3 client wired straight to the member's own services.
 *
 * <p>Every call is started under the gRPC {@link Context} it is given, the way clientv3 passes a Go
 * context: a call started under a server handler's context is cancelled with that call and
 * inherits its deadline. The {@code ...Detached} calls are for cleanup after the caller has gone
 * (etcd uses the client's own background context there); they are bounded by {@link
 * #CLEANUP_TIMEOUT_SECONDS} instead.
 *
 * <p>Thread-safe (the stubs are). Futures complete on the channel's executor; nothing here blocks.
 */
public final class V3Client {
  /** Limit on a cleanup call made after the caller has gone (etcd has none; its request timeout applies). */
  static final long CLEANUP_TIMEOUT_SECONDS = 10;

  private final KVGrpc.KVStub kv;
  private final WatchGrpc.WatchStub watch;
  private final LeaseGrpc.LeaseStub lease;

  public V3Client(Channel channel) {
    this.kv = KVGrpc.newStub(channel);
    this.watch = WatchGrpc.newStub(channel);
    this.lease = LeaseGrpc.newStub(channel);
  }

  CompletableFuture<TxnResponse> txn(Context ctx, TxnRequest request) {
    return unary(ctx, request, kv::txn);
  }

  CompletableFuture<RangeResponse> range(Context ctx, RangeRequest request) {
    return unary(ctx, request, kv::range);
  }

  CompletableFuture<DeleteRangeResponse> delete(Context ctx, DeleteRangeRequest request) {
    return unary(ctx, request, kv::deleteRange);
  }

  CompletableFuture<LeaseGrantResponse> grant(Context ctx, long ttlSeconds) {
    return unary(ctx, LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build(), lease::leaseGrant);
  }

  /** A txn that is not cancelled with any caller. */
  CompletableFuture<TxnResponse> txnDetached(TxnRequest request) {
    KVGrpc.KVStub bounded = kv.withDeadlineAfter(CLEANUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return unary(Context.ROOT, request, bounded::txn);
  }

  /** A delete that is not cancelled with any caller. */
  CompletableFuture<DeleteRangeResponse> deleteDetached(DeleteRangeRequest request) {
    KVGrpc.KVStub bounded = kv.withDeadlineAfter(CLEANUP_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    return unary(Context.ROOT, request, bounded::deleteRange);
  }

  /** Opens a Watch stream carrying one watcher; see {@link WatchStream}. */
  WatchStream watch(Context ctx, WatchCreateRequest create, WatchStream.Listener listener) {
    return WatchStream.open(watch, ctx, create, listener);
  }

  private static <Q, R> CompletableFuture<R> unary(
      Context ctx, Q request, BiConsumer<Q, StreamObserver<R>> call) {
    io.etcdj.server.grpc.UnaryObserver<R> observer = new io.etcdj.server.grpc.UnaryObserver<>();
    ctx.run(() -> call.accept(request, observer));
    return observer.future();
  }
}
