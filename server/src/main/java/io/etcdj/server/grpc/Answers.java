package io.etcdj.server.grpc;

import io.etcdj.server.errors.ErrorMapping;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Answers a unary call when its future completes; failures go through the one error mapping. */
final class Answers {
  private Answers() {}

  @SuppressWarnings("unchecked")
  static <T, R> void answer(
      CompletableFuture<? extends Object> future, StreamObserver<R> out, Function<T, R> finish) {
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
