package io.etcdj.server.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A bare TCP connection that writes HTTP/2 frames by hand (RFC 9113), for abuse no well-behaved
 * client library would send: streams opened and reset at once, RST_STREAM for streams long gone, a
 * preface cut short. It speaks just enough to be taken for a gRPC client: the preface, an empty
 * SETTINGS, a SETTINGS ack, and HEADERS whose fields are HPACK literals (no table, no Huffman).
 *
 * <p>What the server sends back is read and thrown away by a daemon thread when {@link #drain} is
 * on, so that a long flood never blocks on a full receive buffer; without it the connection only
 * writes, which suits connections that send a few bytes and then hold. Confined to one thread
 * (the drainer only reads).
 */
final class RawHttp2 implements AutoCloseable {
  static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  static final int TYPE_HEADERS = 0x1;
  static final int TYPE_RST_STREAM = 0x3;
  static final int TYPE_SETTINGS = 0x4;
  static final int FLAG_ACK = 0x1;
  static final int FLAG_END_HEADERS = 0x4;
  static final int ERROR_CANCEL = 0x8;

  private final Socket socket;
  private final OutputStream out;
  private final ByteArrayOutputStream frame = new ByteArrayOutputStream(256);
  private volatile long bytesRead;
  private volatile boolean closedByServer;

  private RawHttp2(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  /** Connects to 127.0.0.1:port; with {@code drain}, a daemon thread reads and drops the replies. */
  static RawHttp2 connect(int port, boolean drain) throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
    RawHttp2 c = new RawHttp2(s);
    if (drain) {
      Thread t = new Thread(c::drainUntilClosed, "raw-h2-drain-" + port);
      t.setDaemon(true);
      t.start();
    }
    return c;
  }

  /** The preface, an empty SETTINGS and an ack of the server's SETTINGS (always its first frame). */
  void handshake() throws IOException {
    out.write(PREFACE);
    writeFrame(TYPE_SETTINGS, 0, 0, new byte[0]);
    writeFrame(TYPE_SETTINGS, FLAG_ACK, 0, new byte[0]);
    out.flush();
  }

  /** Raw bytes, unframed: a partial preface or frame header. */
  void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** HEADERS opening stream {@code streamId} as a gRPC call of {@code path}; not flushed. */
  void headers(int streamId, String path) throws IOException {
    ByteArrayOutputStream block = new ByteArrayOutputStream(128);
    literal(block, ":method", "POST");
    literal(block, ":scheme", "http");
    literal(block, ":path", path);
    literal(block, ":authority", "127.0.0.1");
    literal(block, "content-type", "application/grpc");
    literal(block, "te", "trailers");
    writeFrame(TYPE_HEADERS, FLAG_END_HEADERS, streamId, block.toByteArray());
  }

  /** RST_STREAM(CANCEL) for {@code streamId}; not flushed. */
  void reset(int streamId) throws IOException {
    writeFrame(TYPE_RST_STREAM, 0, streamId, new byte[] {0, 0, 0, ERROR_CANCEL});
  }

  /** Reads the server's next frame header (9 bytes), 5 s at most; only without a drainer. */
  void awaitFrameHeader() throws IOException {
    socket.setSoTimeout(5_000);
    byte[] header = socket.getInputStream().readNBytes(9);
    if (header.length < 9) {
      throw new IOException("connection closed by the server after " + header.length + " bytes");
    }
  }

  void flush() throws IOException {
    out.flush();
  }

  /** True once the drainer saw the server close the connection (GOAWAY and close, or a reset). */
  boolean closedByServer() {
    return closedByServer;
  }

  long bytesRead() {
    return bytesRead;
  }

  private void writeFrame(int type, int flags, int streamId, byte[] payload) throws IOException {
    frame.reset();
    int n = payload.length;
    frame.write(n >>> 16);
    frame.write(n >>> 8);
    frame.write(n);
    frame.write(type);
    frame.write(flags);
    frame.write(streamId >>> 24 & 0x7f);
    frame.write(streamId >>> 16);
    frame.write(streamId >>> 8);
    frame.write(streamId);
    frame.write(payload);
    frame.writeTo(out);
  }

  /** "Literal Header Field without Indexing — New Name" (RFC 7541 §6.2.2); strings under 127 bytes. */
  private static void literal(ByteArrayOutputStream block, String name, String value) {
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    byte[] v = value.getBytes(StandardCharsets.US_ASCII);
    if (n.length >= 127 || v.length >= 127) {
      throw new IllegalArgumentException("header too long for a one-byte HPACK length: " + name);
    }
    block.write(0);
    block.write(n.length);
    block.write(n, 0, n.length);
    block.write(v.length);
    block.write(v, 0, v.length);
  }

  private void drainUntilClosed() {
    byte[] buf = new byte[16 * 1024];
    try {
      InputStream in = socket.getInputStream();
      for (int r; (r = in.read(buf)) >= 0; ) {
        bytesRead += r;
      }
    } catch (IOException e) {
      // reset by the server, or closed by us
    }
    closedByServer = !socket.isClosed();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a test connection: nothing to do about it
    }
  }
}
