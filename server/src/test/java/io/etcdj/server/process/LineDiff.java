package io.etcdj.server.process;

import java.util.ArrayList;
import java.util.List;

/**
 * A small line diff (longest common subsequence) that prints differing lines with a few lines of context, marked
 * {@code -} for the expected side and {@code +} for the actual side. Inputs are transcripts of a few hundred lines.
 */
final class LineDiff {

  static final int CONTEXT_LINES = 3;
  static final int LINES_MAX = 4_000;

  private LineDiff() {}

  /** Returns "" when equal, otherwise the diff text. */
  static String diff(List<String> expected, List<String> actual, String expectedLabel, String actualLabel) {
    if (expected.equals(actual)) {
      return "";
    }
    if (expected.size() > LINES_MAX || actual.size() > LINES_MAX) {
      throw new IllegalArgumentException("transcript too long to diff: " + expected.size() + "/" + actual.size());
    }
    int n = expected.size();
    int m = actual.size();
    int[][] lcs = new int[n + 1][m + 1];
    for (int i = n - 1; i >= 0; i--) {
      for (int j = m - 1; j >= 0; j--) {
        lcs[i][j] =
            expected.get(i).equals(actual.get(j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
      }
    }
    List<String> ops = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && expected.get(i).equals(actual.get(j))) {
        ops.add("  " + expected.get(i));
        i++;
        j++;
      } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
        ops.add("- " + expected.get(i));
        i++;
      } else {
        ops.add("+ " + actual.get(j));
        j++;
      }
    }
    StringBuilder sb = new StringBuilder("--- " + expectedLabel + "\n+++ " + actualLabel + "\n");
    boolean[] shown = new boolean[ops.size()];
    for (int k = 0; k < ops.size(); k++) {
      if (!ops.get(k).startsWith("  ")) {
        for (int p = Math.max(0, k - CONTEXT_LINES); p <= Math.min(ops.size() - 1, k + CONTEXT_LINES); p++) {
          shown[p] = true;
        }
      }
    }
    for (int k = 0; k < ops.size(); k++) {
      if (shown[k]) {
        if (k > 0 && !shown[k - 1]) {
          sb.append("@@\n");
        }
        sb.append(ops.get(k)).append('\n');
      }
    }
    return sb.toString();
  }
}
