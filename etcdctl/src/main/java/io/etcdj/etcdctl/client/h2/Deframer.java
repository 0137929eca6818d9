package io.etcdj.etcdctl.client.h2;

import io.grpc.Status;
import java.util.function.Consumer;

/**
 * Splits a stream's DATA into gRPC messages: a 1-octet compressed flag, a 4-octet big-endian
 * length, the message. We announce no compression, so a flagged message is an INTERNAL error, as
 * grpc-java reports it when no decompressor is configured.
 *
 * <p>Confined to the connection's reader thread.
 */
final class Deframer {
  static final int PREFIX_BYTES = 5;

  /** A message the call cannot take; the status ends the call. */
  static final class DeframeException extends Exception {
    final transient Status status;

    DeframeException(Status status) {
      super(status.getDescription(), null, false, false);
      this.status = status;
    }
  }

  private final int messageBytesMax;
  private final byte[] prefix = new byte[PREFIX_BYTES];
  private int prefixFill;
  private byte[] body;
  private int bodyFill;

  Deframer(int messageBytesMax) {
    this.messageBytesMax = messageBytesMax;
  }

  /** True while a message is partly received (its end is still to come). */
  boolean partial() {
    return prefixFill > 0;
  }

  void feed(byte[] b, int off, int len, Consumer<byte[]> sink) throws DeframeException {
    int end = off + len;
    while (off < end) {
      if (prefixFill < PREFIX_BYTES) {
        int n = Math.min(PREFIX_BYTES - prefixFill, end - off);
        System.arraycopy(b, off, prefix, prefixFill, n);
        prefixFill += n;
        off += n;
        if (prefixFill < PREFIX_BYTES) {
          return;
        }
        if ((prefix[0] & 0xff) != 0) {
          throw new DeframeException(
              Status.INTERNAL.withDescription("Can't decode compressed gRPC message as compression not configured"));
        }
        long size = Frame.readInt(prefix, 1) & 0xffff_ffffL;
        if (size > messageBytesMax) {
          throw new DeframeException(
              Status.RESOURCE_EXHAUSTED.withDescription(
                  String.format("gRPC message exceeds maximum size %d: %d", messageBytesMax, size)));
        }
        body = new byte[(int) size];
        bodyFill = 0;
      }
      int n = Math.min(body.length - bodyFill, end - off);
      System.arraycopy(b, off, body, bodyFill, n);
      bodyFill += n;
      off += n;
      if (bodyFill == body.length) {
        byte[] m = body;
        body = null;
        prefixFill = 0;
        sink.accept(m);
      }
    }
  }
}
