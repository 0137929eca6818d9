package io.etcdj.server.concurrency;

import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.grpc.Context;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One Watch stream carrying one watcher (clientv3 shares a stream between the watchers of one
 * context; the effect on the server is the same). Responses are pulled: the listener sees one, and
 * the next comes only after {@link #request()}, so a slow consumer holds the server's watch back
 * instead of filling a queue here.
 *
 * <p>Threading: the listener runs on the channel's executor, one callback at a time. {@link
 * #request()} must be called once per response, from any thread; {@link #close()} from any thread.
 * After {@link #close()} the listener hears nothing more.
 */
final class WatchStream {

  interface Listener {
    /** One response from the server; call {@link WatchStream#request()} to get the next. */
    void onResponse(WatchStream stream, WatchResponse response);

    /**
     * The stream ended by itself: {@code error} is the failure, or null when the server completed
     * it. Called at most once, and never after {@link WatchStream#close()}.
     */
    void onEnd(Throwable error);
  }

  private final Listener listener;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Set in {@code beforeStart}, on the opening thread, before any callback. */
  private volatile ClientCallStreamObserver<WatchRequest> call;

  private WatchStream(Listener listener) {
    this.listener = listener;
  }

  static WatchStream open(
      WatchGrpc.WatchStub stub, Context ctx, WatchCreateRequest create, Listener listener) {
    WatchStream stream = new WatchStream(listener);
    WatchRequest first = WatchRequest.newBuilder().setCreateRequest(create).build();
    ctx.run(() -> stub.watch(stream.new Observer()).onNext(first));
    return stream;
  }

  /** Asks for the next response. */
  void request() {
    call.request(1);
  }

  /** Cancels the stream; the listener hears nothing more. */
  void close() {
    if (closed.compareAndSet(false, true)) {
      call.cancel("watcher no longer needed", null);
    }
  }

  private final class Observer implements ClientResponseObserver<WatchRequest, WatchResponse> {
    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      requestStream.disableAutoRequestWithInitial(1);
      call = requestStream;
    }

    @Override
    public void onNext(WatchResponse response) {
      if (!closed.get()) {
        listener.onResponse(WatchStream.this, response);
      }
    }

    @Override
    public void onError(Throwable t) {
      if (closed.compareAndSet(false, true)) {
        listener.onEnd(t);
      }
    }

    @Override
    public void onCompleted() {
      if (closed.compareAndSet(false, true)) {
        listener.onEnd(null);
      }
    }
  }
}
