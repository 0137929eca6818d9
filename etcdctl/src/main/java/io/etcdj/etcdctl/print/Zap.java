package io.etcdj.etcdctl.print;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Locale;

/**
 * The JSON log lines etcdctl's zap loggers write to stderr. Two encoders are in play: {@code
 * zap.NewProduction()} (etcdctl's own logger, e.g. the snapshot manager) writes {@code ts} as epoch
 * seconds and durations as seconds, both as floats; clientv3's logger writes {@code ts} as an
 * ISO-8601 UTC time with milliseconds. Fields are appended in call order, strings escaped as zap
 * escapes them (no HTML escaping, unlike encoding/json).
 */
public final class Zap {

  private final StringBuilder sb = new StringBuilder();

  private Zap(String level, String ts, String caller, String msg) {
    sb.append("{\"level\":").append(quote(level)).append(",\"ts\":").append(ts);
    sb.append(",\"caller\":").append(quote(caller)).append(",\"msg\":").append(quote(msg));
  }

  /** A line of {@code zap.NewProduction()}: float epoch-seconds timestamp. */
  public static Zap production(String level, String caller, String msg) {
    Instant now = Instant.now();
    return new Zap(level, seconds(now.getEpochSecond() * 1_000_000_000L + now.getNano()), caller, msg);
  }

  /** A line of clientv3's logger: ISO-8601 timestamp with milliseconds. */
  public static Zap clientv3(String level, String caller, String msg) {
    return new Zap(level, quote(io.etcdj.etcdctl.cli.GoTime.zapNow()), caller, msg);
  }

  public Zap string(String key, String value) {
    sb.append(',').append(quote(key)).append(':').append(quote(value));
    return this;
  }

  /** A []string field, as zap.Strings writes it. */
  public Zap strings(String key, java.util.List<String> values) {
    sb.append(',').append(quote(key)).append(":[");
    for (int i = 0; i < values.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(quote(values.get(i)));
    }
    sb.append(']');
    return this;
  }

  public Zap number(String key, long value) {
    sb.append(',').append(quote(key)).append(':').append(value);
    return this;
  }

  /** zap.Duration with the production encoder: seconds as a float. */
  public Zap seconds(String key, long nanos) {
    sb.append(',').append(quote(key)).append(':').append(seconds(nanos));
    return this;
  }

  public String line() {
    return sb + "}";
  }

  /** Go's strconv.FormatFloat(f, 'f', -1, 64) of nanos / 1e9: shortest digits, no exponent. */
  static String seconds(long nanos) {
    double d = nanos / 1e9;
    return new BigDecimal(Double.toString(d)).stripTrailingZeros().toPlainString();
  }

  /** zap's JSON string escaping: quote, backslash and control characters only. */
  static String quote(String s) {
    StringBuilder q = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          q.append("\\\"");
          break;
        case '\\':
          q.append("\\\\");
          break;
        case '\n':
          q.append("\\n");
          break;
        case '\r':
          q.append("\\r");
          break;
        case '\t':
          q.append("\\t");
          break;
        default:
          if (c < 0x20) {
            q.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            q.append(c);
          }
      }
    }
    return q.append('"').toString();
  }
}
