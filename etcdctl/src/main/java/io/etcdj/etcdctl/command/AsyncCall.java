package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Io;
import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;

/**
 * A unary gRPC call that a Ctrl-C may cut short, for the calls etcdctl makes under a context its
 * signal handler cancels (lock, elect). The call runs in its own cancellable gRPC context, so
 * {@link #cancel()} cancels it on the server too, as cancelling a Go context does.
 *
 * <p>Started and awaited by the command's thread; the result is completed on a gRPC thread.
 */
final class AsyncCall<T> {
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final Context.CancellableContext context = Context.current().withCancellation();

  private AsyncCall() {}

  /** Starts a call; {@code start} hands the observer to an async stub's method. */
  static <T> AsyncCall<T> start(Consumer<StreamObserver<T>> start) {
    AsyncCall<T> call = new AsyncCall<>();
    call.context.run(() -> start.accept(call.observer()));
    return call;
  }

  private StreamObserver<T> observer() {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        result.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        result.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {
        // A unary call has delivered its one response in onNext already.
      }
    };
  }

  /**
   * The response, or null when the run is interrupted first (the call is then cancelled).
   *
   * @throws StatusRuntimeException when the call fails
   */
  T awaitOrInterrupt(Io io) throws InterruptedException {
    try {
      CompletableFuture.anyOf(result, io.interrupt()).get();
    } catch (ExecutionException e) {
      // the call failed: reported below from result itself
    }
    if (!result.isDone()) {
      cancel();
      return null;
    }
    return join(result);
  }

  void cancel() {
    context.cancel(null);
  }

  /** A completed future's value; its gRPC failure rethrown as it is. */
  static <T> T join(CompletableFuture<T> f) throws InterruptedException {
    try {
      return f.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException s) {
        throw s;
      }
      if (e.getCause() instanceof io.grpc.StatusException s) {
        throw new StatusRuntimeException(s.getStatus(), s.getTrailers());
      }
      throw new IllegalStateException(e.getCause());
    }
  }
}
