package io.etcdj.server.gateway;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Status;

/**
 * The JSON the gateway writes, as etcd 3.4's ({@code jsonpb} with {@code OrigName}, defaults left
 * out): answers are printed by protobuf-java-util's {@link JsonFormat} with proto field names and
 * no whitespace, which already gives int64 as strings, bytes as base64 and enums by name; only its
 * string escapes are bent to Go's {@code encoding/json} ones. Error bodies are written here in
 * grpc-gateway v1's shapes.
 *
 * <p>Stateless and thread-safe.
 */
final class GatewayJson {
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().preservingProtoFieldNames().omittingInsignificantWhitespace();

  private GatewayJson() {}

  static String print(MessageOrBuilder message) {
    try {
      return goEscapes(PRINTER.print(message));
    } catch (InvalidProtocolBufferException e) {
      // Only Any fields with unknown types fail to print; etcd's messages have none.
      throw new IllegalStateException("cannot print " + message.getClass().getName(), e);
    }
  }

  /** One message of a streamed answer: {@code {"result":...}}. */
  static String result(MessageOrBuilder message) {
    return "{\"result\":" + print(message) + "}";
  }

  /** grpc-gateway v1's error body for a call that failed before it answered. */
  static String error(Status status) {
    String message = quote(message(status));
    return "{\"error\":" + message + ",\"message\":" + message + ",\"code\":" + status.getCode().value() + "}";
  }

  /** grpc-gateway v1's last chunk of a stream that failed. */
  static String streamError(Status status, int httpCode, String httpStatusText) {
    StringBuilder out = new StringBuilder("{\"error\":{");
    out.append("\"grpc_code\":").append(status.getCode().value());
    out.append(",\"http_code\":").append(httpCode);
    String message = message(status);
    if (!message.isEmpty()) {
      out.append(",\"message\":").append(quote(message));
    }
    out.append(",\"http_status\":").append(quote(httpStatusText));
    return out.append("}}").toString();
  }

  private static String message(Status status) {
    return status.getDescription() == null ? "" : status.getDescription();
  }

  /** A JSON string as Go's encoding/json writes it (HTML-safe, {@code \\u00XX} for controls). */
  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '<', '>', '&', '\u2028', '\u2029' -> out.append(String.format("\\u%04x", (int) c));
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }

  /**
   * Rewrites the escapes in JsonFormat's output where Go's differ: Gson also escapes {@code =} and
   * {@code '} and writes {@code \b}, {@code \f} short; Go writes the first two as they are and the
   * others as {@code \\u0008}, {@code \\u000c}. Escapes are read in pairs so an escaped backslash is
   * never taken for the start of another escape.
   */
  static String goEscapes(String json) {
    if (json.indexOf('\\') < 0) {
      return json;
    }
    StringBuilder out = new StringBuilder(json.length());
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (c != '\\' || i + 1 >= json.length()) {
        out.append(c);
        continue;
      }
      char e = json.charAt(i + 1);
      if (e == 'u' && json.startsWith("003d", i + 2)) {
        out.append('=');
        i += 5;
      } else if (e == 'u' && json.startsWith("0027", i + 2)) {
        out.append('\'');
        i += 5;
      } else if (e == 'b') {
        out.append("\\u0008");
        i++;
      } else if (e == 'f') {
        out.append("\\u000c");
        i++;
      } else {
        out.append(c).append(e);
        i++;
      }
    }
    return out.toString();
  }
}
