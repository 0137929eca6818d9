package io.etcdj.etcdctl.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs one command line against a command tree the way cobra does for etcdctl: find the command
 * (flags may come before it; a unique prefix names a command), parse its flags, print help on
 * {@code -h} or for a command that only groups others, run it, and turn a {@link CtlException}
 * into {@code Error: ...} and an exit code.
 */
public final class Runner {
  private Runner() {}

  public static int run(Command root, List<String> args, Io io, Invocation.ClientFactory clients) {
    Command cmd = root;
    List<String> rest = new ArrayList<>(args);
    // cobra's Find: strip flags, the first remaining word names a subcommand.
    while (true) {
      List<String> words = stripFlags(rest, cmd);
      if (words.isEmpty()) {
        break;
      }
      Command next = cmd.findSub(words.get(0));
      if (next == null) {
        if (cmd.parent() == null && !cmd.subs().isEmpty()) {
          String msg = "unknown command " + GoQuote.quote(words.get(0)) + " for " + GoQuote.quote(cmd.path())
              + Suggest.suggestions(cmd, words.get(0));
          io.err().println("Error: " + msg);
          io.err().println("Run '" + cmd.path() + " --help' for usage.");
          io.err().println("Error: " + msg);
          return ExitCode.ERROR;
        }
        break;
      }
      rest.remove(words.get(0));
      cmd = next;
    }
    if (cmd.name().equals("help") && cmd.parent() == root) {
      return help(root, rest, io);
    }
    cmd.ensureHelpFlag();
    FlagSet flags = new FlagSet();
    for (Flag f : cmd.allLocalFlags().sorted()) {
      flags.add(f.copy());
    }
    for (Flag f : cmd.inheritedFlags().sorted()) {
      flags.add(f.copy());
    }
    List<String> positional;
    try {
      positional = flags.parse(rest);
    } catch (FlagException e) {
      io.err().println("Error: " + e.getMessage());
      io.err().println();
      io.out().print(Usage.of(cmd));
      io.err().println("Error: " + e.getMessage());
      return ExitCode.ERROR;
    }
    if ((Boolean) flags.get("help").value() || !cmd.runnable()) {
      io.out().print(Usage.of(cmd));
      return ExitCode.SUCCESS;
    }
    try (Invocation inv = new Invocation(cmd, flags, positional, args, StandardCharsets.UTF_8, io, clients)) {
      cmd.runnerFn().run(inv);
      return ExitCode.SUCCESS;
    } catch (CtlException e) {
      io.err().println("Error: " + e.getMessage());
      return e.exitCode();
    } catch (CtlException.Silent e) {
      return e.exitCode();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      io.err().println("Error: interrupted");
      return ExitCode.INTERRUPTED;
    } catch (Exception e) {
      io.err().println("Error: " + e);
      return ExitCode.ERROR;
    } finally {
      io.out().flush();
      io.err().flush();
    }
  }

  /** cobra's help command: the usage of the named command, or the root's. */
  private static int help(Command root, List<String> args, Io io) {
    Command cmd = root;
    List<String> words = stripFlags(args, root);
    for (String w : words) {
      Command next = cmd.findSub(w);
      if (next == null && cmd != root) {
        break; // cobra's Find stops at the deepest command; the rest are its arguments
      }
      if (next == null) {
        io.err().println("Unknown help topic " + goSliceBackquoted(words));
        io.out().print(Usage.of(root));
        return ExitCode.SUCCESS;
      }
      cmd = next;
    }
    cmd.ensureHelpFlag();
    io.out().print(Usage.of(cmd));
    return ExitCode.SUCCESS;
  }

  /** Go's %#q of a []string: each word backquoted when it can be, else double-quoted. */
  private static String goSliceBackquoted(List<String> words) {
    StringBuilder sb = new StringBuilder("[");
    for (int i = 0; i < words.size(); i++) {
      String w = words.get(i);
      sb.append(i > 0 ? " " : "");
      boolean plain = w.chars().allMatch(c -> c >= 0x20 && c != 0x7f && c != '`') ;
      sb.append(plain ? "`" + w + "`" : GoQuote.quote(w));
    }
    return sb.append(']').toString();
  }

  /** cobra's stripFlags: the words that are not flags or flag values. */
  static List<String> stripFlags(List<String> args, Command cmd) {
    FlagSet known = new FlagSet();
    for (Flag f : cmd.allLocalFlags().sorted()) {
      known.add(f);
    }
    for (Flag f : cmd.inheritedFlags().sorted()) {
      known.add(f);
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        break;
      }
      if (a.startsWith("-") && a.length() > 1) {
        if (known.takesNextValue(a)) {
          i++;
        }
        continue;
      }
      out.add(a);
    }
    return out;
  }
}
