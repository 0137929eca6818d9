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
import java.util.List;
import org.slf4j.event.KeyValuePair;

/**
 * etcd 3.4's default (capnslog "pretty") line: {@code 2026-12-07 03:55:10.273726 I | etcdserver:
 * text}, local time with microseconds, one level letter (D, I, N, W, E). Lines of the {@value
 * Capnslog#RAFT_LOGGER} logger take the raft library's own format, {@code raft2026/12/07 03:55:10
 * INFO: text}, as etcd 3.4 prints them. A line with a {@link Capnslog#TEXT} uses that text;
 * others print their message followed by their fields.
 */
final class CapnslogEncoder extends EncoderBase<ILoggingEvent> {
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS").withZone(ZoneId.systemDefault());
  private static final DateTimeFormatter RAFT_TS =
      DateTimeFormatter.ofPattern("yyyy/MM/dd HH:mm:ss").withZone(ZoneId.systemDefault());

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
    String text = event.getFormattedMessage();
    String letter = null;
    StringBuilder fields = new StringBuilder();
    List<KeyValuePair> pairs = event.getKeyValuePairs();
    if (pairs != null) {
      for (KeyValuePair kv : pairs) {
        switch (kv.key) {
          case Capnslog.TEXT -> text = String.valueOf(kv.value);
          case Capnslog.LEVEL -> letter = String.valueOf(kv.value);
          case Capnslog.ONLY -> {}
          default -> fields.append(fields.length() == 0 ? "" : ", ").append(kv.key).append('=').append(kv.value);
        }
      }
      if (fields.length() > 0 && !hasText(pairs)) {
        text = text + " (" + fields + ")";
      }
    }
    Instant at = event.getInstant() != null ? event.getInstant() : Instant.ofEpochMilli(event.getTimeStamp());
    StringBuilder b = new StringBuilder(160);
    if (event.getLoggerName().equals(Capnslog.RAFT_LOGGER)) {
      b.append("raft").append(RAFT_TS.format(at)).append(' ').append(raftLevel(event.getLevel())).append(": ");
    } else {
      b.append(TS.format(at))
          .append(' ')
          .append(letter != null ? letter : letter(event.getLevel()))
          .append(" | ")
          .append(Capnslog.pkg(event.getLoggerName()))
          .append(": ");
    }
    b.append(text);
    IThrowableProxy thrown = event.getThrowableProxy();
    if (thrown != null) {
      b.append('\n').append(ThrowableProxyUtil.asString(thrown));
    }
    b.append('\n');
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static boolean hasText(List<KeyValuePair> pairs) {
    for (KeyValuePair kv : pairs) {
      if (kv.key.equals(Capnslog.TEXT)) {
        return true;
      }
    }
    return false;
  }

  static String letter(Level level) {
    return switch (level.toInt()) {
      case Level.ERROR_INT -> "E";
      case Level.WARN_INT -> "W";
      case Level.INFO_INT -> "I";
      case Level.DEBUG_INT -> "D";
      default -> "T";
    };
  }

  private static String raftLevel(Level level) {
    return switch (level.toInt()) {
      case Level.ERROR_INT -> "ERROR";
      case Level.WARN_INT -> "WARN";
      case Level.INFO_INT -> "INFO";
      default -> "DEBUG";
    };
  }
}
