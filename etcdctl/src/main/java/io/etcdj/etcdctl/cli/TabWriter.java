package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Go's {@code text/tabwriter} as etcdctl configures it for help ({@code minwidth 0, tabwidth 8,
 * padding 1, padchar '\t', flags 0}): tab-terminated cells of consecutive lines form a column
 * block, padded with tabs to a multiple of 8 past the widest cell plus one.
 */
public final class TabWriter {
  private static final int TAB_WIDTH = 8;
  private static final int PADDING = 1;

  private TabWriter() {}

  public static String format(String text) {
    List<List<String>> lines = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      List<String> cells = new ArrayList<>();
      int start = 0;
      for (int i = 0; i < line.length(); i++) {
        if (line.charAt(i) == '\t') {
          cells.add(line.substring(start, i));
          start = i + 1;
        }
      }
      cells.add(line.substring(start));
      lines.add(cells);
    }
    StringBuilder out = new StringBuilder();
    List<Integer> widths = new ArrayList<>();
    format(lines, widths, 0, lines.size(), out);
    // split() made one more line than there were newlines: drop the newline after the last.
    out.setLength(out.length() - 1);
    return out.toString();
  }

  private static void format(List<List<String>> lines, List<Integer> widths, int line0, int line1, StringBuilder out) {
    int column = widths.size();
    for (int t = line0; t < line1; t++) {
      if (column >= lines.get(t).size() - 1) {
        continue;
      }
      writeLines(lines, widths, line0, t, out);
      line0 = t;
      int width = 0;
      for (; t < line1; t++) {
        List<String> line = lines.get(t);
        if (column >= line.size() - 1) {
          break;
        }
        width = Math.max(width, runes(line.get(column)) + PADDING);
      }
      widths.add(width);
      format(lines, widths, line0, t, out);
      widths.remove(widths.size() - 1);
      line0 = t;
      t--;
    }
    writeLines(lines, widths, line0, line1, out);
  }

  private static void writeLines(List<List<String>> lines, List<Integer> widths, int line0, int line1, StringBuilder out) {
    for (int i = line0; i < line1; i++) {
      List<String> line = lines.get(i);
      for (int j = 0; j < line.size(); j++) {
        String cell = line.get(j);
        out.append(cell);
        if (j < widths.size() && j < line.size() - 1) {
          int cellw = (widths.get(j) + TAB_WIDTH - 1) / TAB_WIDTH * TAB_WIDTH;
          int n = cellw - runes(cell);
          out.append("\t".repeat((n + TAB_WIDTH - 1) / TAB_WIDTH));
        }
      }
      out.append('\n');
    }
  }

  private static int runes(String s) {
    return s.codePointCount(0, s.length());
  }
}
