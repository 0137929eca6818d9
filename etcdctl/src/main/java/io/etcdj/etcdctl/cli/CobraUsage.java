package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * cobra's default help and usage pages with pflag's FlagUsages, which etcdctl shows where it runs
 * a command under a bare, nameless cobra root of its own (txn's op lines are get/put/del command
 * lines): the command path is then " put", the usage line "   put ... [flags]".
 */
public final class CobraUsage {
  private CobraUsage() {}

  /** The usage page of {@code cmd} under a nameless root (cobra's UsageString). */
  public static String usage(Command cmd) {
    StringBuilder sb = new StringBuilder("Usage:\n  ");
    String line = " " + cmd.use();
    if (!line.contains("[flags]")) {
      line += " [flags]";
    }
    sb.append(line).append("\n\nFlags:\n");
    sb.append(trimTrailing(flagUsages(cmd.newFlagSet()))).append('\n');
    return sb.toString();
  }

  /** The help page (-h): the long description, else the short one, then the usage page. */
  public static String help(Command cmd) {
    String text = cmd.longDesc().isEmpty() ? cmd.shortDesc() : cmd.longDesc();
    return trimTrailing(text) + "\n\n" + usage(cmd);
  }

  /** pflag's FlagUsages: names, a type word, usage aligned one column after the longest name. */
  static String flagUsages(FlagSet fs) {
    List<String> lines = new ArrayList<>();
    int max = 0;
    for (Flag f : fs.sorted()) {
      if (f.hidden()) {
        continue;
      }
      String line = f.shorthand().isEmpty() ? "      --" + f.name() : "  -" + f.shorthand() + ", --" + f.name();
      String usage = f.usage();
      String varname = typeWord(f.type());
      int open = usage.indexOf('`');
      if (open >= 0) {
        int close = usage.indexOf('`', open + 1);
        if (close >= 0) {
          varname = usage.substring(open + 1, close);
          usage = usage.substring(0, open) + varname + usage.substring(close + 1);
        }
      }
      if (!varname.isEmpty()) {
        line += " " + varname;
      }
      line += "\0";
      max = Math.max(max, line.length());
      line += usage;
      if (!isZeroDefault(f)) {
        line += f.type() == Flag.Type.STRING ? " (default " + GoQuote.quote(f.defValue()) + ")" : " (default " + f.defValue() + ")";
      }
      lines.add(line);
    }
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      int sidx = line.indexOf('\0');
      sb.append(line, 0, sidx).append(' ').append(" ".repeat(max - sidx)).append(' ').append(line.substring(sidx + 1)).append('\n');
    }
    return sb.toString();
  }

  private static String typeWord(Flag.Type t) {
    switch (t) {
      case BOOL:
        return "";
      case INT:
      case INT64:
        return "int";
      case UINT64:
        return "uint";
      case STRING_SLICE:
        return "strings";
      default:
        return t.goName;
    }
  }

  private static boolean isZeroDefault(Flag f) {
    switch (f.type()) {
      case BOOL:
        return f.defValue().equals("false");
      case STRING:
        return f.defValue().isEmpty();
      case DURATION:
        return f.defValue().equals("0") || f.defValue().equals("0s");
      case STRING_SLICE:
        return f.defValue().equals("[]");
      default:
        return f.defValue().equals("0");
    }
  }

  private static String trimTrailing(String s) {
    int end = s.length();
    while (end > 0 && Character.isWhitespace(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, end);
  }
}
