package io.etcdj.etcdctl.print;

import java.util.List;
import java.util.Locale;

/**
 * etcdctl's {@code -w table}: olekukonko/tablewriter with its defaults and right-aligned cells.
 * Headers are upper-cased with '_' as space and centred; each cell has one space either side.
 */
public final class Table {
  private Table() {}

  public static String render(List<String> header, List<List<String>> rows) {
    int n = header.size();
    int[] w = new int[n];
    String[] hdr = new String[n];
    for (int i = 0; i < n; i++) {
      hdr[i] = header.get(i).replace('_', ' ').toUpperCase(Locale.ROOT).strip();
      w[i] = width(hdr[i]);
    }
    for (List<String> row : rows) {
      for (int i = 0; i < n; i++) {
        w[i] = Math.max(w[i], width(row.get(i)));
      }
    }
    StringBuilder sep = new StringBuilder("+");
    for (int i = 0; i < n; i++) {
      sep.append("-".repeat(w[i] + 2)).append('+');
    }
    sep.append('\n');
    StringBuilder sb = new StringBuilder();
    sb.append(sep).append('|');
    for (int i = 0; i < n; i++) {
      int gap = w[i] - width(hdr[i]);
      int left = gap / 2;
      sb.append(' ').append(" ".repeat(left)).append(hdr[i]).append(" ".repeat(gap - left)).append(" |");
    }
    sb.append('\n').append(sep);
    for (List<String> row : rows) {
      sb.append('|');
      for (int i = 0; i < n; i++) {
        String c = row.get(i);
        sb.append(' ').append(" ".repeat(w[i] - width(c))).append(c).append(" |");
      }
      sb.append('\n');
    }
    sb.append(sep);
    return sb.toString();
  }

  private static int width(String s) {
    return s.codePointCount(0, s.length());
  }
}
