package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.CompactionResponse;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.CompactionResult;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.alarm.BackendQuota;
import io.etcdj.server.apply.KvApplier;
import io.etcdj.server.apply.RequestChecks;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.storage.mvcc.TxnRead;
import io.grpc.stub.StreamObserver;
import io.etcdj.server.errors.EtcdError;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * {@code etcdserverpb.KV}: checks each write against the backend quota (etcd's {@code
 * v3rpc/quota.go}), checks each request as etcd's {@code v3rpc/key.go} does, proposes
 * writes, and serves reads from a store view: single-key reads on the calling event-loop thread,
 * ranges and read-only txns on the read pool. In a one-member cluster every read is linearizable: a write is answered only after it is applied, so
 * a view opened afterwards sees it.
 */
public final class KvService extends KVGrpc.KVImplBase {
  private final EtcdServer server;
  private final Executor readExecutor;

  /**
   * @param readExecutor runs reads that may touch many keys, off the calling (event loop) thread
   */
  public KvService(EtcdServer server, Executor readExecutor) {
    this.server = server;
    this.readExecutor = readExecutor;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    try {
      RequestChecks.checkRange(request);
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    if (!request.getSerializable() && !server.singleVoter()) {
      afterReadIndex(() -> serveRange(request, out), out);
      return;
    }
    if (request.getRangeEnd().isEmpty()) {
      serveRange(request, out); // one key: cheap enough for the event loop
      return;
    }
    offload(() -> serveRange(request, out), out);
  }

  /**
   * Runs a linearizable read once this member has applied the leader's read index (etcd's
   * ReadIndex path); the read then runs on the read pool.
   */
  private void afterReadIndex(Runnable read, StreamObserver<?> out) {
    server
        .linearizableRead(ClientDeadline.remainingNanos())
        .whenComplete(
            (v, err) -> {
              if (err != null) {
                out.onError(ErrorMapping.toStatus(err));
              } else {
                offload(read, out);
              }
            });
  }

  private void serveRange(RangeRequest request, StreamObserver<RangeResponse> out) {
    serveRead(
        view -> server.applier().range(view, request),
        r -> r.toBuilder().setHeader(fill(r.getHeader())).build(),
        out);
  }

  /** Reads from a fresh store view and answers; errors go through the one mapping. */
  private <T> void serveRead(
      Function<TxnRead, T> read, UnaryOperator<T> finish, StreamObserver<T> out) {
    T resp;
    try (TxnRead view = server.kv().read()) {
      resp = read.apply(view);
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    out.onNext(finish.apply(resp));
    out.onCompleted();
  }

  private void offload(Runnable read, StreamObserver<?> out) {
    try {
      readExecutor.execute(read);
    } catch (RejectedExecutionException e) {
      out.onError(ErrorMapping.toStatus(EtcdError.TOO_MANY_REQUESTS.exception()));
    }
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    // etcd checks the quota first, before the request itself (its quota server wraps the KV one).
    if (Answers.refusedByQuota(server.alarms(), BackendQuota.cost(request), out)) {
      return;
    }
    try {
      RequestChecks.checkPut(request);
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    Answers.answer(
        server.propose(
            InternalRaftRequest.newBuilder().setPut(request), ClientDeadline.remainingNanos()),
        out,
        (PutResponse r) -> r.toBuilder().setHeader(fill(r.getHeader())).build());
  }

  @Override
  public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
    try {
      RequestChecks.checkDelete(request);
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    Answers.answer(
        server.propose(
            InternalRaftRequest.newBuilder().setDeleteRange(request), ClientDeadline.remainingNanos()),
        out,
        (DeleteRangeResponse r) -> r.toBuilder().setHeader(fill(r.getHeader())).build());
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    if (Answers.refusedByQuota(server.alarms(), BackendQuota.cost(request), out)) {
      return;
    }
    try {
      RequestChecks.checkTxn(request, server.config().maxTxnOps());
      if (KvApplier.isReadOnly(request)) {
        if (!server.singleVoter() && !KvApplier.isSerializable(request)) {
          afterReadIndex(() -> serveReadOnlyTxn(request, out), out);
        } else {
          offload(() -> serveReadOnlyTxn(request, out), out);
        }
        return;
      }
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    Answers.answer(
        server.propose(
            InternalRaftRequest.newBuilder().setTxn(request), ClientDeadline.remainingNanos()),
        out,
        (TxnResponse r) -> r.toBuilder().setHeader(fill(r.getHeader())).build());
  }

  private void serveReadOnlyTxn(TxnRequest request, StreamObserver<TxnResponse> out) {
    serveRead(
        view -> server.applier().txn(view, request),
        r -> r.toBuilder().setHeader(fill(r.getHeader())).build(),
        out);
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    CompletableFuture<Object> applied =
        server.propose(
            InternalRaftRequest.newBuilder().setCompaction(request), ClientDeadline.remainingNanos());
    // physical=true answers only once the backend has removed the old revisions.
    CompletableFuture<Object> done =
        request.getPhysical()
            ? applied.thenCompose(r -> ((CompactionResult) r).physical().thenApply(v -> r))
            : applied;
    Answers.answer(
        done,
        out,
        (Object r) -> {
          CompactionResponse resp = ((CompactionResult) r).response();
          return resp.toBuilder().setHeader(fill(resp.getHeader())).build();
        });
  }

  private ResponseHeader fill(ResponseHeader h) {
    return server.header(h.getRevision());
  }

}
