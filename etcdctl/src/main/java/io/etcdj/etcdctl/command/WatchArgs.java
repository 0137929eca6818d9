package io.etcdj.etcdctl.command;

import com.google.protobuf.ByteString;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.FlagException;
import io.etcdj.etcdctl.cli.FlagSet;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.LineReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * etcdctl watch's parseWatchArgs (watch_command.go): splits a watch command line into the watched
 * key and range end, the options, and the command to run per event (after "--"), and applies
 * ETCDCTL_WATCH_KEY / ETCDCTL_WATCH_RANGE_END. Its checks, messages and quirks are etcdctl's: the
 * exec command is cut off the positional arguments at the last word equal to its first word.
 */
record WatchArgs(
    List<String> watchArgs, List<String> execArgs, boolean prefix, long rev, boolean prevKv, boolean progressNotify, boolean fromInput) {

  static final String BAD_ARGS_NUM = "bad number of arguments";
  static final String CONFLICT_ENV = "bad number of arguments (found conflicting environment key)";
  static final String SEPARATOR = "bad number of arguments (found separator --, but no commands)";

  /** A command line: {@code raw} is everything after the program name, {@code args} cobra's positional arguments. */
  static WatchArgs ofCommandLine(Invocation inv, List<String> raw, List<String> args, String envKey, String envRange) {
    List<String> rawArgs = raw;
    int w = raw.indexOf("watch");
    if (w >= 0) {
      rawArgs = raw.subList(w + 1, raw.size());
    }
    int execIdx = rawArgs.indexOf("--");
    boolean execExist = execIdx >= 0;
    if (execExist && execIdx == rawArgs.size() - 1) {
      throw badArgs(SEPARATOR);
    }
    if (!execExist && rawArgs.isEmpty() && envKey.isEmpty()) {
      throw badArgs(BAD_ARGS_NUM);
    }
    if (execExist && !envKey.isEmpty()) {
      int ridx = rawArgs.size() - 1;
      for (int widx = args.size() - 1; widx >= 0 && ridx >= 0; widx--) {
        if (args.get(widx).equals(rawArgs.get(ridx))) {
          ridx--;
          continue;
        }
        if (ridx == execIdx) {
          throw badArgs(CONFLICT_ENV);
        }
      }
    }
    if (!execExist && !args.isEmpty() && !envKey.isEmpty()) {
      throw badArgs(CONFLICT_ENV);
    }
    List<String> exec = execExist ? rawArgs.subList(execIdx + 1, rawArgs.size()) : List.of();
    List<String> watchArgs = withEnv(args, envKey, envRange);
    if (execExist) {
      watchArgs = cutExec(watchArgs, exec.get(0));
    }
    return new WatchArgs(watchArgs, exec, inv.bool("prefix"), inv.int64("rev"), inv.bool("prev-kv"), inv.bool("progress-notify"), false);
  }

  /** A "watch ..." line of -i mode ({@code words} starts with "watch"); its flags are its own. */
  static WatchArgs ofLine(List<String> words, String envKey, String envRange) {
    List<String> watchArgs = words.subList(1, words.size());
    int execIdx = watchArgs.indexOf("--");
    boolean execExist = execIdx >= 0;
    if (execExist && execIdx == watchArgs.size() - 1) {
      throw badArgs(SEPARATOR);
    }
    Invocation line = parse(watchArgs);
    List<String> positional = line.args();
    if (!execExist && envKey.isEmpty() && positional.isEmpty()) {
      throw badArgs(BAD_ARGS_NUM);
    }
    if (!execExist && !positional.isEmpty() && !envKey.isEmpty()) {
      throw badArgs(CONFLICT_ENV);
    }
    List<String> exec = execExist ? watchArgs.subList(execIdx + 1, watchArgs.size()) : List.of();
    List<String> args = withEnv(positional, envKey, envRange);
    if (execExist) {
      args = cutExec(args, exec.get(0));
    }
    return new WatchArgs(args, exec, line.bool("prefix"), line.int64("rev"), line.bool("prev-kv"), line.bool("progress-notify"), true);
  }

  /** The watch command's own flags (no -h: a "help" there is pflag's "help requested" error). */
  private static Invocation parse(List<String> words) {
    Command cmd = WatchCommand.watch();
    FlagSet flags = cmd.localFlags();
    try {
      List<String> positional = flags.parse(words);
      return Invocation.nested(cmd, flags, positional, null);
    } catch (FlagException.Help e) {
      throw badArgs("pflag: help requested");
    } catch (FlagException e) {
      throw badArgs(e.getMessage());
    }
  }

  /** A word's bytes: words read from input are byte strings (see LineReader), others text. */
  ByteString bytes(String word) {
    return ByteString.copyFrom(word.getBytes(fromInput ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8));
  }

  /** The command to run per event, as text. */
  List<String> execText() {
    List<String> out = new ArrayList<>();
    for (String w : execArgs) {
      out.add(fromInput ? LineReader.text(w) : w);
    }
    return out;
  }

  private static List<String> withEnv(List<String> args, String envKey, String envRange) {
    if (envKey.isEmpty()) {
      return args;
    }
    List<String> out = new ArrayList<>();
    out.add(envKey);
    if (!envRange.isEmpty()) {
      out.add(envRange);
    }
    out.addAll(args);
    return out;
  }

  /** The positional words before the last one equal to the exec command's first word. */
  private static List<String> cutExec(List<String> args, String first) {
    int end = args.lastIndexOf(first);
    return end < 0 ? args : args.subList(0, end);
  }

  private static CtlException badArgs(String message) {
    return new CtlException(ExitCode.BAD_ARGS, message);
  }
}
