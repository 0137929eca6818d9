package io.etcdj.server.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Go's {@code flag.FlagSet.Parse}, which etcd 3.4 reads its command line with, over a table of {@link FlagSpec}s and
 * the flags etcdj refuses ({@link UnsupportedFlags}). One pass, left to right, the first error ends it:
 *
 * <ul>
 *   <li>{@code -flag} and {@code --flag} are the same; a value is {@code -flag=value} or the next argument, whatever
 *       it looks like ({@code --name --data-dir} names the member "--data-dir");
 *   <li>a bool flag takes a value only as {@code -flag=value} (Go's ParseBool spellings); bare, it means true;
 *   <li>parsing stops at the first argument that is not a flag ({@code x}, {@code -}) or after {@code --}; what is
 *       left is {@link Parsed#rest};
 *   <li>{@code -h} and {@code -help} (any value) stop it too, as a request for help;
 *   <li>a repeated flag's last value wins.
 * </ul>
 *
 * <p>The errors are Go's texts, exit status 2 (Go's flag parser prints the usage after them). A refused flag given
 * with a value etcdj cannot honour fails where Go would set it, with etcdj's reason instead. Go stops at the first
 * error; this parser records it in {@link Parsed#error} and reads on to the end of the flags, so that a caller can
 * also tell whether a help flag comes later (etcd then prints the error, not the help; without one, the error).
 *
 * <p>Why not picocli: its jar is Java 5 bytecode, which class-data sharing cannot archive and the old verifier checks
 * slowly; with reflection over the annotated fields it cost about 200 ms of CPU at every start, and mapping its rules
 * and messages onto Go's took more code than this parser.
 */
final class GoFlagSet {
  /** What one parse found. Not thread-safe; used once at start-up. */
  static final class Parsed {
    private final Map<String, FlagSpec> table;
    private final Map<String, Object> values;
    /** Table and refused flags these arguments set, in the order first set (Go's {@code Visit} set). */
    final Set<String> given = new LinkedHashSet<>();
    /** The arguments after the flags (Go's {@code Args()}). */
    List<String> rest = List.of();
    /** "h" or "help" when parsing stopped at a help flag, else null. */
    String help;
    /** The first error, which ends Go's parse; null if none. */
    FlagException error;

    private Parsed(Map<String, FlagSpec> table) {
      this.table = table;
      this.values = new HashMap<>(table.size() * 2);
    }

    /** The flag's value: the last one set, else its default. */
    Object value(String name) {
      Object v = values.get(name);
      if (v != null) {
        return v;
      }
      FlagSpec spec = table.get(name);
      if (spec == null) {
        throw new IllegalStateException("--" + name + " is not in the flag table");
      }
      return spec.parse(spec.defaultValue());
    }

    String string(String name) {
      return (String) value(name);
    }

    boolean bool(String name) {
      return (Boolean) value(name);
    }

    long number(String name) {
      return (Long) value(name);
    }

    void set(String name, Object value) {
      values.put(name, value);
    }
  }

  private final Map<String, FlagSpec> table;

  /** @param table every flag this set defines, by name */
  GoFlagSet(Map<String, FlagSpec> table) {
    this.table = table;
  }

  /** Parses args; the FlagException (exit 2) Go's parser would fail with is {@link Parsed#error}. */
  Parsed parse(String[] args) {
    Parsed parsed = new Parsed(table);
    int i = 0;
    while (i < args.length) {
      String arg = args[i];
      if (arg.length() < 2 || arg.charAt(0) != '-') {
        break;
      }
      int dashes = arg.charAt(1) == '-' ? 2 : 1;
      if (arg.length() == 2 && dashes == 2) {
        i++; // "--" ends the flags and is not an argument itself
        break;
      }
      String name = arg.substring(dashes);
      i++;
      if (name.isEmpty() || name.charAt(0) == '-' || name.charAt(0) == '=') {
        fail(parsed, "bad flag syntax: " + arg);
        continue;
      }
      String value = null;
      int eq = name.indexOf('=', 1);
      if (eq > 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      FlagSpec spec = table.get(name);
      UnsupportedFlags.Refusal refusal = spec == null ? UnsupportedFlags.FLAGS.get(name) : null;
      if (spec == null && refusal == null) {
        if (name.equals("help") || name.equals("h")) {
          parsed.help = name;
          break;
        }
        fail(parsed, "flag provided but not defined: -" + name);
        continue;
      }
      boolean bool = spec != null ? spec.kind() == FlagSpec.Kind.BOOL : refusal.bool();
      if (value == null) {
        if (bool) {
          value = "true";
        } else if (i < args.length) {
          value = args[i++];
        } else {
          fail(parsed, "flag needs an argument: -" + name);
          break;
        }
      }
      if (spec != null) {
        set(parsed, spec, value);
      } else if (!refusal.accepted().contains(value)) {
        // Compared as given, so "--enable-v2=0" is refused: only the spellings listed describe what etcdj does.
        fail(parsed, UnsupportedFlags.message(name, value, refusal));
      }
      parsed.given.add(name);
    }
    if (parsed.help == null && i < args.length) {
      parsed.rest = new ArrayList<>(Arrays.asList(args).subList(i, args.length));
    }
    return parsed;
  }

  /** Go's {@code Value.Set} with the flag parser's error texts. */
  private static void set(Parsed parsed, FlagSpec spec, String value) {
    try {
      parsed.set(spec.name(), spec.parse(value));
    } catch (IllegalArgumentException e) {
      String what = spec.kind() == FlagSpec.Kind.BOOL ? "invalid boolean value " : "invalid value ";
      String flag = spec.kind() == FlagSpec.Kind.BOOL ? " for -" : " for flag -";
      fail(parsed, what + GoStrconv.quote(value) + flag + spec.name() + ": " + e.getMessage());
    }
  }

  private static void fail(Parsed parsed, String message) {
    if (parsed.error == null) {
      parsed.error = new FlagException(message, 2);
    }
  }
}
