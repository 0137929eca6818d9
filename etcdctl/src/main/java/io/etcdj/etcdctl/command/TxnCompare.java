package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoParse;
import io.etcdj.etcdctl.cli.GoPanic;
import io.etcdj.etcdctl.cli.GoQuote;
import io.etcdj.etcdctl.cli.GoUnquote;
import io.etcdj.etcdctl.cli.Io;
import io.etcdj.etcdctl.cli.LineReader;

/**
 * One compare line of txn's input (txn_command.go parseCompare): {@code target("key") op "value"}.
 * The part after '(' is read as Go's {@code fmt.Sscanf(s, "%q) %s %q", ...)} reads it, because its
 * partial results show in the error message; then clientv3.Compare builds the comparison, and
 * panics, as it does there, on an operator other than = != < > and on any lease comparison (it is
 * handed a string where it wants a number).
 */
final class TxnCompare {
  private TxnCompare() {}

  /** Parses a trimmed byte-string line (see LineReader). */
  static Compare parse(String line, Io io) {
    int paren = line.indexOf('(');
    if (paren < 0) {
      throw invalid("malformed comparison: " + line);
    }
    String target = line.substring(0, paren);
    Scan scan = new Scan(line.substring(paren + 1));
    scan.run();
    if (scan.count != 3) {
      throw invalid("malformed comparison: " + line + "; got " + target + "(" + quote(scan.key) + ") " + scan.op + " "
          + quote(scan.val));
    }
    Compare.Builder b = Compare.newBuilder();
    switch (target) {
      case "ver":
      case "version":
        b.setTarget(Compare.CompareTarget.VERSION).setKey(key(scan.key)).setVersion(number(line, scan.val));
        break;
      case "c":
      case "create":
        b.setTarget(Compare.CompareTarget.CREATE).setKey(key(scan.key)).setCreateRevision(number(line, scan.val));
        break;
      case "m":
      case "mod":
        b.setTarget(Compare.CompareTarget.MOD).setKey(key(scan.key)).setModRevision(number(line, scan.val));
        break;
      case "val":
      case "value":
        b.setTarget(Compare.CompareTarget.VALUE).setKey(key(scan.key)).setValue(key(scan.val));
        break;
      case "lease":
        result(scan.op, io);
        throw GoPanic.panic(io, "bad value");
      default:
        throw invalid("malformed comparison: " + line + " (unknown target " + target + ")");
    }
    return b.setResult(result(scan.op, io)).build();
  }

  private static long number(String line, String val) {
    try {
      return GoParse.parseDecimal(val);
    } catch (IllegalArgumentException e) {
      throw invalid("invalid txn compare request: " + line);
    }
  }

  /** clientv3.Compare's operator, or its panic. */
  private static Compare.CompareResult result(String op, Io io) {
    switch (op) {
      case "=":
        return Compare.CompareResult.EQUAL;
      case "!=":
        return Compare.CompareResult.NOT_EQUAL;
      case ">":
        return Compare.CompareResult.GREATER;
      case "<":
        return Compare.CompareResult.LESS;
      default:
        throw GoPanic.panic(io, "Unknown result op");
    }
  }

  private static ByteString key(String byteString) {
    return ByteString.copyFrom(LineReader.bytes(byteString));
  }

  private static String quote(String byteString) {
    return GoQuote.quote(LineReader.bytes(byteString));
  }

  private static CtlException invalid(String byteStringMessage) {
    return new CtlException(ExitCode.INVALID_INPUT, LineReader.text(byteStringMessage));
  }

  /**
   * fmt's scanner on "%q) %s %q": each verb skips leading spaces; ")" must be the next char; a
   * space in the format needs at least one space in the input (or its end). {@code count} is how
   * many verbs succeeded before the first failure, and only those have their values set.
   */
  private static final class Scan {
    private final String in;
    private int pos;
    int count;
    String key = "";
    String op = "";
    String val = "";

    Scan(String in) {
      this.in = in;
    }

    void run() {
      String k = quoted();
      if (k == null) {
        return;
      }
      key = k;
      count = 1;
      if (pos >= in.length() || in.charAt(pos) != ')') {
        return;
      }
      pos++;
      if (!formatSpace()) {
        return;
      }
      skipSpace();
      if (pos >= in.length()) {
        return;
      }
      int start = pos;
      while (pos < in.length() && !isSpace(in.charAt(pos))) {
        pos++;
      }
      op = in.substring(start, pos);
      count = 2;
      if (!formatSpace()) {
        return;
      }
      String v = quoted();
      if (v == null) {
        return;
      }
      val = v;
      count = 3;
    }

    private boolean formatSpace() {
      if (pos < in.length() && !isSpace(in.charAt(pos))) {
        return false;
      }
      skipSpace();
      return true;
    }

    /** %q: a "Go string" or a `raw string`; null where fmt fails. */
    private String quoted() {
      skipSpace();
      if (pos >= in.length()) {
        return null;
      }
      char q = in.charAt(pos);
      if (q == '`') {
        int close = in.indexOf('`', pos + 1);
        if (close < 0) {
          return null;
        }
        String s = in.substring(pos + 1, close);
        pos = close + 1;
        return s;
      }
      if (q != '"') {
        return null;
      }
      int i = pos + 1;
      while (true) {
        if (i >= in.length()) {
          return null;
        }
        char c = in.charAt(i);
        if (c == '\\') {
          if (i + 1 >= in.length()) {
            return null;
          }
          i += 2;
          continue;
        }
        i++;
        if (c == '"') {
          break;
        }
      }
      String token = in.substring(pos, i);
      pos = i;
      try {
        return GoUnquote.unquote(token);
      } catch (GoUnquote.SyntaxException e) {
        return null;
      }
    }

    private void skipSpace() {
      while (pos < in.length() && isSpace(in.charAt(pos))) {
        pos++;
      }
    }

    private static boolean isSpace(char c) {
      return c == ' ' || c == '\t' || c == '\n' || c == 11 || c == '\f' || c == '\r';
    }
  }
}
