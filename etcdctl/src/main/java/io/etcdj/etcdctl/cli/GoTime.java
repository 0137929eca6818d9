package io.etcdj.etcdctl.cli;

import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * The timestamps etcdctl's loggers print. The formatters sit in a holder class: java.time costs
 * tens of milliseconds to initialise, and a command that logs nothing should not pay for it.
 */
public final class GoTime {
  private GoTime() {}

  private static final class Formats {
    static final DateTimeFormatter ZAP = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX", Locale.ROOT);
    static final DateTimeFormatter CAPNSLOG = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSSSSS", Locale.ROOT);
  }

  /** zap's production ISO-8601 time, as clientv3's JSON log lines carry it ("2026-12-07T00:28:31.428Z"). */
  public static String zapNow() {
    return ZonedDateTime.now(ZoneOffset.UTC).format(Formats.ZAP);
  }

  /** capnslog's local time, as pkg/flags' warnings carry it ("2026-12-07 00:29:00.027578"). */
  public static String capnslogNow() {
    return LocalDateTime.now().format(Formats.CAPNSLOG);
  }
}
