package io.etcdj.etcdctl.cli;

/** cobra's "Did you mean this?" for an unknown command: Levenshtein distance ≤ 2 or a prefix. */
final class Suggest {
  private Suggest() {}

  static String suggestions(Command cmd, String typed) {
    StringBuilder sb = new StringBuilder();
    for (Command c : cmd.subs()) {
      if (!c.runnable() && c.subs().isEmpty()) {
        continue;
      }
      boolean close = distance(typed.toLowerCase(java.util.Locale.ROOT), c.name().toLowerCase(java.util.Locale.ROOT)) <= 2
          || c.name().toLowerCase(java.util.Locale.ROOT).startsWith(typed.toLowerCase(java.util.Locale.ROOT));
      if (close) {
        sb.append('\t').append(c.name()).append('\n');
      }
    }
    return sb.length() == 0 ? "" : "\n\nDid you mean this?\n" + sb;
  }

  private static int distance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
