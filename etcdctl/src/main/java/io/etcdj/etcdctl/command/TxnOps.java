package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.etcdctl.cli.CobraUsage;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.FlagException;
import io.etcdj.etcdctl.cli.FlagSet;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.Io;
import io.etcdj.etcdctl.cli.LineReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/**
 * One request line of txn's input (txn_command.go parseRequestUnion). etcdctl runs the line as a
 * command line of a nameless cobra root holding fresh get, put and del commands, so the line takes
 * those commands' flags and argument checks (their errors end etcdctl with their exit codes); a
 * flag error prints the command's cobra usage on stderr; an unknown command is an invalid request.
 * Where cobra prints help instead of running the command (-h, "help"), etcdctl then waits forever
 * for the request; so does this, until interrupted.
 */
final class TxnOps {
  private TxnOps() {}

  /** The root's usage page: its commands (cobra adds completion and help) and its help flag. */
  static final String ROOT_USAGE =
      "Usage:\n"
          + "   [command]\n\n"
          + "Available Commands:\n"
          + "  completion  Generate the autocompletion script for the specified shell\n"
          + "  del         Removes the specified key or range of keys [key, range_end)\n"
          + "  get         Gets the key or a range of keys\n"
          + "  help        Help about any command\n"
          + "  put         Puts the given key into the store\n\n"
          + "Flags:\n"
          + "  -h, --help   help for this command\n\n"
          + "Use \" [command] --help\" for more information about a command.\n";

  private static final List<String> NAMES = List.of("completion", "del", "get", "help", "put");

  /**
   * Parses a trimmed byte-string line; {@code stdin} is what is left of the input ({@code put
   * <key>} reads its value from there, as etcdctl's does from os.Stdin).
   */
  static RequestOp parse(String line, Io io, InputStream stdin) throws IOException, InterruptedException {
    List<String> args = Argify.words(line, io);
    if (args.size() < 2) {
      throw invalid("invalid txn compare request: " + line);
    }
    List<String> words = stripFlags(args);
    if (words.isEmpty()) {
      return root(line, args, io);
    }
    String name = find(words.get(0));
    if (name == null || name.equals("completion")) {
      throw invalid("invalid txn request: " + line);
    }
    List<String> rest = minusFirst(args, words.get(0));
    if (name.equals("help")) {
      List<String> topic = stripFlags(rest);
      String found = topic.isEmpty() ? "" : find(topic.get(0));
      if (topic.isEmpty()) {
        io.out().print(ROOT_USAGE);
      } else if (found == null || found.equals("help") || found.equals("completion")) {
        io.err().print("Unknown help topic [`" + String.join("` `", topic) + "`]\n" + ROOT_USAGE);
      } else {
        io.out().print(CobraUsage.help(command(found)));
      }
      throw waitForever(io);
    }
    Command cmd = command(name);
    FlagSet flags = cmd.newFlagSet();
    List<String> positional;
    try {
      positional = flags.parse(rest);
    } catch (FlagException e) {
      io.err().print(CobraUsage.usage(cmd) + "\n");
      throw invalid("invalid txn request: " + line);
    }
    Invocation inv = Invocation.nested(cmd, flags, positional, new Io(stdin, io.out(), io.err(), io.env(), io.interrupt()));
    if (inv.bool("help")) {
      io.out().print(CobraUsage.help(cmd));
      throw waitForever(io);
    }
    switch (name) {
      case "get":
        return RequestOp.newBuilder().setRequestRange(KvCommands.getRequest(inv)).build();
      case "put":
        return RequestOp.newBuilder().setRequestPut(KvCommands.putRequest(inv)).build();
      default:
        return RequestOp.newBuilder().setRequestDeleteRange(KvCommands.delRequest(inv)).build();
    }
  }

  /** A line of flags only: the root parses them and, having no action, prints its help. */
  private static RequestOp root(String line, List<String> args, Io io) throws InterruptedException {
    FlagSet flags = new Command("", "").newFlagSet();
    try {
      flags.parse(args);
    } catch (FlagException e) {
      io.err().print(ROOT_USAGE + "\n");
      throw invalid("invalid txn request: " + line);
    }
    io.out().print(ROOT_USAGE);
    throw waitForever(io);
  }

  private static Command command(String name) {
    switch (name) {
      case "get":
        return KvCommands.get();
      case "put":
        return KvCommands.put();
      default:
        return KvCommands.del();
    }
  }

  /** cobra's findNext with etcdctl's prefix matching: an exact name, else a unique prefix. */
  private static String find(String word) {
    String match = null;
    for (String n : NAMES) {
      if (n.equals(word)) {
        return n;
      }
      if (n.startsWith(word)) {
        if (match != null) {
          return null;
        }
        match = n;
      }
    }
    return match;
  }

  /** cobra's stripFlags with the root's only flag, -h/--help: the words that may name commands. */
  private static List<String> stripFlags(List<String> args) {
    List<String> words = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String s = args.get(i);
      if (s.equals("--")) {
        break;
      }
      if (takesValue(s)) {
        if (args.size() - (i + 1) <= 1) {
          break;
        }
        i++;
        continue;
      }
      if (!s.isEmpty() && !s.startsWith("-")) {
        words.add(s);
      }
    }
    return words;
  }

  /** cobra's argsMinusFirstX: the args without the first word equal to x. */
  private static List<String> minusFirst(List<String> args, String x) {
    for (int i = 0; i < args.size(); i++) {
      String s = args.get(i);
      if (s.equals("--")) {
        break;
      }
      if (takesValue(s)) {
        i++;
        continue;
      }
      if (!s.startsWith("-") && s.equals(x)) {
        List<String> out = new ArrayList<>(args.subList(0, i));
        out.addAll(args.subList(i + 1, args.size()));
        return out;
      }
    }
    return args;
  }

  /** A flag the root does not know as a bool, so cobra takes the next word as its value. */
  private static boolean takesValue(String s) {
    if (s.startsWith("--") && !s.contains("=")) {
      return !s.substring(2).equals("help");
    }
    return s.startsWith("-") && !s.contains("=") && s.length() == 2 && !s.equals("-h");
  }

  private static CtlException.Silent waitForever(Io io) throws InterruptedException {
    io.out().flush();
    try {
      io.interrupt().get();
    } catch (ExecutionException e) {
      // interrupted either way
    }
    return new CtlException.Silent(130);
  }

  private static CtlException invalid(String byteStringMessage) {
    return new CtlException(ExitCode.INVALID_INPUT, LineReader.text(byteStringMessage));
  }
}
