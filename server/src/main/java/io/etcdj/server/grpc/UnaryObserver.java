package io.etcdj.server.grpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The answer of a unary call made with an async stub, as a future: the response, or the call's
 * error. A call that completes without an answer (a broken server) fails the future too.
 */
public final class UnaryObserver<R> implements StreamObserver<R> {
  private final CompletableFuture<R> result = new CompletableFuture<>();

  public CompletableFuture<R> future() {
    return result;
  }

  @Override
  public void onNext(R response) {
    result.complete(response);
  }

  @Override
  public void onError(Throwable t) {
    result.completeExceptionally(t);
  }

  @Override
  public void onCompleted() {
    if (!result.isDone()) {
      result.completeExceptionally(new IllegalStateException("unary call ended without an answer"));
    }
  }
}
