package io.etcdj.etcdctl.client.h2;

import io.grpc.Status;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * One HTTP/2 connection with prior knowledge (RFC 7540 section 3.4), cleartext or over TLS:
 * the client side of the frame layer, flow control both ways, SETTINGS, PING, GOAWAY, and an
 * optional keepalive. Streams are handed to a {@link StreamListener} (the gRPC call).
 *
 * <p>Threads: one daemon reader thread reads and dispatches every inbound frame (listeners run on
 * it and must not block); any thread writes, frames serialized by {@code writeLock}. Senders of
 * DATA wait for window credit under {@code flowLock}, never while holding {@code writeLock}.
 */
final class H2Connection {
  /** What a stream's owner hears; all calls come from the reader thread except {@link #closed}. */
  interface StreamListener {
    /** The id given to the stream, before its HEADERS are written (under the write lock). */
    void started(H2Connection connection, int streamId);

    void headers(List<Header> fields, boolean endStream);

    /** {@code flowBytes} counts the whole frame payload (padding too) against the stream window. */
    void data(byte[] payload, int off, int len, int flowBytes, boolean endStream);

    void reset(long errorCode);

    /** The connection ended under the stream (any thread). */
    void closed(Status status);
  }

  /** Our SETTINGS_INITIAL_WINDOW_SIZE: a 2 MiB message arrives without a round trip per 64 KiB. */
  static final int STREAM_WINDOW = 4 << 20;
  /** Connection window after our WINDOW_UPDATE; streams are bounded on their own. */
  static final int CONNECTION_WINDOW = 16 << 20;
  /** HPACK header list bound (SETTINGS_MAX_HEADER_LIST_SIZE we announce). */
  static final int HEADER_LIST_BYTES_MAX = 1 << 20;

  private static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
  private static final int SETTINGS_ENABLE_PUSH = 0x2;
  private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
  private static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
  private static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
  private static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;
  private final String name;
  private final H2Options options;
  private final Consumer<H2Connection> onClose;
  private final Hpack.Decoder decoder = new Hpack.Decoder(Hpack.TABLE_SIZE_DEFAULT, HEADER_LIST_BYTES_MAX);
  private final Map<Integer, StreamListener> streams = new ConcurrentHashMap<>();

  private final Object writeLock = new Object();
  /** Guarded by writeLock: stream ids go out in increasing order (section 5.1.1). */
  private int nextStreamId = 1;

  private final ReentrantLock flowLock = new ReentrantLock();
  private final Condition flowChanged = flowLock.newCondition();
  /** Guarded by flowLock. */
  private final SendWindows send = new SendWindows();
  private volatile int peerFrameBytesMax = Frame.FRAME_BYTES_DEFAULT;

  /** Reader thread only. */
  private final RecvWindow connectionRecv = new RecvWindow(CONNECTION_WINDOW);
  private int continuationStream;
  private boolean continuationEnd;
  private ByteArrayOutputStream headerBlock;

  private volatile Status closedStatus;
  private volatile boolean goingAway;

  private final Object pingLock = new Object();
  /** Guarded by pingLock. */
  private long pingPayload;
  private boolean pingOutstanding;
  private ScheduledFuture<?> keepAliveTask;
  private ScheduledFuture<?> pingTimeoutTask;

  private H2Connection(Socket socket, String name, H2Options options, Consumer<H2Connection> onClose)
      throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream(), 64 << 10);
    this.out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
    this.name = name;
    this.options = options;
    this.onClose = onClose;
  }

  /**
   * Connects (over TLS when {@code tls} is given), sends the preface with our SETTINGS and window,
   * and waits for the server's SETTINGS (the first frame a server sends), so a connection that
   * returns is speaking HTTP/2. The connect timeout bounds all three steps together.
   */
  static H2Connection connect(String host, int port, H2Options options, SSLContext tls, Consumer<H2Connection> onClose)
      throws IOException {
    long deadlineNs = System.nanoTime() + options.connectTimeoutNanos();
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.connect(new InetSocketAddress(host, port), timeoutMs(options, deadlineNs));
      if (tls != null) {
        s = Tls.handshake(s, host, port, tls, timeoutMs(options, deadlineNs));
      }
      H2Connection c = new H2Connection(s, GrpcWire.authority(host, port), options, onClose);
      c.handshake(timeoutMs(options, deadlineNs));
      return c;
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** What is left of the connect timeout, in a socket's terms (0 = none, so at least 1 ms). */
  private static int timeoutMs(H2Options options, long deadlineNs) {
    if (options.connectTimeoutNanos() == 0) {
      return 0;
    }
    long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime());
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, leftMs));
  }

  private void handshake(int timeoutMs) throws IOException {
    byte[] settings = new byte[12];
    putSetting(settings, 0, SETTINGS_ENABLE_PUSH, 0);
    putSetting(settings, 6, SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW);
    byte[] increment = new byte[4];
    Frame.putInt(increment, 0, CONNECTION_WINDOW - SendWindows.WINDOW_DEFAULT);
    synchronized (writeLock) {
      out.write(Frame.PREFACE);
      Frame.write(out, Frame.SETTINGS, 0, 0, settings, 0, settings.length);
      Frame.write(out, Frame.WINDOW_UPDATE, 0, 0, increment, 0, 4);
      out.flush();
    }
    socket.setSoTimeout(timeoutMs);
    Frame first = Frame.read(in, Frame.FRAME_BYTES_DEFAULT);
    socket.setSoTimeout(0);
    if (first.type() != Frame.SETTINGS || first.has(Frame.FLAG_ACK)) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "server did not start with SETTINGS");
    }
    onSettings(first);
    Timers.daemon("h2-reader " + name, this::readLoop).start();
    if (options.keepAlive()) {
      scheduleKeepAlive();
    }
  }

  private static void putSetting(byte[] b, int off, int id, int value) {
    b[off] = (byte) (id >>> 8);
    b[off + 1] = (byte) id;
    Frame.putInt(b, off + 2, value);
  }

  /** Open and not draining: new streams may start. */
  boolean usable() {
    return closedStatus == null && !goingAway;
  }

  String name() {
    return name;
  }

  int openStreams() {
    return streams.size();
  }

  // ---- writes ----

  /**
   * Opens a stream: gives it the next id and writes its HEADERS (split into CONTINUATION frames at
   * the peer's frame size). Fails when the connection is closed or going away.
   */
  void newStream(StreamListener listener, List<Header> fields, boolean endStream) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream(256);
    for (Header h : fields) {
      Hpack.encode(block, h.name(), h.value());
    }
    byte[] b = block.toByteArray();
    synchronized (writeLock) {
      if (!usable()) {
        throw new IOException("connection " + (goingAway ? "going away" : "closed"));
      }
      int id = nextStreamId;
      nextStreamId += 2;
      flowLock.lock();
      try {
        send.open(id);
      } finally {
        flowLock.unlock();
      }
      streams.put(id, listener);
      listener.started(this, id);
      int max = peerFrameBytesMax;
      int off = 0;
      boolean first = true;
      do {
        int n = Math.min(max, b.length - off);
        boolean last = off + n == b.length;
        int flags = (last ? Frame.FLAG_END_HEADERS : 0) | (first && endStream ? Frame.FLAG_END_STREAM : 0);
        Frame.write(out, first ? Frame.HEADERS : Frame.CONTINUATION, flags, id, b, off, n);
        off += n;
        first = false;
      } while (off < b.length);
      out.flush();
    }
  }

  /**
   * Sends {@code data} on the stream as DATA frames within the flow-control windows and the peer's
   * frame size, waiting for WINDOW_UPDATEs as needed. Returns false (nothing more sent) once the
   * stream or the connection is gone; the stream's listener hears why.
   */
  boolean sendData(int streamId, byte[] data, boolean endStream) throws InterruptedException {
    int off = 0;
    do {
      int n;
      flowLock.lock();
      try {
        while (true) {
          if (closedStatus != null || send.stream(streamId) < 0) {
            return false;
          }
          n = send.sendable(streamId, data.length - off, peerFrameBytesMax);
          if (n > 0 || off == data.length) {
            break;
          }
          flowChanged.await();
        }
        send.consume(streamId, n);
      } finally {
        flowLock.unlock();
      }
      boolean last = off + n == data.length;
      try {
        synchronized (writeLock) {
          Frame.write(out, Frame.DATA, last && endStream ? Frame.FLAG_END_STREAM : 0, streamId, data, off, n);
          if (last) {
            out.flush();
          }
        }
      } catch (IOException e) {
        fail(e);
        return false;
      }
      off += n;
    } while (off < data.length);
    return true;
  }

  /** Ends the stream from our side with RST_STREAM (a cancel, a deadline, a broken response). */
  void reset(int streamId, int errorCode) {
    if (!forget(streamId)) {
      return;
    }
    byte[] p = new byte[4];
    Frame.putInt(p, 0, errorCode);
    writeQuietly(Frame.RST_STREAM, 0, streamId, p);
  }

  /** Forgets a stream the server ended (its END_STREAM arrived); true if it was open. */
  boolean forget(int streamId) {
    boolean open = streams.remove(streamId) != null;
    flowLock.lock();
    try {
      send.close(streamId);
      flowChanged.signalAll();
    } finally {
      flowLock.unlock();
    }
    if (open && goingAway && streams.isEmpty()) {
      close(Status.UNAVAILABLE.withDescription("Connection closed after GOAWAY"));
    }
    return open;
  }

  /** Gives the peer {@code increment} more octets on a stream (or 0: the connection). */
  void windowUpdate(int streamId, int increment) {
    if (increment <= 0 || closedStatus != null) {
      return;
    }
    byte[] p = new byte[4];
    Frame.putInt(p, 0, increment);
    writeQuietly(Frame.WINDOW_UPDATE, 0, streamId, p);
  }

  private void writeQuietly(int type, int flags, int streamId, byte[] payload) {
    if (closedStatus != null) {
      return;
    }
    try {
      synchronized (writeLock) {
        Frame.write(out, type, flags, streamId, payload, 0, payload.length);
        out.flush();
      }
    } catch (IOException e) {
      fail(e);
    }
  }

  // ---- reads ----

  private void readLoop() {
    try {
      while (closedStatus == null) {
        onFrame(Frame.read(in, Frame.FRAME_BYTES_DEFAULT));
      }
    } catch (H2Exception e) {
      goAway(e.code, e.getMessage());
      close(Status.INTERNAL.withDescription("HTTP/2 error: " + e.getMessage()).withCause(e));
    } catch (IOException | RuntimeException e) {
      fail(e);
    }
  }

  private void onFrame(Frame f) throws IOException {
    if (continuationStream != 0 && (f.type() != Frame.CONTINUATION || f.streamId() != continuationStream)) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "expected CONTINUATION of stream " + continuationStream);
    }
    switch (f.type()) {
      case Frame.DATA:
        onData(f);
        break;
      case Frame.HEADERS:
        onHeaders(f);
        break;
      case Frame.CONTINUATION:
        onContinuation(f);
        break;
      case Frame.RST_STREAM:
        onReset(f);
        break;
      case Frame.SETTINGS:
        onSettings(f);
        break;
      case Frame.PING:
        onPing(f);
        break;
      case Frame.GOAWAY:
        onGoAway(f);
        break;
      case Frame.WINDOW_UPDATE:
        onWindowUpdate(f);
        break;
      case Frame.PUSH_PROMISE:
        throw new H2Exception(H2Exception.PROTOCOL_ERROR, "PUSH_PROMISE with push disabled");
      default:
        // PRIORITY and unknown frame types are ignored (section 4.1, 5.3).
        break;
    }
  }

  private void onData(Frame f) throws H2Exception {
    requireStream(f);
    int flowBytes = f.payload().length;
    connectionRecv.received(flowBytes);
    // Per-stream windows bound what is buffered, so the connection's credit goes back at once.
    windowUpdate(0, connectionRecv.consumed(flowBytes));
    int[] range = Frame.contentRange(f);
    StreamListener l = streams.get(f.streamId());
    if (l != null) {
      l.data(f.payload(), range[0], range[1] - range[0], flowBytes, f.has(Frame.FLAG_END_STREAM));
    }
  }

  private void onHeaders(Frame f) throws IOException {
    requireStream(f);
    int[] range = Frame.contentRange(f);
    headerBlock = new ByteArrayOutputStream(Math.max(64, range[1] - range[0]));
    headerBlock.write(f.payload(), range[0], range[1] - range[0]);
    continuationEnd = f.has(Frame.FLAG_END_STREAM);
    continuationStream = f.streamId();
    if (f.has(Frame.FLAG_END_HEADERS)) {
      endHeaders();
    }
  }

  private void onContinuation(Frame f) throws IOException {
    if (continuationStream == 0) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "CONTINUATION without HEADERS");
    }
    headerBlock.write(f.payload(), 0, f.payload().length);
    if (headerBlock.size() > HEADER_LIST_BYTES_MAX) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "header block above " + HEADER_LIST_BYTES_MAX + " bytes");
    }
    if (f.has(Frame.FLAG_END_HEADERS)) {
      endHeaders();
    }
  }

  private void endHeaders() throws H2Exception {
    int id = continuationStream;
    continuationStream = 0;
    List<Header> fields;
    try {
      // Decoded even for a forgotten stream: the dynamic table must stay in step with the peer's.
      fields = decoder.decode(headerBlock.toByteArray());
    } catch (HpackException e) {
      throw new H2Exception(H2Exception.COMPRESSION_ERROR, e.getMessage());
    }
    headerBlock = null;
    StreamListener l = streams.get(id);
    if (l != null) {
      l.headers(fields, continuationEnd);
    }
  }

  private void onReset(Frame f) throws H2Exception {
    requireStream(f);
    if (f.payload().length != 4) {
      throw new H2Exception(H2Exception.FRAME_SIZE_ERROR, "RST_STREAM of " + f.payload().length + " bytes");
    }
    StreamListener l = streams.get(f.streamId());
    boolean draining = goingAway;
    forget(f.streamId());
    if (l == null) {
      return;
    }
    long code = Frame.readInt(f.payload(), 0) & 0xffff_ffffL;
    if (draining && code == H2Exception.CANCEL) {
      // A server shutting down (GOAWAY, then a reset of every open stream, as grpc-java's
      // shutdownNow does) ends the call by going away, not by the call's own cancel:
      // UNAVAILABLE, which clients retry on another connection.
      l.closed(Status.UNAVAILABLE.withDescription("stream reset by a server going away (GOAWAY, then RST_STREAM CANCEL)"));
      return;
    }
    l.reset(code);
  }

  private void onSettings(Frame f) throws IOException {
    if (f.streamId() != 0) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "SETTINGS on a stream");
    }
    if (f.has(Frame.FLAG_ACK)) {
      return;
    }
    byte[] p = f.payload();
    if (p.length % 6 != 0) {
      throw new H2Exception(H2Exception.FRAME_SIZE_ERROR, "SETTINGS of " + p.length + " bytes");
    }
    for (int i = 0; i < p.length; i += 6) {
      int id = ((p[i] & 0xff) << 8) | (p[i + 1] & 0xff);
      int value = Frame.readInt(p, i + 2);
      switch (id) {
        case SETTINGS_INITIAL_WINDOW_SIZE:
          flowLock.lock();
          try {
            send.initialWindow(value);
            flowChanged.signalAll();
          } finally {
            flowLock.unlock();
          }
          break;
        case SETTINGS_MAX_FRAME_SIZE:
          if (value < Frame.FRAME_BYTES_DEFAULT || value > Frame.FRAME_BYTES_MAX) {
            throw new H2Exception(H2Exception.PROTOCOL_ERROR, "SETTINGS_MAX_FRAME_SIZE " + value);
          }
          peerFrameBytesMax = value;
          break;
        case SETTINGS_ENABLE_PUSH:
        case SETTINGS_HEADER_TABLE_SIZE:
        case SETTINGS_MAX_CONCURRENT_STREAMS:
        case SETTINGS_MAX_HEADER_LIST_SIZE:
        default:
          // Our encoder uses no dynamic table, a CLI opens a handful of streams, and its
          // headers are far below any server's list limit: nothing to apply.
          break;
      }
    }
    writeQuietly(Frame.SETTINGS, Frame.FLAG_ACK, 0, new byte[0]);
  }

  private void onPing(Frame f) throws H2Exception {
    if (f.streamId() != 0 || f.payload().length != 8) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "malformed PING");
    }
    if (!f.has(Frame.FLAG_ACK)) {
      writeQuietly(Frame.PING, Frame.FLAG_ACK, 0, f.payload());
      return;
    }
    long payload = ((long) Frame.readInt(f.payload(), 0) << 32) | (Frame.readInt(f.payload(), 4) & 0xffff_ffffL);
    synchronized (pingLock) {
      if (pingOutstanding && payload == pingPayload) {
        pingOutstanding = false;
        if (pingTimeoutTask != null) {
          pingTimeoutTask.cancel(false);
        }
      }
    }
  }

  private void onGoAway(Frame f) throws H2Exception {
    byte[] p = f.payload();
    if (f.streamId() != 0 || p.length < 8) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "malformed GOAWAY");
    }
    int last = Frame.readInt(p, 0) & 0x7fff_ffff;
    long code = Frame.readInt(p, 4) & 0xffff_ffffL;
    String debug = new String(p, 8, p.length - 8, StandardCharsets.UTF_8);
    goingAway = true;
    Status status = GrpcWire.resetStatus(code);
    Status refused =
        Status.UNAVAILABLE.withDescription(
            "GOAWAY closed the stream before the server saw it. "
                + status.getDescription().replace("RST_STREAM closed stream. ", "")
                + (debug.isEmpty() ? "" : ", debug data: " + debug));
    // Streams above last-stream-id were never processed (section 6.8): fail them now.
    List<Map.Entry<Integer, StreamListener>> above = new ArrayList<>();
    for (Map.Entry<Integer, StreamListener> e : streams.entrySet()) {
      if (e.getKey() > last) {
        above.add(e);
      }
    }
    for (Map.Entry<Integer, StreamListener> e : above) {
      forget(e.getKey());
      e.getValue().closed(refused);
    }
    onClose.accept(this);
    if (streams.isEmpty()) {
      close(Status.UNAVAILABLE.withDescription("Connection closed after GOAWAY"));
    }
  }

  private void onWindowUpdate(Frame f) throws H2Exception {
    if (f.payload().length != 4) {
      throw new H2Exception(H2Exception.FRAME_SIZE_ERROR, "WINDOW_UPDATE of " + f.payload().length + " bytes");
    }
    int inc = Frame.readInt(f.payload(), 0) & 0x7fff_ffff;
    if (inc == 0) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    }
    flowLock.lock();
    try {
      send.update(f.streamId(), inc);
      flowChanged.signalAll();
    } finally {
      flowLock.unlock();
    }
  }

  private static void requireStream(Frame f) throws H2Exception {
    if (f.streamId() == 0) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "frame type " + f.type() + " on stream 0");
    }
  }

  // ---- keepalive ----

  private void scheduleKeepAlive() {
    synchronized (pingLock) {
      if (closedStatus == null) {
        keepAliveTask = Timers.schedule(this::keepAlive, options.keepAliveTimeNanos());
      }
    }
  }

  /** grpc's keepalive without calls disabled: a PING only while calls are open. */
  private void keepAlive() {
    boolean ping = false;
    synchronized (pingLock) {
      if (closedStatus != null) {
        return;
      }
      if (!streams.isEmpty() && !pingOutstanding) {
        pingOutstanding = true;
        pingPayload = System.nanoTime();
        pingTimeoutTask =
            Timers.schedule(
                () -> close(Status.UNAVAILABLE.withDescription("Keepalive failed. The connection is likely gone")),
                options.keepAliveTimeoutNanos());
        ping = true;
      }
    }
    if (ping) {
      byte[] p = new byte[8];
      Frame.putInt(p, 0, (int) (pingPayload >>> 32));
      Frame.putInt(p, 4, (int) pingPayload);
      writeQuietly(Frame.PING, 0, 0, p);
    }
    scheduleKeepAlive();
  }

  // ---- close ----

  /** Sends GOAWAY(NO_ERROR) and closes: the channel's shutdown. */
  void shutdown(Status status) {
    goAway(H2Exception.NO_ERROR, "");
    close(status);
  }

  private void goAway(int code, String debug) {
    byte[] d = debug.getBytes(StandardCharsets.UTF_8);
    byte[] p = new byte[8 + d.length];
    Frame.putInt(p, 4, code);
    System.arraycopy(d, 0, p, 8, d.length);
    writeQuietly(Frame.GOAWAY, 0, 0, p);
  }

  private void fail(Throwable e) {
    close(Status.UNAVAILABLE.withDescription("io exception: " + e.getMessage()).withCause(e));
  }

  /** Closes the socket and fails every open stream with {@code status}; idempotent. */
  void close(Status status) {
    synchronized (pingLock) {
      if (closedStatus != null) {
        return;
      }
      closedStatus = status;
      if (keepAliveTask != null) {
        keepAliveTask.cancel(false);
      }
      if (pingTimeoutTask != null) {
        pingTimeoutTask.cancel(false);
      }
    }
    try {
      socket.close();
    } catch (IOException e) {
      // Closing anyway; the streams hear the status below.
    }
    flowLock.lock();
    try {
      flowChanged.signalAll();
    } finally {
      flowLock.unlock();
    }
    // The channel drops this connection before the calls hear of it, so a retry picks a new one.
    onClose.accept(this);
    for (Integer id : new ArrayList<>(streams.keySet())) {
      StreamListener l = streams.remove(id);
      if (l != null) {
        l.closed(status);
      }
    }
  }

  boolean closed() {
    return closedStatus != null;
  }

  @Override
  public String toString() {
    return "H2Connection[" + name + "]";
  }
}
