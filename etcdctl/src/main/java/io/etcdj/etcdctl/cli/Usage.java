package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * etcdctl's help page for a command (its ctlv3 usage template), laid out by {@link TabWriter}:
 * NAME, USAGE, VERSION (root), API VERSION and COMMANDS (commands with subcommands), DESCRIPTION,
 * OPTIONS and GLOBAL OPTIONS, with pflag's flag lines.
 */
public final class Usage {
  private Usage() {}

  public static String of(Command cmd) {
    StringBuilder t = new StringBuilder();
    t.append("NAME:\n");
    if (cmd.parent() == null) {
      t.append('\t').append(cmd.name()).append(" - ").append(cmd.shortDesc()).append('\n');
    } else {
      t.append('\t').append(relativeName(cmd, cmd.root())).append(" - ").append(cmd.shortDesc()).append('\n');
    }
    t.append("\nUSAGE:\n\t").append(cmd.useLine()).append('\n');
    if (cmd.parent() == null) {
      t.append("\nVERSION:\n\t").append(Versions.CLIENT).append('\n');
    }
    if (!cmd.subs().isEmpty()) {
      t.append("\nAPI VERSION:\n\t").append(Versions.API).append('\n');
      t.append("\n\nCOMMANDS:\n");
      for (Command sub : allSubs(cmd)) {
        if (sub.runnable()) {
          t.append('\t').append(relativeName(sub, cmd)).append('\t').append(sub.shortDesc()).append('\n');
        }
      }
    }
    if (!cmd.longDesc().isEmpty()) {
      t.append("\nDESCRIPTION:\n");
      for (String line : trim(cmd.longDesc()).split("\n", -1)) {
        t.append('\t').append(line).append('\n');
      }
    }
    FlagSet local = cmd.allLocalFlags();
    if (!local.isEmpty()) {
      t.append("\nOPTIONS:\n").append(flagLines(local));
    }
    FlagSet inherited = cmd.inheritedFlags();
    if (!inherited.isEmpty()) {
      t.append("\nGLOBAL OPTIONS:\n").append(flagLines(inherited));
    }
    t.append('\n');
    return TabWriter.format(t.toString());
  }

  /** Go's strings.Trim(s, "\n\t "). */
  private static String trim(String s) {
    int a = 0;
    int b = s.length();
    while (a < b && "\n\t ".indexOf(s.charAt(a)) >= 0) {
      a++;
    }
    while (b > a && "\n\t ".indexOf(s.charAt(b - 1)) >= 0) {
      b--;
    }
    return s.substring(a, b);
  }

  /** The ctlv3 template's cmdName: the command's path below {@code start}. */
  private static String relativeName(Command cmd, Command start) {
    List<String> parts = new ArrayList<>();
    parts.add(cmd.name());
    Command c = cmd;
    while (c.parent() != null && !c.parent().name().equals(start.name())) {
      c = c.parent();
      parts.add(0, c.name());
    }
    return String.join(" ", parts);
  }

  private static List<Command> allSubs(Command cmd) {
    List<Command> out = new ArrayList<>();
    for (Command sub : cmd.subs()) {
      out.add(sub);
      out.addAll(allSubs(sub));
    }
    return out;
  }

  static String flagLines(FlagSet fs) {
    StringBuilder sb = new StringBuilder();
    for (Flag f : fs.sorted()) {
      if (f.hidden()) {
        continue;
      }
      if (!f.shorthand().isEmpty()) {
        sb.append("  -").append(f.shorthand()).append(", --").append(f.name());
      } else {
        sb.append("      --").append(f.name());
      }
      boolean noOpt = f.noOptAllowed();
      if (noOpt) {
        sb.append('[');
      }
      sb.append('=');
      sb.append(f.type() == Flag.Type.STRING ? GoQuote.quote(f.defValue()) : f.defValue());
      if (noOpt) {
        sb.append(']');
      }
      sb.append('\t').append(f.usage()).append('\n');
    }
    return sb.toString();
  }
}
