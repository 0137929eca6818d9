package io.etcdj.etcdctl.client.h2;

import java.io.IOException;

/** A connection error (RFC 7540 section 5.4.1): the connection is closed with GOAWAY(code). */
final class H2Exception extends IOException {
  static final int NO_ERROR = 0x0;
  static final int PROTOCOL_ERROR = 0x1;
  static final int INTERNAL_ERROR = 0x2;
  static final int FLOW_CONTROL_ERROR = 0x3;
  static final int STREAM_CLOSED = 0x5;
  static final int FRAME_SIZE_ERROR = 0x6;
  static final int REFUSED_STREAM = 0x7;
  static final int CANCEL = 0x8;
  static final int COMPRESSION_ERROR = 0x9;

  final int code;

  H2Exception(int code, String message) {
    super(message);
    this.code = code;
  }
}
