package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoPanic;
import io.etcdj.etcdctl.cli.GoUnquote;
import io.etcdj.etcdctl.cli.Io;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * etcdctl's argify (ctlv3/command/util.go): how txn and watch -i split an input line into words.
 * A "double-quoted" word is unquoted as Go's %q scan does; a 'single-quoted' word is cut with the
 * number of words where its own length belongs, as etcdctl does (so 'ab' loses letters when the
 * line has few words, and a slice past its end is Go's runtime panic).
 */
final class Argify {
  private Argify() {}

  /** etcdctl's regexp with RE2's \s ([\t\n\f\r ]) and '.' (anything but \n) spelled out. */
  private static final Pattern WORD =
      Pattern.compile("\"(?:[^\"\\\\]|\\\\[^\\n])*\"|'[^']*'|[^'\"\\t\\n\\f\\r ][^\\t\\n\\f\\r ]*[^'\"\\t\\n\\f\\r ]?");

  /** The words of a byte-string line (see LineReader). */
  static List<String> words(String line, Io io) {
    List<String> words = new ArrayList<>();
    Matcher m = WORD.matcher(line);
    while (m.find()) {
      words.add(m.group());
    }
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      if (w.charAt(0) == '\'') {
        int end = words.size() - 1;
        if (end < 1) {
          throw GoPanic.panic(io, "runtime error: slice bounds out of range [1:" + end + "]");
        }
        if (end > w.length()) {
          throw GoPanic.panic(io, "runtime error: slice bounds out of range [:" + end + "] with length " + w.length());
        }
        words.set(i, w.substring(1, end));
      } else if (w.charAt(0) == '"') {
        try {
          words.set(i, GoUnquote.unquote(w));
        } catch (GoUnquote.SyntaxException e) {
          throw new CtlException(ExitCode.INVALID_INPUT, e.getMessage());
        }
      }
    }
    return words;
  }
}
