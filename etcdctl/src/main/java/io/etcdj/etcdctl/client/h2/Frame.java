package io.etcdj.etcdctl.client.h2;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One HTTP/2 frame (RFC 7540 section 4.1) and its codec: a 9-octet header (24-bit length, type,
 * flags, 31-bit stream id) and the payload. Padding and priority fields are left in the payload;
 * the connection strips them where it reads DATA and HEADERS.
 */
record Frame(int type, int flags, int streamId, byte[] payload) {
  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int PRIORITY = 0x2;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int PUSH_PROMISE = 0x5;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  static final int WINDOW_UPDATE = 0x8;
  static final int CONTINUATION = 0x9;

  static final int FLAG_END_STREAM = 0x1;
  static final int FLAG_ACK = 0x1;
  static final int FLAG_END_HEADERS = 0x4;
  static final int FLAG_PADDED = 0x8;
  static final int FLAG_PRIORITY = 0x20;

  static final int HEADER_BYTES = 9;
  /** SETTINGS_MAX_FRAME_SIZE initial value (section 6.5.2), the most we accept too. */
  static final int FRAME_BYTES_DEFAULT = 16_384;
  static final int FRAME_BYTES_MAX = (1 << 24) - 1;

  static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  boolean has(int flag) {
    return (flags & flag) != 0;
  }

  /** Reads one frame; a payload above {@code maxBytes} is a FRAME_SIZE_ERROR. */
  static Frame read(InputStream in, int maxBytes) throws IOException {
    byte[] h = new byte[HEADER_BYTES];
    readFully(in, h, 0, HEADER_BYTES);
    int length = ((h[0] & 0xff) << 16) | ((h[1] & 0xff) << 8) | (h[2] & 0xff);
    if (length > maxBytes) {
      throw new H2Exception(H2Exception.FRAME_SIZE_ERROR, "frame of " + length + " bytes above " + maxBytes);
    }
    int stream = readInt(h, 5) & 0x7fff_ffff;
    byte[] payload = new byte[length];
    readFully(in, payload, 0, length);
    return new Frame(h[3] & 0xff, h[4] & 0xff, stream, payload);
  }

  /** Writes a frame header; the caller writes {@code length} payload octets after it. */
  static void writeHeader(OutputStream out, int length, int type, int flags, int streamId) throws IOException {
    byte[] h = new byte[HEADER_BYTES];
    h[0] = (byte) (length >>> 16);
    h[1] = (byte) (length >>> 8);
    h[2] = (byte) length;
    h[3] = (byte) type;
    h[4] = (byte) flags;
    putInt(h, 5, streamId & 0x7fff_ffff);
    out.write(h);
  }

  static void write(OutputStream out, int type, int flags, int streamId, byte[] payload, int off, int len)
      throws IOException {
    writeHeader(out, len, type, flags, streamId);
    out.write(payload, off, len);
  }

  static int readInt(byte[] b, int off) {
    return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  private static void readFully(InputStream in, byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = in.read(b, off, len);
      if (n < 0) {
        throw new EOFException("connection closed by the server");
      }
      off += n;
      len -= n;
    }
  }

  /** The payload of a DATA or HEADERS frame without its padding (and priority) fields. */
  static int[] contentRange(Frame f) throws H2Exception {
    int off = 0;
    int end = f.payload.length;
    if (f.has(FLAG_PADDED)) {
      if (end < 1) {
        throw new H2Exception(H2Exception.PROTOCOL_ERROR, "padded frame without pad length");
      }
      int pad = f.payload[0] & 0xff;
      off = 1;
      end -= pad;
    }
    if (f.type == HEADERS && f.has(FLAG_PRIORITY)) {
      off += 5;
    }
    if (end < off) {
      throw new H2Exception(H2Exception.PROTOCOL_ERROR, "padding exceeds the frame");
    }
    return new int[] {off, end};
  }
}
