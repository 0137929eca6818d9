package io.etcdj.etcdctl.client.h2;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import javax.net.ssl.SSLContext;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC {@link Channel} to one endpoint over {@link H2Connection}, for etcdctl: generated stubs
 * work on it unchanged while grpc-core and netty are never loaded, which is most of a CLI's start
 * time. One connection at a time, opened on the first call (or {@link #state(boolean)}), reopened
 * after it is lost. States follow grpc's connectivity model, with grpc's sticky
 * TRANSIENT_FAILURE: after a failed connect the channel stays there until a connect succeeds.
 *
 * <p>A call that finds no connection waits for one when it is wait-for-ready (connect retries with
 * a small backoff until its deadline), else fails at once with UNAVAILABLE when the connect fails.
 *
 * <p>Thread-safe; connects run on a short-lived daemon thread, callbacks without an executor in
 * the call options on the channel's one daemon callback thread.
 */
public final class H2Channel extends Channel implements AutoCloseable {
  /** A call waiting for a connection. */
  interface Waiter {
    boolean waitForReady();

    /** True once the call ended: it no longer wants a connection. */
    boolean done();

    void ready(H2Connection connection);

    void failed(Status status);
  }

  static final long BACKOFF_INITIAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  static final long BACKOFF_MAX_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final String host;
  private final int port;
  private final String authority;
  private final H2Options options;
  /** TLS for every connection (SNI and host checks for {@code host}); null = h2c. */
  private final SSLContext tls;

  // Guarded by this.
  private ConnectivityState state = ConnectivityState.IDLE;
  private H2Connection connection;
  private boolean connecting;
  private boolean retryScheduled;
  private long backoffNanos = BACKOFF_INITIAL_NANOS;
  private Status lastFailure;
  private final List<Waiter> waiters = new ArrayList<>();
  private final List<Runnable> stateWatchers = new ArrayList<>();
  private ExecutorService callbackExecutor;

  private H2Channel(String host, int port, H2Options options, SSLContext tls) {
    this.host = host;
    this.port = port;
    this.authority = GrpcWire.authority(host, port);
    this.options = options;
    this.tls = tls;
  }

  /** A cleartext (h2c) channel to {@code host:port}; nothing connects before the first call or state probe. */
  public static H2Channel open(String host, int port, H2Options options) {
    return open(host, port, options, null);
  }

  /** A channel to {@code host:port} over TLS made by {@code tls} (null: cleartext). */
  public static H2Channel open(String host, int port, H2Options options, SSLContext tls) {
    if (port <= 0 || port > 65_535) {
      throw new IllegalArgumentException("port " + port);
    }
    return new H2Channel(host, port, options, tls);
  }

  /** The {@code :scheme} of this channel's requests. */
  String scheme() {
    return tls == null ? "http" : "https";
  }

  /** Why the last connect failed (null if none did), for callers that tell it as grpc-go does. */
  public synchronized Throwable lastConnectFailure() {
    return lastFailure == null ? null : lastFailure.getCause();
  }

  @Override
  public <Q, R> ClientCall<Q, R> newCall(MethodDescriptor<Q, R> method, CallOptions callOptions) {
    return new H2Call<>(this, method, callOptions);
  }

  @Override
  public String authority() {
    return authority;
  }

  H2Options options() {
    return options;
  }

  /** The state; {@code connect} starts a connection attempt when IDLE (ManagedChannel.getState). */
  public ConnectivityState state(boolean connect) {
    synchronized (this) {
      if (connect && state == ConnectivityState.IDLE) {
        startConnect();
      }
      return state;
    }
  }

  /** Runs {@code callback} once the state differs from {@code source} (at once if it already does). */
  public void notifyWhenStateChanged(ConnectivityState source, Runnable callback) {
    synchronized (this) {
      if (state == source) {
        stateWatchers.add(callback);
        return;
      }
    }
    callback.run();
  }

  /** Closes the connection; open calls end with UNAVAILABLE, new ones fail at once. */
  @Override
  public void close() {
    H2Connection c;
    List<Waiter> pending;
    ExecutorService cb;
    synchronized (this) {
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      c = connection;
      connection = null;
      pending = new ArrayList<>(waiters);
      waiters.clear();
      cb = callbackExecutor;
      setState(ConnectivityState.SHUTDOWN);
    }
    Status shutdown = Status.UNAVAILABLE.withDescription("Channel shutdown invoked");
    if (c != null) {
      c.shutdown(shutdown);
    }
    for (Waiter w : pending) {
      w.failed(shutdown);
    }
    if (cb != null) {
      cb.shutdown();
    }
  }

  // ---- calls and connections ----

  /** Gives the call a connection now, or once one is up, or fails it as its wait-for-ready says. */
  void acquire(Waiter w) {
    H2Connection ready = null;
    Status fail = null;
    synchronized (this) {
      if (state == ConnectivityState.SHUTDOWN) {
        fail = Status.UNAVAILABLE.withDescription("Channel shutdown invoked");
      } else if (connection != null && connection.usable()) {
        ready = connection;
      } else if (state == ConnectivityState.TRANSIENT_FAILURE && !w.waitForReady() && !connecting) {
        fail = lastFailure;
      } else {
        waiters.add(w);
        if (!connecting && !retryScheduled) {
          startConnect();
        }
      }
    }
    if (ready != null) {
      w.ready(ready);
    } else if (fail != null) {
      w.failed(fail);
    }
  }

  /** The call ended: it no longer waits. */
  synchronized void release(Waiter w) {
    waiters.remove(w);
  }

  private void startConnect() {
    connecting = true;
    if (state != ConnectivityState.TRANSIENT_FAILURE) {
      setState(ConnectivityState.CONNECTING);
    }
    Timers.daemon("h2-connect " + authority, this::connect).start();
  }

  private void connect() {
    H2Connection c;
    try {
      c = H2Connection.connect(host, port, options, tls, this::connectionClosed);
    } catch (IOException e) {
      connectFailed(e);
      return;
    }
    List<Waiter> ready;
    synchronized (this) {
      connecting = false;
      if (state == ConnectivityState.SHUTDOWN) {
        ready = null;
      } else {
        connection = c;
        backoffNanos = BACKOFF_INITIAL_NANOS;
        ready = new ArrayList<>(waiters);
        waiters.clear();
        setState(ConnectivityState.READY);
      }
    }
    if (ready == null) {
      c.shutdown(Status.UNAVAILABLE.withDescription("Channel shutdown invoked"));
      return;
    }
    for (Waiter w : ready) {
      if (!w.done()) {
        w.ready(c);
      }
    }
  }

  private void connectFailed(IOException e) {
    Status status = Status.UNAVAILABLE.withDescription("io exception: " + e.getMessage()).withCause(e);
    List<Waiter> failFast = new ArrayList<>();
    synchronized (this) {
      connecting = false;
      if (state == ConnectivityState.SHUTDOWN) {
        return;
      }
      lastFailure = status;
      setState(ConnectivityState.TRANSIENT_FAILURE);
      for (Waiter w : new ArrayList<>(waiters)) {
        if (!w.waitForReady() || w.done()) {
          waiters.remove(w);
          failFast.add(w);
        }
      }
      if (!waiters.isEmpty()) {
        retryScheduled = true;
        Timers.schedule(this::retry, backoffNanos);
        backoffNanos = Math.min(BACKOFF_MAX_NANOS, backoffNanos * 2);
      }
    }
    for (Waiter w : failFast) {
      if (!w.done()) {
        w.failed(status);
      }
    }
  }

  private synchronized void retry() {
    retryScheduled = false;
    waiters.removeIf(Waiter::done);
    if (state == ConnectivityState.SHUTDOWN || connecting || waiters.isEmpty()) {
      return;
    }
    startConnect();
  }

  private void connectionClosed(H2Connection c) {
    synchronized (this) {
      if (connection != c) {
        return;
      }
      connection = null;
      if (state != ConnectivityState.SHUTDOWN) {
        setState(ConnectivityState.IDLE);
      }
    }
  }

  /** Guarded by this. */
  private void setState(ConnectivityState next) {
    if (state == next) {
      return;
    }
    state = next;
    List<Runnable> watchers = new ArrayList<>(stateWatchers);
    stateWatchers.clear();
    for (Runnable r : watchers) {
      Timers.schedule(r, 0);
    }
  }

  /** The single callback thread of this channel, for calls without an executor. */
  synchronized ExecutorService callbackExecutor() {
    if (callbackExecutor == null) {
      callbackExecutor =
          new ThreadPoolExecutor(
              1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> Timers.daemon("h2-callback " + authority, r));
    }
    return callbackExecutor;
  }

  @Override
  public String toString() {
    return "H2Channel[" + authority + ", " + state + "]";
  }
}
