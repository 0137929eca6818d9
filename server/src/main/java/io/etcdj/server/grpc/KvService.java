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
import io.etcdj.server.apply.KvApplier;
import io.etcdj.server.apply.RequestChecks;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.storage.mvcc.TxnRead;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * {@code etcdserverpb.KV}: checks each request as etcd's {@code v3rpc/key.go} does, proposes
 * writes, and serves reads (and read-only txns) from a store view on the calling thread. In a
 * one-member cluster every read is linearizable: a write is answered only after it is applied, so
 * a view opened afterwards sees it.
 */
public final class KvService extends KVGrpc.KVImplBase {
  private final EtcdServer server;

  public KvService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
    RangeResponse resp;
    try {
      RequestChecks.checkRange(request);
      try (TxnRead view = server.kv().read()) {
        resp = server.applier().range(view, request);
      }
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    out.onNext(resp.toBuilder().setHeader(fill(resp.getHeader())).build());
    out.onCompleted();
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> out) {
    try {
      RequestChecks.checkPut(request);
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    answer(
        server.propose(InternalRaftRequest.newBuilder().setPut(request)),
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
    answer(
        server.propose(InternalRaftRequest.newBuilder().setDeleteRange(request)),
        out,
        (DeleteRangeResponse r) -> r.toBuilder().setHeader(fill(r.getHeader())).build());
  }

  @Override
  public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
    try {
      RequestChecks.checkTxn(request, server.config().maxTxnOps());
      if (KvApplier.isReadOnly(request)) {
        TxnResponse resp;
        try (TxnRead view = server.kv().read()) {
          resp = server.applier().txn(view, request);
        }
        out.onNext(resp.toBuilder().setHeader(fill(resp.getHeader())).build());
        out.onCompleted();
        return;
      }
    } catch (RuntimeException e) {
      out.onError(ErrorMapping.toStatus(e));
      return;
    }
    answer(
        server.propose(InternalRaftRequest.newBuilder().setTxn(request)),
        out,
        (TxnResponse r) -> r.toBuilder().setHeader(fill(r.getHeader())).build());
  }

  @Override
  public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
    CompletableFuture<Object> applied =
        server.propose(InternalRaftRequest.newBuilder().setCompaction(request));
    // physical=true answers only once the backend has removed the old revisions.
    CompletableFuture<Object> done =
        request.getPhysical()
            ? applied.thenCompose(r -> ((CompactionResult) r).physical().thenApply(v -> r))
            : applied;
    answer(
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

  @SuppressWarnings("unchecked")
  private static <T, R> void answer(
      CompletableFuture<Object> future, StreamObserver<R> out, java.util.function.Function<T, R> finish) {
    future.whenComplete(
        (result, error) -> {
          if (error != null) {
            out.onError(ErrorMapping.toStatus(error));
            return;
          }
          out.onNext(finish.apply((T) result));
          out.onCompleted();
        });
  }
}
