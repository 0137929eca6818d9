package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Io;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * A gRPC call that a Ctrl-C may cut short, for the calls etcdctl makes under a context its signal
 * handler cancels (lock, elect). {@link #cancel()} cancels the call itself (not through gRPC's
 * Context, which a channel may not watch), so the server sees it end, as it sees a Go context
 * cancelled.
 *
 * <p>Started, awaited and cancelled by the command's thread; results arrive on a transport thread.
 */
final class AsyncCall<T> {
  private final CompletableFuture<T> result = new CompletableFuture<>();
  private final ClientCall<?, T> call;

  private AsyncCall(ClientCall<?, T> call) {
    this.call = call;
  }

  /** Starts a unary call, waiting for a connection (etcd's clients set WaitForReady). */
  static <Q, T> AsyncCall<T> unary(Channel ch, MethodDescriptor<Q, T> method, Q request) {
    AsyncCall<T> c = new AsyncCall<>(ch.newCall(method, CallOptions.DEFAULT.withWaitForReady()));
    ClientCalls.asyncUnaryCall(cast(c.call), request, c.observer());
    return c;
  }

  /** Starts a server-streaming call whose messages go to {@code messages}. */
  static <Q, T> AsyncCall<T> serverStreaming(Channel ch, MethodDescriptor<Q, T> method, Q request, StreamObserver<T> messages) {
    AsyncCall<T> c = new AsyncCall<>(ch.newCall(method, CallOptions.DEFAULT.withWaitForReady()));
    ClientCalls.asyncServerStreamingCall(cast(c.call), request, messages);
    return c;
  }

  @SuppressWarnings("unchecked")
  private static <Q, T> ClientCall<Q, T> cast(ClientCall<?, T> call) {
    return (ClientCall<Q, T>) call;
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
   * The unary response, or null when the run is interrupted first (the call is then cancelled).
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
    call.cancel("interrupted", null);
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
