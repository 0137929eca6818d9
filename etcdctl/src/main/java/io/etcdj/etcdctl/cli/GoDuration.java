package io.etcdj.etcdctl.cli;

import java.math.BigDecimal;

/** Go's {@code time.ParseDuration} and {@code Duration.String}, in nanoseconds. */
public final class GoDuration {
  private GoDuration() {}

  public static long parseNanos(String s) {
    String orig = s;
    if (s.equals("0")) {
      return 0;
    }
    boolean neg = false;
    if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
      neg = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.isEmpty()) {
      throw invalid(orig);
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String num = s.substring(start, i);
      if (num.isEmpty() || num.equals(".") || num.indexOf('.') != num.lastIndexOf('.')) {
        throw invalid(orig);
      }
      int ustart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(ustart, i);
      if (unit.isEmpty()) {
        throw new IllegalArgumentException("time: missing unit in duration " + GoQuote.quote(orig));
      }
      long mult;
      switch (unit) {
        case "ns":
          mult = 1L;
          break;
        case "us":
        case "\u00b5s":
        case "\u03bcs":
          mult = 1_000L;
          break;
        case "ms":
          mult = 1_000_000L;
          break;
        case "s":
          mult = 1_000_000_000L;
          break;
        case "m":
          mult = 60_000_000_000L;
          break;
        case "h":
          mult = 3_600_000_000_000L;
          break;
        default:
          throw new IllegalArgumentException(
              "time: unknown unit " + GoQuote.quote(unit) + " in duration " + GoQuote.quote(orig));
      }
      total = total.add(new BigDecimal(num.endsWith(".") ? num + "0" : num.startsWith(".") ? "0" + num : num).multiply(BigDecimal.valueOf(mult)));
    }
    if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw invalid(orig);
    }
    long v = total.longValue();
    return neg ? -v : v;
  }

  private static IllegalArgumentException invalid(String s) {
    return new IllegalArgumentException("time: invalid duration " + GoQuote.quote(s));
  }

  /** {@code time.Duration.String()}: "2s", "1m30s", "1.5ms", "0s", "1h0m0s". */
  public static String format(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    boolean neg = nanos < 0;
    // Long.MIN_VALUE cannot be negated; Go prints it specially too, but no flag default is that.
    long u = Math.abs(nanos);
    StringBuilder sb = new StringBuilder();
    if (u < 1_000_000_000L) {
      String unit;
      long div;
      if (u < 1_000L) {
        return (neg ? "-" : "") + u + "ns";
      } else if (u < 1_000_000L) {
        unit = "\u00b5s";
        div = 1_000L;
      } else {
        unit = "ms";
        div = 1_000_000L;
      }
      sb.append(fraction(u, div)).append(unit);
    } else {
      long secsTotal = u / 1_000_000_000L;
      long frac = u % 1_000_000_000L;
      long hours = secsTotal / 3600;
      long mins = (secsTotal / 60) % 60;
      long secs = secsTotal % 60;
      if (hours > 0) {
        sb.append(hours).append('h').append(mins).append('m');
      } else if (mins > 0) {
        sb.append(mins).append('m');
      }
      sb.append(fraction(secs * 1_000_000_000L + frac, 1_000_000_000L)).append('s');
    }
    return (neg ? "-" : "") + sb;
  }

  /** value/div with the fraction's trailing zeros dropped, as Go's fmtFrac does. */
  public static String fraction(long value, long div) {
    long whole = value / div;
    long rem = value % div;
    if (rem == 0) {
      return Long.toString(whole);
    }
    int digits = Long.toString(div).length() - 1;
    String f = String.format("%0" + digits + "d", rem);
    int end = f.length();
    while (end > 0 && f.charAt(end - 1) == '0') {
      end--;
    }
    return whole + "." + f.substring(0, end);
  }
}
