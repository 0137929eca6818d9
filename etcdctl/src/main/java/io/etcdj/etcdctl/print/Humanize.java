package io.etcdj.etcdctl.print;

import java.util.Locale;

/** go-humanize's {@code Bytes}: SI units, "20 kB", "1.5 MB", "9 B". */
public final class Humanize {
  private static final String[] SIZES = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};

  private Humanize() {}

  public static String bytes(long s) {
    if (s < 10) {
      return String.format(Locale.ROOT, "%d B", s);
    }
    int e = (int) Math.floor(Math.log(s) / Math.log(1000));
    String suffix = SIZES[e];
    double val = Math.floor(s / Math.pow(1000, e) * 10 + 0.5) / 10;
    // Go's %.1f / %.0f round the exact binary value half-to-even (20.5 prints as "20").
    java.math.BigDecimal exact = new java.math.BigDecimal(val);
    int scale = val < 10 ? 1 : 0;
    return exact.setScale(scale, java.math.RoundingMode.HALF_EVEN).toPlainString() + " " + suffix;
  }
}
