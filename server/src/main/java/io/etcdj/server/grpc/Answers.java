package io.etcdj.server.grpc;

import io.etcdj.server.alarm.Alarms;
import io.etcdj.server.errors.ErrorMapping;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/** Answers a unary call when its future completes; failures go through the one error mapping. */
final class Answers {
  private Answers() {}

  /**
   * Answers a unary call of the Lock and Election services, whose failures go out as etcd's
   * embedded client reports them ({@link ErrorMapping#toStatusViaV3Client}). Nothing is sent on
   * a call the client has cancelled.
   */
  static <R> void answerViaV3Client(CompletableFuture<R> future, StreamObserver<R> out) {
    future.whenComplete(
        (result, error) -> {
          if (out instanceof ServerCallStreamObserver<R> call && call.isCancelled()) {
            return;
          }
          if (error != null) {
            out.onError(ErrorMapping.toStatusViaV3Client(error));
            return;
          }
          out.onNext(result);
          out.onCompleted();
        });
  }

  /**
   * etcd's quota check in front of a write costing {@code costBytes}: true (and the call is
   * answered with "database space exceeded" once NOSPACE is raised) when it does not fit.
   */
  static boolean refusedByQuota(Alarms alarms, long costBytes, StreamObserver<?> out) {
    CompletableFuture<Void> refused = alarms.checkQuota(costBytes);
    if (refused == null) {
      return false;
    }
    refused.whenComplete((v, error) -> out.onError(ErrorMapping.toStatus(error)));
    return true;
  }

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
