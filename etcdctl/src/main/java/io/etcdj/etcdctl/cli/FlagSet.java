package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ordered set of flags with pflag's parsing rules: {@code --name=value}, {@code --name value},
 * {@code -x value}, {@code -xvalue}, bare booleans, {@code --} ends the flags, and flags may come
 * anywhere among the positional arguments. Errors carry pflag's exact text, which etcdctl prints
 * after {@code Error: }.
 *
 * <p>Why not picocli here: etcdctl users see pflag's behaviour and messages (and cobra's help
 * layout) byte for byte; mapping picocli's parser onto them took more code than this parser, and
 * building an annotated picocli model of ~50 commands cost start-up time a CLI run pays every time.
 */
public final class FlagSet {
  private final Map<String, Flag> byName = new LinkedHashMap<>();
  private final Map<String, Flag> byShort = new LinkedHashMap<>();

  public FlagSet() {}

  public FlagSet add(Flag f) {
    if (byName.put(f.name(), f) != null) {
      throw new IllegalStateException("duplicate flag --" + f.name());
    }
    if (!f.shorthand().isEmpty() && byShort.put(f.shorthand(), f) != null) {
      throw new IllegalStateException("duplicate shorthand -" + f.shorthand());
    }
    return this;
  }

  public Flag get(String name) {
    return byName.get(name);
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /** Flags sorted by name, as pflag's VisitAll gives them. */
  public List<Flag> sorted() {
    List<Flag> out = new ArrayList<>(byName.values());
    out.sort(Comparator.comparing(Flag::name));
    return out;
  }

  /** True when this argument names a non-boolean flag that takes the next argument as its value. */
  boolean takesNextValue(String arg) {
    if (arg.startsWith("--")) {
      if (arg.contains("=")) {
        return false;
      }
      Flag f = byName.get(arg.substring(2));
      return f != null && !f.noOptAllowed();
    }
    if (arg.startsWith("-") && arg.length() == 2) {
      Flag f = byShort.get(arg.substring(1));
      return f != null && !f.noOptAllowed();
    }
    return false;
  }

  /** Parses flags out of args and returns the positional arguments, in order. */
  public List<String> parse(List<String> args) throws FlagException {
    List<String> positional = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("--")) {
        positional.addAll(args.subList(i + 1, args.size()));
        break;
      }
      if (a.startsWith("--")) {
        i = parseLong(args, i);
      } else if (a.startsWith("-") && a.length() > 1) {
        i = parseShort(args, i);
      } else {
        positional.add(a);
      }
    }
    return positional;
  }

  private int parseLong(List<String> args, int i) throws FlagException {
    String body = args.get(i).substring(2);
    if (body.isEmpty() || body.startsWith("-") || body.startsWith("=")) {
      throw new FlagException("bad flag syntax: " + args.get(i));
    }
    int eq = body.indexOf('=');
    String name = eq >= 0 ? body.substring(0, eq) : body;
    Flag f = byName.get(name);
    if (f == null) {
      if (name.equals("help")) {
        throw new FlagException.Help();
      }
      throw new FlagException("unknown flag: --" + name);
    }
    String value;
    if (eq >= 0) {
      value = body.substring(eq + 1);
    } else if (f.noOptAllowed()) {
      value = "true";
    } else if (i + 1 < args.size()) {
      value = args.get(++i);
    } else {
      throw new FlagException("flag needs an argument: --" + name);
    }
    set(f, value, "--" + f.name());
    return i;
  }

  private int parseShort(List<String> args, int i) throws FlagException {
    String shorts = args.get(i).substring(1);
    while (!shorts.isEmpty()) {
      String c = shorts.substring(0, 1);
      Flag f = byShort.get(c);
      if (f == null) {
        if (c.equals("h")) {
          throw new FlagException.Help();
        }
        throw new FlagException("unknown shorthand flag: '" + c + "' in -" + shorts);
      }
      String rest = shorts.substring(1);
      String value;
      if (rest.startsWith("=")) {
        value = rest.substring(1);
        rest = "";
      } else if (f.noOptAllowed()) {
        value = "true";
      } else if (!rest.isEmpty()) {
        value = rest;
        rest = "";
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new FlagException("flag needs an argument: '" + c + "' in -" + shorts);
      }
      set(f, value, "-" + f.shorthand() + ", --" + f.name());
      shorts = rest;
    }
    return i;
  }

  private static void set(Flag f, String value, String shownName) throws FlagException {
    try {
      f.set(value);
    } catch (IllegalArgumentException e) {
      throw new FlagException(
          "invalid argument " + GoQuote.quote(value) + " for " + GoQuote.quote(shownName) + " flag: " + e.getMessage());
    }
  }
}
