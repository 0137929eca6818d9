package io.etcdj.server.config;

/**
 * Go's {@code time.ParseDuration} for duration flags ("10m", "1h30m", "1.5s", "500ms", "0"): a
 * sequence of decimal numbers, each with a unit (ns, us, µs, ms, s, m, h), optionally signed. A
 * bad value throws an IllegalArgumentException, which {@link Flags} reports as Go's flag package
 * does ("parse error"); its message is Go's own error text, for callers that print it (etcd's
 * {@code --auto-compaction-retention} does). {@link #format} is Go's {@code Duration.String}.
 */
public final class GoDuration {
  private GoDuration() {}

  /** Parses to nanoseconds; a bad value throws an IllegalArgumentException with Go's message. */
  public static long parseNanos(String s) {
    String orig = s;
    boolean negative = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return 0;
    }
    if (s.isEmpty()) {
      throw bad(orig);
    }
    double total = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      if (number.isEmpty() || number.equals(".") || number.indexOf('.') != number.lastIndexOf('.')) {
        throw bad(orig);
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unitName = s.substring(unitStart, i);
      if (unitName.isEmpty()) {
        throw new IllegalArgumentException(
            "time: missing unit in duration \"" + orig + "\"");
      }
      double unit =
          switch (unitName) {
            case "ns" -> 1;
            case "us", "µs", "μs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default ->
                throw new IllegalArgumentException(
                    "time: unknown unit \"" + unitName + "\" in duration \"" + orig + "\"");
          };
      total += Double.parseDouble(number) * unit;
    }
    if (total > Long.MAX_VALUE) {
      throw bad(orig);
    }
    long nanos = Math.round(total);
    return negative ? -nanos : nanos;
  }

  private static IllegalArgumentException bad(String value) {
    return new IllegalArgumentException("time: invalid duration \"" + value + "\"");
  }

  /** Go's {@code Duration.String}: "1h0m0s", "1m30s", "1.5s", "500ms", "0s". */
  public static String format(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long u = Math.abs(nanos);
    if (u < 1_000L) {
      return sign + u + "ns";
    }
    if (u < 1_000_000L) {
      return sign + fraction(u, 1_000L) + "\u00b5s";
    }
    if (u < 1_000_000_000L) {
      return sign + fraction(u, 1_000_000L) + "ms";
    }
    long seconds = u / 1_000_000_000L;
    long hours = seconds / 3600;
    long minutes = (seconds / 60) % 60;
    StringBuilder sb = new StringBuilder(sign);
    if (hours > 0) {
      sb.append(hours).append('h').append(minutes).append('m');
    } else if (minutes > 0) {
      sb.append(minutes).append('m');
    }
    return sb.append(fraction((seconds % 60) * 1_000_000_000L + u % 1_000_000_000L, 1_000_000_000L))
        .append('s')
        .toString();
  }

  /** value/div with the fraction's trailing zeros dropped, as Go's fmtFrac does. */
  private static String fraction(long value, long div) {
    long whole = value / div;
    long rem = value % div;
    if (rem == 0) {
      return Long.toString(whole);
    }
    String digits = String.format("%0" + (Long.toString(div).length() - 1) + "d", rem);
    int end = digits.length();
    while (digits.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + digits.substring(0, end);
  }
}
