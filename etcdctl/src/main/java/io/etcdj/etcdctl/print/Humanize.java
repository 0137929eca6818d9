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
    String f = val < 10 ? "%.1f %s" : "%.0f %s";
    return String.format(Locale.ROOT, f, val, suffix);
  }
}
