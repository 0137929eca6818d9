package io.etcdj.server.config;

import picocli.CommandLine;

/**
 * Go's {@code time.ParseDuration} for duration flags ("10m", "1h30m", "1.5s", "500ms", "0"): a
 * sequence of decimal numbers, each with a unit (ns, us, µs, ms, s, m, h), optionally signed. A
 * bad value fails the parse, which {@link Flags} reports as Go's flag package does ("parse
 * error").
 */
final class GoDuration implements CommandLine.ITypeConverter<Long> {

  /** Parses to nanoseconds. */
  @Override
  public Long convert(String value) {
    return parseNanos(value);
  }

  static long parseNanos(String s) {
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
      double unit =
          switch (s.substring(unitStart, i)) {
            case "ns" -> 1;
            case "us", "µs", "μs" -> 1e3;
            case "ms" -> 1e6;
            case "s" -> 1e9;
            case "m" -> 60e9;
            case "h" -> 3600e9;
            default -> throw bad(orig);
          };
      total += Double.parseDouble(number) * unit;
    }
    if (total > Long.MAX_VALUE) {
      throw bad(orig);
    }
    long nanos = Math.round(total);
    return negative ? -nanos : nanos;
  }

  private static CommandLine.TypeConversionException bad(String value) {
    return new CommandLine.TypeConversionException("time: invalid duration \"" + value + "\"");
  }
}
