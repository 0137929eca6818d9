package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.server.EtcdServer;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;

/**
 * {@code etcdserverpb.Watch}: each bidi stream becomes a {@link WatchSession} over the member's
 * watchable store. Served by every member, followers included, from its applied state.
 */
final class WatchService extends WatchGrpc.WatchImplBase {
  private final EtcdServer server;
  private final Executor sendExecutor;

  /** @param sendExecutor drains the sessions' queues (one task per session at a time) */
  WatchService(EtcdServer server, Executor sendExecutor) {
    this.server = server;
    this.sendExecutor = sendExecutor;
  }

  @Override
  public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
    out.disableAutoRequest(); // the session asks for each request when it has room for the answer
    WatchSession session =
        new WatchSession(
            out,
            server.watchable(),
            server.kv(),
            this::header,
            // etcd's watch server fragments above max-request-bytes plus its 512 KiB gRPC overhead.
            server.config().grpcMaxInboundMessageBytes(),
            drainExecutor());
    out.setOnReadyHandler(session::onReady);
    out.setOnCancelHandler(session::close);
    // Also ended when the guard cuts the stream for a lost leader (it cancels the context).
    Context.current().addListener(ctx -> session.close(), Runnable::run);
    out.request(1);
    return session;
  }

  /**
   * Where this stream's queue is drained: the Netty event loop that serves it, when this runs on
   * one (handlers run on the event loops: see {@link ClientServer}). An event then crosses one
   * thread (apply → event loop, which writes it at once), as a put's answer does, instead of two
   * through a pool. Draining only builds messages and reads prev_kv from a read view, which the
   * event loops already do for single-key ranges. The pool serves any other caller.
   */
  private Executor drainExecutor() {
    Executor loop = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
    return loop != null ? loop : sendExecutor;
  }

  /** etcd's header; a compaction cancel has revision 0, which etcd leaves out. */
  private ResponseHeader header(long revision) {
    ResponseHeader h = server.header(revision == 0 ? 1 : revision);
    return revision == 0 ? h.toBuilder().clearRevision().build() : h;
  }
}
