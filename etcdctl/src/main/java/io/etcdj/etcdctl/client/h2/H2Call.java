package io.etcdj.etcdctl.client.h2;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One gRPC call as one HTTP/2 stream, with grpc-java's {@link ClientCall} contract: messages are
 * delivered only as {@link #request requested}; callbacks run one at a time on the call options'
 * executor (or the channel's callback thread); {@code onClose} comes exactly once, after the
 * messages when the server ended the call, at once (dropping undelivered messages) on cancel,
 * deadline, reset or connection loss.
 *
 * <p>Threads: the caller's thread starts, sends, cancels; the reader thread feeds inbound frames;
 * the timer thread expires the deadline. State is guarded by {@code this}; the connection is never
 * called while holding it (the connection calls back into the call under its own locks).
 */
final class H2Call<Q, R> extends ClientCall<Q, R> implements H2Connection.StreamListener, H2Channel.Waiter {
  /** Undelivered complete messages above this stop the stream's window from being replenished. */
  static final int BUFFERED_BYTES_MAX = 4 << 20;

  private static final byte[] EMPTY = new byte[0];

  private final H2Channel channel;
  private final MethodDescriptor<Q, R> method;
  private final CallOptions options;
  private final SerialExecutor callbacks;
  private final Deadline deadline;
  /** The caller's gRPC context: cancelling it cancels the call, as grpc-java's ClientCallImpl does. */
  private final Context context;
  private final Context.CancellationListener onContextCancel = ctx -> closeNow(cancelledStatus(ctx), true);
  /** Held while writing our side of the stream, so messages go out in order. */
  private final ReentrantLock sendLock = new ReentrantLock();

  private Listener<R> listener;
  private Metadata requestHeaders;
  private ScheduledFuture<?> deadlineTask;
  private long startNanos;

  // Guarded by this.
  private H2Connection conn;
  private int streamId;
  private final List<byte[]> unsent = new ArrayList<>();
  private boolean halfClosePending;
  private boolean halfClosed;
  private boolean responseHeadersSeen;
  private boolean remoteEnded;
  private final ArrayDeque<byte[]> messages = new ArrayDeque<>();
  private long bufferedBytes;
  private int deferredBytes;
  private int demand;
  private boolean closeDecided;
  private boolean stopDelivery;
  private boolean closeDelivered;
  private Status closeStatus;
  private Metadata closeTrailers;

  // Reader thread only.
  private final Deframer deframer;
  private final RecvWindow recv = new RecvWindow(H2Connection.STREAM_WINDOW);

  H2Call(H2Channel channel, MethodDescriptor<Q, R> method, CallOptions options) {
    this.channel = channel;
    this.method = method;
    this.options = options;
    this.callbacks = new SerialExecutor(options.getExecutor() != null ? options.getExecutor() : channel.callbackExecutor());
    this.context = Context.current();
    this.deadline = min(options.getDeadline(), context.getDeadline());
    this.deframer = new Deframer(options.getMaxInboundMessageSize() != null
        ? Math.min(options.getMaxInboundMessageSize(), channel.options().messageBytesMax())
        : channel.options().messageBytesMax());
  }

  private static Deadline min(Deadline a, Deadline b) {
    if (a == null) {
      return b;
    }
    return b == null ? a : a.minimum(b);
  }

  // ---- ClientCall ----

  @Override
  public void start(Listener<R> responseListener, Metadata headers) {
    if (listener != null) {
      throw new IllegalStateException("call already started");
    }
    listener = responseListener;
    requestHeaders = headers;
    startNanos = System.nanoTime();
    if (deadline != null) {
      long left = deadline.timeRemaining(TimeUnit.NANOSECONDS);
      if (left <= 0) {
        closeNow(Status.DEADLINE_EXCEEDED.withDescription("ClientCall started after deadline was exceeded"), false);
        return;
      }
      deadlineTask = Timers.schedule(this::expire, left);
    }
    if (context.isCancelled()) {
      closeNow(cancelledStatus(context), false);
      return;
    }
    context.addListener(onContextCancel, Runnable::run);
    channel.acquire(this);
  }

  /** grpc-java's statusFromCancelled: a context deadline reads DEADLINE_EXCEEDED, else CANCELLED. */
  private static Status cancelledStatus(Context ctx) {
    Throwable cause = ctx.cancellationCause();
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return Status.DEADLINE_EXCEEDED.withDescription(cause.getMessage()).withCause(cause);
    }
    if (cause == null) {
      return Status.CANCELLED.withDescription("io.grpc.Context was cancelled without error");
    }
    Status s = Status.fromThrowable(cause);
    return s.getCode() == Status.Code.UNKNOWN ? Status.CANCELLED.withDescription("Context cancelled").withCause(cause) : s;
  }

  @Override
  public void request(int numMessages) {
    synchronized (this) {
      demand = (int) Math.min(Integer.MAX_VALUE, (long) demand + numMessages);
    }
    callbacks.execute(this::deliver);
  }

  @Override
  public void cancel(String message, Throwable cause) {
    Status s = Status.CANCELLED.withDescription(message != null ? message : "Call cancelled without message");
    closeNow(cause == null ? s : s.withCause(cause), true);
  }

  @Override
  public void halfClose() {
    sendLock.lock();
    try {
      H2Connection c;
      int id;
      synchronized (this) {
        if (halfClosed || halfClosePending) {
          throw new IllegalStateException("call already half-closed");
        }
        if (conn == null) {
          halfClosePending = true;
          return;
        }
        halfClosed = true;
        c = conn;
        id = streamId;
      }
      c.sendData(id, EMPTY, true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel("interrupted while sending", e);
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public void sendMessage(Q message) {
    byte[] framed = frame(method.streamRequest(message));
    sendLock.lock();
    try {
      H2Connection c;
      int id;
      synchronized (this) {
        if (closeDecided) {
          return;
        }
        if (conn == null) {
          unsent.add(framed);
          return;
        }
        c = conn;
        id = streamId;
      }
      c.sendData(id, framed, false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel("interrupted while sending", e);
    } finally {
      sendLock.unlock();
    }
  }

  @Override
  public synchronized boolean isReady() {
    return conn != null && !closeDecided;
  }

  private byte[] frame(InputStream in) {
    try (in) {
      byte[] body = in.readAllBytes();
      byte[] framed = new byte[Deframer.PREFIX_BYTES + body.length];
      Frame.putInt(framed, 1, body.length);
      System.arraycopy(body, 0, framed, Deframer.PREFIX_BYTES, body.length);
      return framed;
    } catch (IOException e) {
      throw Status.INTERNAL.withDescription("serializing request").withCause(e).asRuntimeException();
    }
  }

  // ---- H2Channel.Waiter ----

  @Override
  public boolean waitForReady() {
    return options.isWaitForReady();
  }

  @Override
  public synchronized boolean done() {
    return closeDecided;
  }

  /** The channel has a connection: open the stream and send what the caller already gave. */
  @Override
  public void ready(H2Connection c) {
    sendLock.lock();
    try {
      synchronized (this) {
        if (closeDecided) {
          return;
        }
      }
      long timeout = deadline == null ? -1 : Math.max(1, deadline.timeRemaining(TimeUnit.NANOSECONDS));
      String path = "/" + method.getFullMethodName();
      List<Header> fields =
          GrpcWire.requestHeaders(channel.scheme(), channel.authority(), path, timeout, channel.options().userAgent(), requestHeaders);
      try {
        c.newStream(this, fields, false);
      } catch (IOException e) {
        // The connection closed between the channel's pick and our HEADERS: a fresh pick.
        if (c.closed() || !c.usable()) {
          channel.acquire(this);
          return;
        }
        closeNow(Status.UNAVAILABLE.withDescription(e.getMessage()).withCause(e), false);
        return;
      }
      List<byte[]> pending;
      boolean endNow;
      synchronized (this) {
        if (closeDecided) {
          // Cancelled while the HEADERS went out: closeNow may have missed the new stream.
          pending = null;
        } else {
          pending = List.of();
        }
      }
      if (pending == null) {
        c.reset(streamId(), H2Exception.CANCEL);
        return;
      }
      synchronized (this) {
        pending = new ArrayList<>(unsent);
        unsent.clear();
        endNow = halfClosePending;
        halfClosed = halfClosePending;
      }
      for (byte[] m : pending) {
        if (!c.sendData(streamId(), m, false)) {
          return;
        }
      }
      if (endNow) {
        c.sendData(streamId(), EMPTY, true);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cancel("interrupted while sending", e);
      return;
    } finally {
      sendLock.unlock();
    }
    callbacks.execute(
        () -> {
          if (!isClosedForCallbacks()) {
            listener.onReady();
          }
        });
  }

  @Override
  public void failed(Status status) {
    closeNow(status, false);
  }

  private synchronized int streamId() {
    return streamId;
  }

  private synchronized boolean isClosedForCallbacks() {
    return closeDelivered;
  }

  // ---- H2Connection.StreamListener (reader thread) ----

  @Override
  public synchronized void started(H2Connection c, int id) {
    conn = c;
    streamId = id;
  }

  @Override
  public void headers(List<Header> fields, boolean endStream) {
    boolean first;
    synchronized (this) {
      first = !responseHeadersSeen;
      responseHeadersSeen = true;
    }
    if (first) {
      String http = GrpcWire.value(fields, ":status");
      if (!"200".equals(http)) {
        closeNow(GrpcWire.status(fields), true);
        return;
      }
      if (endStream) {
        closeAfterMessages(GrpcWire.status(fields), GrpcWire.metadata(fields));
        return;
      }
      String type = GrpcWire.value(fields, "content-type");
      if (type == null || !type.startsWith("application/grpc")) {
        closeNow(Status.UNKNOWN.withDescription("invalid content-type: " + type), true);
        return;
      }
      Metadata md = GrpcWire.metadata(fields);
      callbacks.execute(
          () -> {
            if (!isClosedForCallbacks()) {
              listener.onHeaders(md);
            }
          });
      return;
    }
    if (!endStream) {
      closeNow(Status.INTERNAL.withDescription("trailers without END_STREAM"), true);
      return;
    }
    closeAfterMessages(GrpcWire.status(fields), GrpcWire.metadata(fields));
  }

  @Override
  public void data(byte[] payload, int off, int len, int flowBytes, boolean endStream) {
    Status bad = null;
    synchronized (this) {
      if (!responseHeadersSeen) {
        bad = Status.INTERNAL.withDescription("DATA before response headers");
      } else {
        try {
          recv.received(flowBytes);
        } catch (H2Exception e) {
          bad = Status.INTERNAL.withDescription(e.getMessage());
        }
      }
    }
    if (bad != null) {
      closeNow(bad, true);
      return;
    }
    try {
      deframer.feed(payload, off, len, this::enqueue);
    } catch (Deframer.DeframeException e) {
      closeNow(e.status, true);
      return;
    }
    int increment;
    H2Connection c;
    int id;
    synchronized (this) {
      c = conn;
      id = streamId;
      if (bufferedBytes <= BUFFERED_BYTES_MAX) {
        increment = recv.consumed(flowBytes + deferredBytes);
        deferredBytes = 0;
      } else {
        deferredBytes += flowBytes;
        increment = 0;
      }
    }
    if (c != null && !endStream) {
      c.windowUpdate(id, increment);
    }
    if (endStream) {
      closeAfterMessages(
          Status.INTERNAL.withDescription("Received unexpected EOS on DATA frame from server."), new Metadata());
    }
    callbacks.execute(this::deliver);
  }

  private synchronized void enqueue(byte[] message) {
    if (closeDecided && stopDelivery) {
      return;
    }
    messages.add(message);
    bufferedBytes += message.length;
  }

  @Override
  public void reset(long errorCode) {
    closeNow(GrpcWire.resetStatus(errorCode), false);
  }

  @Override
  public void closed(Status status) {
    closeNow(status, false);
  }

  // ---- closing and delivery ----

  private void expire() {
    long elapsed = System.nanoTime() - startNanos;
    closeNow(
        Status.DEADLINE_EXCEEDED.withDescription(String.format("deadline exceeded after %.9fs", elapsed / 1e9)), true);
  }

  /** Ends the call now: undelivered messages are dropped; {@code reset} sends RST_STREAM(CANCEL). */
  private void closeNow(Status status, boolean reset) {
    H2Connection c;
    int id;
    synchronized (this) {
      if (closeDecided) {
        return;
      }
      closeDecided = true;
      stopDelivery = true;
      closeStatus = status;
      closeTrailers = new Metadata();
      messages.clear();
      bufferedBytes = 0;
      c = conn;
      id = streamId;
    }
    finish(c, id, reset);
  }

  /** The server ended the call: the status follows the messages already received. */
  private void closeAfterMessages(Status status, Metadata trailers) {
    H2Connection c;
    int id;
    boolean weEnded;
    synchronized (this) {
      remoteEnded = true;
      if (closeDecided) {
        return;
      }
      closeDecided = true;
      closeStatus = status;
      closeTrailers = trailers;
      c = conn;
      id = streamId;
      weEnded = halfClosed;
    }
    if (c != null) {
      // Our side still open (a stream the server ended early): RST_STREAM stops it (RFC 7540 8.1).
      if (weEnded) {
        c.forget(id);
      } else {
        c.reset(id, H2Exception.CANCEL);
      }
    }
    finish(null, 0, false);
  }

  private void finish(H2Connection c, int id, boolean reset) {
    if (deadlineTask != null) {
      deadlineTask.cancel(false);
    }
    context.removeListener(onContextCancel);
    channel.release(this);
    if (c != null) {
      if (reset) {
        c.reset(id, H2Exception.CANCEL);
      } else {
        c.forget(id);
      }
    }
    callbacks.execute(this::deliver);
  }

  /** Runs on the callback executor: messages as demanded, then onClose once. */
  private void deliver() {
    while (true) {
      byte[] message = null;
      Status status = null;
      Metadata trailers = null;
      int increment = 0;
      H2Connection c;
      int id;
      synchronized (this) {
        if (closeDelivered || listener == null) {
          return;
        }
        c = conn;
        id = streamId;
        if (closeDecided && (stopDelivery || messages.isEmpty())) {
          closeDelivered = true;
          status = closeStatus;
          trailers = closeTrailers;
        } else if (demand > 0 && !messages.isEmpty()) {
          message = messages.poll();
          demand--;
          bufferedBytes -= message.length;
          if (deferredBytes > 0 && bufferedBytes <= BUFFERED_BYTES_MAX && !remoteEnded) {
            increment = recv.consumed(deferredBytes);
            deferredBytes = 0;
          }
        } else {
          return;
        }
      }
      if (status != null) {
        listener.onClose(status, trailers);
        return;
      }
      if (c != null && increment > 0) {
        c.windowUpdate(id, increment);
      }
      R response;
      try {
        response = method.parseResponse(new ByteArrayInputStream(message));
      } catch (RuntimeException e) {
        closeNow(Status.INTERNAL.withDescription("Failed to read message.").withCause(e), true);
        continue;
      }
      try {
        listener.onMessage(response);
      } catch (RuntimeException e) {
        closeNow(Status.CANCELLED.withDescription("Failed to read message.").withCause(e), true);
      }
    }
  }
}
