package io.etcdj.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Collection;
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * etcd 3.4's zap JSON line: {@code {"level":"info","ts":"2026-12-07T03:55:16.106Z","caller":
 * "embed/etcd.go:117","msg":"...",<fields>}}. The time is zap's ISO 8601 encoder's (local time,
 * milliseconds, {@code Z} for UTC); the caller is the last package segment, the source file and
 * line; key/value pairs become fields in the order given; an error-level line with an exception
 * gets zap's {@code stacktrace} field.
 */
final class ZapEncoder extends EncoderBase<ILoggingEvent> {
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXX").withZone(ZoneId.systemDefault());

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    if (capnslogOnly(event.getKeyValuePairs())) {
      return new byte[0];
    }
    StringBuilder b = new StringBuilder(256);
    b.append("{\"level\":\"").append(level(event.getLevel())).append('"');
    b.append(",\"ts\":\"").append(TS.format(Instant.ofEpochMilli(event.getTimeStamp()))).append('"');
    b.append(",\"caller\":");
    string(b, caller(event.getCallerData()));
    b.append(",\"msg\":");
    string(b, event.getFormattedMessage());
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        if (kv.key.startsWith("capnslog.")) {
          continue;
        }
        b.append(',');
        string(b, kv.key);
        b.append(':');
        value(b, kv.value);
      }
    }
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      b.append(",\"error\":");
      string(b, thrown.getMessage() == null ? thrown.getClassName() : thrown.getMessage());
      if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
        b.append(",\"stacktrace\":");
        string(b, ThrowableProxyUtil.asString(thrown));
      }
    }
    b.append("}\n");
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static boolean capnslogOnly(List<KeyValuePair> pairs) {
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        if (kv.key.equals(Capnslog.ONLY)) {
          return true;
        }
      }
    }
    return false;
  }

  static String level(Level level) {
    return switch (level.toInt()) {
      case Level.ERROR_INT -> "error";
      case Level.WARN_INT -> "warn";
      case Level.INFO_INT -> "info";
      default -> "debug";
    };
  }

  /** zap's short caller: {@code dir/file:line}, here the class's last package segment. */
  static String caller(StackTraceElement[] callerData) {
    if (callerData == null || callerData.length == 0) {
      return "?";
    }
    StackTraceElement e = callerData[0];
    String cls = e.getClassName();
    int lastDot = cls.lastIndexOf('.');
    String pkg = lastDot < 0 ? "" : cls.substring(0, lastDot);
    String dir = pkg.substring(pkg.lastIndexOf('.') + 1);
    String file = e.getFileName() == null ? cls.substring(lastDot + 1) + ".java" : e.getFileName();
    return (dir.isEmpty() ? "" : dir + "/") + file + ":" + e.getLineNumber();
  }

  private static void value(StringBuilder b, Object v) {
    if (v == null) {
      b.append("null");
    } else if (v instanceof Boolean || v instanceof Integer || v instanceof Long || v instanceof Short) {
      b.append(v);
    } else if (v instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isFinite(d)) {
        b.append(v);
      } else {
        string(b, v.toString());
      }
    } else if (v instanceof Collection<?> c) {
      b.append('[');
      boolean first = true;
      for (Object o : c) {
        b.append(first ? "" : ",");
        first = false;
        value(b, o);
      }
      b.append(']');
    } else {
      string(b, v.toString());
    }
  }

  /** A JSON string with the escapes JSON requires. */
  static void string(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    b.append('"');
  }
}
