package io.etcdj.etcdctl.client.h2;

import io.grpc.Metadata;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * gRPC's mapping onto HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md): the grpc-timeout text, metadata as
 * header fields ({@code -bin} values base64), trailers to a {@link Status} with a percent-decoded
 * grpc-message, and the codes grpc-java gives to RST_STREAM error codes and HTTP statuses.
 *
 * <p>Stateless.
 */
final class GrpcWire {
  private GrpcWire() {}

  /** At most 8 digits and a unit (n u m S M H), rounded up so the server never sees less time. */
  static String timeout(long nanos) {
    long n = Math.max(0, nanos);
    final long digitsMax = 99_999_999L;
    long[] perUnit = {1L, 1_000L, 1_000_000L, 1_000_000_000L, 60_000_000_000L, 3_600_000_000_000L};
    char[] units = {'n', 'u', 'm', 'S', 'M', 'H'};
    for (int i = 0; i < units.length; i++) {
      long v = n / perUnit[i] + (n % perUnit[i] == 0 ? 0 : 1);
      if (v <= digitsMax) {
        return v + String.valueOf(units[i]);
      }
    }
    return digitsMax + "H";
  }

  /** Call metadata as header fields; binary ({@code -bin}) values go base64 without padding. */
  static void appendMetadata(List<Header> out, Metadata md) {
    for (String key : md.keys()) {
      if (key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Iterable<byte[]> values = md.getAll(Metadata.Key.of(key, Metadata.BINARY_BYTE_MARSHALLER));
        for (byte[] v : values == null ? List.<byte[]>of() : values) {
          out.add(new Header(key, Base64.getEncoder().withoutPadding().encodeToString(v)));
        }
      } else {
        Iterable<String> values = md.getAll(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
        for (String v : values == null ? List.<String>of() : values) {
          out.add(new Header(key, v));
        }
      }
    }
  }

  /** Response header fields as Metadata; pseudo-headers and names grpc-java refuses are left out. */
  static Metadata metadata(List<Header> fields) {
    Metadata md = new Metadata();
    for (Header h : fields) {
      String name = h.name();
      if (name.startsWith(":")) {
        continue;
      }
      try {
        if (name.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          md.put(Metadata.Key.of(name, Metadata.BINARY_BYTE_MARSHALLER), Base64.getDecoder().decode(unpadded(h.value())));
        } else {
          md.put(Metadata.Key.of(name, Metadata.ASCII_STRING_MARSHALLER), h.value());
        }
      } catch (IllegalArgumentException e) {
        // A name Metadata refuses or bad base64: grpc-java drops such a field too.
      }
    }
    return md;
  }

  private static String unpadded(String s) {
    int end = s.length();
    while (end > 0 && s.charAt(end - 1) == '=') {
      end--;
    }
    return s.substring(0, end);
  }

  static String value(List<Header> fields, String name) {
    for (Header h : fields) {
      if (h.name().equals(name)) {
        return h.value();
      }
    }
    return null;
  }

  /**
   * The status trailers (or a trailers-only response) carry. Without grpc-status the HTTP status
   * decides, as grpc-java decides it.
   */
  static Status status(List<Header> trailers) {
    String code = value(trailers, "grpc-status");
    if (code == null) {
      String http = value(trailers, ":status");
      if (http != null && !http.equals("200")) {
        return httpStatus(http);
      }
      return Status.UNKNOWN.withDescription("missing GRPC status in response");
    }
    Status s;
    try {
      s = Status.fromCodeValue(Integer.parseInt(code));
    } catch (NumberFormatException e) {
      s = Status.UNKNOWN.withDescription("invalid grpc-status: " + code);
    }
    String message = value(trailers, "grpc-message");
    return message == null ? s : s.withDescription(percentDecode(message));
  }

  /** grpc-java's httpStatusToGrpcStatus: the status of a response that is not HTTP 200. */
  static Status httpStatus(String http) {
    int code;
    try {
      code = Integer.parseInt(http);
    } catch (NumberFormatException e) {
      return Status.INTERNAL.withDescription("malformed :status: " + http);
    }
    Status s;
    switch (code) {
      case 400:
      case 431:
        s = Status.INTERNAL;
        break;
      case 401:
        s = Status.UNAUTHENTICATED;
        break;
      case 403:
        s = Status.PERMISSION_DENIED;
        break;
      case 404:
        s = Status.UNIMPLEMENTED;
        break;
      case 429:
      case 502:
      case 503:
      case 504:
        s = Status.UNAVAILABLE;
        break;
      default:
        s = Status.UNKNOWN;
        break;
    }
    return s.withDescription("HTTP status code " + code);
  }

  /** grpc-java's GrpcUtil.Http2Error: the status a RST_STREAM error code ends a call with. */
  static Status resetStatus(long errorCode) {
    String[] names = {
      "NO_ERROR", "PROTOCOL_ERROR", "INTERNAL_ERROR", "FLOW_CONTROL_ERROR", "SETTINGS_TIMEOUT", "STREAM_CLOSED",
      "FRAME_SIZE_ERROR", "REFUSED_STREAM", "CANCEL", "COMPRESSION_ERROR", "CONNECT_ERROR", "ENHANCE_YOUR_CALM",
      "INADEQUATE_SECURITY", "HTTP_1_1_REQUIRED"
    };
    Status s;
    if (errorCode == 0x0 || errorCode == 0x7) {
      s = Status.UNAVAILABLE;
    } else if (errorCode == 0x8) {
      s = Status.CANCELLED;
    } else if (errorCode == 0xb) {
      s = Status.RESOURCE_EXHAUSTED;
    } else if (errorCode == 0xc) {
      s = Status.PERMISSION_DENIED;
    } else if (errorCode >= 0x1 && errorCode <= 0xa) {
      s = Status.INTERNAL;
    } else {
      s = Status.UNKNOWN;
    }
    String name = errorCode >= 0 && errorCode < names.length ? names[(int) errorCode] : "0x" + Long.toHexString(errorCode);
    return s.withDescription("RST_STREAM closed stream. HTTP/2 error code: " + name);
  }

  /** grpc-message is percent-encoded UTF-8 (PROTOCOL-HTTP2.md); a malformed escape stays as is. */
  static String percentDecode(String s) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '%' && i + 2 < s.length() && hex(s.charAt(i + 1)) >= 0 && hex(s.charAt(i + 2)) >= 0) {
        out.write(hex(s.charAt(i + 1)) * 16 + hex(s.charAt(i + 2)));
        i += 2;
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static int hex(char c) {
    return Character.digit(c, 16);
  }

  static String authority(String host, int port) {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  static List<Header> requestHeaders(String scheme, String authority, String path, long timeoutNanos, String userAgent, Metadata md) {
    List<Header> h = new ArrayList<>(12);
    h.add(new Header(":method", "POST"));
    h.add(new Header(":scheme", scheme));
    h.add(new Header(":path", path));
    h.add(new Header(":authority", authority));
    h.add(new Header("content-type", "application/grpc"));
    h.add(new Header("te", "trailers"));
    if (timeoutNanos >= 0) {
      h.add(new Header("grpc-timeout", timeout(timeoutNanos)));
    }
    h.add(new Header("user-agent", userAgent));
    appendMetadata(h, md);
    return h;
  }
}
