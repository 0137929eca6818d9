package io.etcdj.etcdctl.print;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * etcdctl's {@code -w table}: olekukonko/tablewriter (the 2017 version etcd 3.4 vendors) with its
 * defaults and right-aligned cells. Headers are upper-cased with '_' as space and centred; each cell
 * has one space either side. A cell wider than 30 columns that has spaces wraps onto more lines
 * (tablewriter's auto-wrap): the wrap width is the column's width when the cell is reached, so rows
 * are measured in order, as tablewriter appends them.
 */
public final class Table {
  /** tablewriter's MAX_ROW_WIDTH: the widest a cell grows before its words wrap. */
  static final int WRAP_WIDTH = 30;

  private Table() {}

  public static String render(List<String> header, List<List<String>> rows) {
    int n = header.size();
    int[] w = new int[n];
    String[] hdr = new String[n];
    for (int i = 0; i < n; i++) {
      hdr[i] = header.get(i).replace('_', ' ').toUpperCase(Locale.ROOT).strip();
      w[i] = Math.min(width(hdr[i]), WRAP_WIDTH);
    }
    List<List<List<String>>> cells = new ArrayList<>();
    for (List<String> row : rows) {
      List<List<String>> lines = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String c = row.get(i);
        w[i] = Math.max(w[i], Math.min(width(c), WRAP_WIDTH));
        List<String> wrapped = wrap(c, w[i]);
        for (String line : wrapped) {
          w[i] = Math.max(w[i], width(line));
        }
        lines.add(wrapped);
      }
      cells.add(lines);
    }
    StringBuilder sep = new StringBuilder("+");
    for (int i = 0; i < n; i++) {
      sep.append("-".repeat(w[i] + 2)).append('+');
    }
    sep.append('\n');
    StringBuilder sb = new StringBuilder();
    sb.append(sep).append('|');
    for (int i = 0; i < n; i++) {
      int gap = Math.max(0, w[i] - width(hdr[i]));
      int left = gap / 2;
      sb.append(' ').append(" ".repeat(left)).append(hdr[i]).append(" ".repeat(gap - left)).append(" |");
    }
    sb.append('\n').append(sep);
    for (List<List<String>> row : cells) {
      int height = 0;
      for (List<String> c : row) {
        height = Math.max(height, c.size());
      }
      for (int line = 0; line < height; line++) {
        sb.append('|');
        for (int i = 0; i < n; i++) {
          String c = line < row.get(i).size() ? row.get(i).get(line) : "";
          sb.append(' ').append(" ".repeat(Math.max(0, w[i] - width(c)))).append(c).append(" |");
        }
        sb.append('\n');
      }
    }
    sb.append(sep);
    return sb.toString();
  }

  /**
   * tablewriter's WrapString: words split at single spaces (so runs of spaces and a trailing space
   * make empty words), laid out in lines of at most {@code limit} columns with the least raggedness
   * (the sum of squared gaps, a heavy penalty for a line over the limit); a word wider than the limit
   * widens it.
   */
  static List<String> wrap(String s, int limit) {
    String[] words = s.replace('\n', ' ').split(" ", -1);
    int lim = limit;
    for (String word : words) {
      lim = Math.max(lim, width(word));
    }
    int n = words.length;
    long[] cost = new long[n];
    int[] brk = new int[n];
    for (int i = n - 1; i >= 0; i--) {
      if (lineWidth(words, i, n - 1) <= lim) {
        cost[i] = 0;
        brk[i] = n;
        continue;
      }
      cost[i] = Integer.MAX_VALUE;
      for (int j = i + 1; j < n; j++) {
        int len = lineWidth(words, i, j - 1);
        long d = lim - len;
        long c = d * d + cost[j];
        if (len > lim) {
          c += 100_000;
        }
        if (c < cost[i]) {
          cost[i] = c;
          brk[i] = j;
        }
      }
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i = brk[i]) {
      lines.add(String.join(" ", java.util.Arrays.asList(words).subList(i, brk[i])));
    }
    return lines;
  }

  private static int lineWidth(String[] words, int from, int to) {
    int len = to - from;
    for (int k = from; k <= to; k++) {
      len += width(words[k]);
    }
    return len;
  }

  private static int width(String s) {
    return s.codePointCount(0, s.length());
  }
}
