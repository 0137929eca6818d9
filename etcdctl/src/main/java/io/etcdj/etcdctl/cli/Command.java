package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * One node of the command tree, shaped like a cobra command: a use line (its first word is the
 * name), a short and a long description, local flags, subcommands and, when runnable, a runner.
 * The root also holds the persistent (global) flags every command inherits.
 *
 * <p>A tree is built fresh for each run (see {@link Ctl}) and confined to that run's thread.
 */
public final class Command {

  /** What a runnable command does; it reports failure by throwing {@link CtlException}. */
  @FunctionalInterface
  public interface Runner {
    void run(Invocation inv) throws Exception;
  }

  private final String use;
  private final String shortDesc;
  private String longDesc = "";
  private final FlagSet local = new FlagSet();
  private final FlagSet persistent = new FlagSet();
  private final List<Command> subs = new ArrayList<>();
  private Runner runner;
  private Command parent;
  private boolean flagsInUseLine = true;

  public Command(String use, String shortDesc) {
    this.use = use;
    this.shortDesc = shortDesc;
  }

  public Command longDesc(String text) {
    this.longDesc = text;
    return this;
  }

  /** cobra's DisableFlagsInUseLine: the use line gets no " [flags]" (cobra's own completion bash has it). */
  public Command disableFlagsInUseLine() {
    this.flagsInUseLine = false;
    return this;
  }

  public Command runner(Runner r) {
    this.runner = r;
    return this;
  }

  public Command add(Command... children) {
    for (Command c : children) {
      c.parent = this;
      subs.add(c);
    }
    return this;
  }

  public String name() {
    int sp = use.indexOf(' ');
    return sp < 0 ? use : use.substring(0, sp);
  }

  public String use() {
    return use;
  }

  public String shortDesc() {
    return shortDesc;
  }

  public String longDesc() {
    return longDesc;
  }

  public Command parent() {
    return parent;
  }

  public boolean runnable() {
    return runner != null;
  }

  Runner runnerFn() {
    return runner;
  }

  /** Subcommands sorted by name, as cobra lists them. */
  public List<Command> subs() {
    List<Command> out = new ArrayList<>(subs);
    out.sort(Comparator.comparing(Command::name));
    return out;
  }

  public FlagSet localFlags() {
    return local;
  }

  FlagSet persistentFlags() {
    return persistent;
  }

  public Command root() {
    Command c = this;
    while (c.parent != null) {
      c = c.parent;
    }
    return c;
  }

  /** "etcdctl lease grant". */
  public String path() {
    return parent == null ? name() : parent.path() + " " + name();
  }

  // ---- flag builders (pflag's XxxVar/XxxVarP) ----

  public Command boolFlag(String name, boolean def, String usage) {
    return flag(name, "", Flag.Type.BOOL, Boolean.toString(def), usage);
  }

  public Command boolFlag(String name, String shorthand, boolean def, String usage) {
    return flag(name, shorthand, Flag.Type.BOOL, Boolean.toString(def), usage);
  }

  public Command stringFlag(String name, String def, String usage) {
    return flag(name, "", Flag.Type.STRING, def, usage);
  }

  public Command stringFlag(String name, String shorthand, String def, String usage) {
    return flag(name, shorthand, Flag.Type.STRING, def, usage);
  }

  public Command intFlag(String name, long def, String usage) {
    return flag(name, "", Flag.Type.INT, Long.toString(def), usage);
  }

  public Command int64Flag(String name, long def, String usage) {
    return flag(name, "", Flag.Type.INT64, Long.toString(def), usage);
  }

  public Command uint64Flag(String name, long def, String usage) {
    return flag(name, "", Flag.Type.UINT64, Long.toUnsignedString(def), usage);
  }

  public Command durationFlag(String name, long defNanos, String usage) {
    return flag(name, "", Flag.Type.DURATION, GoDuration.format(defNanos), usage);
  }

  public Command stringSliceFlag(String name, List<String> def, String usage) {
    return flag(name, "", Flag.Type.STRING_SLICE, "[" + String.join(",", def) + "]", usage);
  }

  public Command flag(String name, String shorthand, Flag.Type type, String def, String usage) {
    local.add(new Flag(name, shorthand, type, def, usage, false));
    return this;
  }

  /** A persistent flag: inherited by every subcommand (etcdctl's global options). */
  public Command persistentFlag(String name, String shorthand, Flag.Type type, String def, String usage) {
    persistent.add(new Flag(name, shorthand, type, def, usage, false));
    return this;
  }

  /** Flags inherited from ancestors' persistent sets. */
  public FlagSet inheritedFlags() {
    FlagSet fs = new FlagSet();
    for (Command c = parent; c != null; c = c.parent) {
      for (Flag f : c.persistent.sorted()) {
        if (fs.get(f.name()) == null) {
          fs.add(f);
        }
      }
    }
    return fs;
  }

  /** Local flags as cobra's LocalFlags() lists them: the command's own, its persistent ones and "help". */
  public FlagSet allLocalFlags() {
    FlagSet fs = new FlagSet();
    for (Flag f : local.sorted()) {
      fs.add(f);
    }
    for (Flag f : persistent.sorted()) {
      fs.add(f);
    }
    return fs;
  }

  /** cobra's UseLine: the parent's path, the use text, and " [flags]" when the command has flags. */
  public String useLine() {
    String line = parent == null ? use : parent.path() + " " + use;
    if (flagsInUseLine && !line.contains("[flags]")) {
      line += " [flags]";
    }
    return line;
  }

  /** cobra's findNext: an exact name, else a unique prefix (etcdctl turns prefix matching on). */
  Command findSub(String name) {
    for (Command c : subs) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    Command match = null;
    for (Command c : subs) {
      if (c.name().startsWith(name)) {
        if (match != null) {
          return null;
        }
        match = c;
      }
    }
    return match;
  }

  /** A fresh, unparsed set of this command's local flags with "help", as cobra parses them. */
  public FlagSet newFlagSet() {
    ensureHelpFlag();
    FlagSet fs = new FlagSet();
    for (Flag f : allLocalFlags().sorted()) {
      fs.add(f.copy());
    }
    return fs;
  }

  void ensureHelpFlag() {
    if (local.get("help") == null) {
      local.add(new Flag("help", "h", Flag.Type.BOOL, "false", "help for " + name(), false));
    }
  }
}
