package io.etcdj.etcdctl.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * One command-line flag as Go's pflag models it: a long name, an optional one-letter shorthand, a
 * type (whose Go name appears in help and errors), the default as pflag prints it, and the usage
 * line. Holds the parsed value; {@link #changed()} says whether the command line set it (which is
 * what etcdctl checks before falling back to an {@code ETCDCTL_*} variable).
 *
 * <p>Confined to the thread that parses one command line.
 */
public final class Flag {

  /** pflag value types etcdctl uses; {@code goName} is what {@code Value.Type()} returns. */
  public enum Type {
    BOOL("bool"),
    STRING("string"),
    INT("int"),
    INT64("int64"),
    UINT64("uint64"),
    DURATION("duration"),
    STRING_SLICE("stringSlice");

    final String goName;

    Type(String goName) {
      this.goName = goName;
    }
  }

  private final String name;
  private final String shorthand;
  private final Type type;
  private final String defValue;
  private final String usage;
  private final boolean hidden;
  private Object value;
  private boolean changed;

  Flag(String name, String shorthand, Type type, String defValue, String usage, boolean hidden) {
    this.name = name;
    this.shorthand = shorthand;
    this.type = type;
    this.defValue = defValue;
    this.usage = usage;
    this.hidden = hidden;
    reset();
  }

  /** A fresh, unparsed copy (a command's flag set is built once and parsed once per run). */
  Flag copy() {
    return new Flag(name, shorthand, type, defValue, usage, hidden);
  }

  void reset() {
    changed = false;
    value = parseDefault();
  }

  public String name() {
    return name;
  }

  public String shorthand() {
    return shorthand;
  }

  public Type type() {
    return type;
  }

  public String defValue() {
    return defValue;
  }

  public String usage() {
    return usage;
  }

  public boolean hidden() {
    return hidden;
  }

  public boolean changed() {
    return changed;
  }

  Object value() {
    return value;
  }

  /** pflag's NoOptDefVal: only bools may be given without a value. */
  boolean noOptAllowed() {
    return type == Type.BOOL;
  }

  private Object parseDefault() {
    switch (type) {
      case STRING_SLICE:
        {
          String inner = defValue.substring(1, defValue.length() - 1);
          List<String> out = new ArrayList<>();
          if (!inner.isEmpty()) {
            out.addAll(List.of(inner.split(",")));
          }
          return out;
        }
      default:
        try {
          return convert(defValue);
        } catch (IllegalArgumentException e) {
          throw new IllegalStateException("bad default for --" + name + ": " + defValue, e);
        }
    }
  }

  /**
   * Sets the value as pflag's {@code Set} does: a string slice's first set replaces the default and
   * later sets append. Throws with Go's parse error text (e.g. {@code strconv.ParseInt: parsing
   * "x": invalid syntax}) when the text does not parse.
   */
  @SuppressWarnings("unchecked")
  void set(String text) {
    if (type == Type.STRING_SLICE) {
      List<String> parts = GoParse.csv(text);
      List<String> cur = changed ? (List<String>) value : new ArrayList<>();
      cur.addAll(parts);
      value = cur;
    } else {
      value = convert(text);
    }
    changed = true;
  }

  private Object convert(String text) {
    switch (type) {
      case BOOL:
        return GoParse.parseBool(text);
      case STRING:
        return text;
      case INT:
      case INT64:
        return GoParse.parseInt(text, type == Type.INT ? 64 : 64);
      case UINT64:
        return GoParse.parseUint(text);
      case DURATION:
        return GoDuration.parseNanos(text);
      default:
        throw new IllegalStateException("unexpected type " + type);
    }
  }

  /** The value as pflag's {@code Value.String()} prints it (used by {@code --debug}). */
  @SuppressWarnings("unchecked")
  String valueString() {
    switch (type) {
      case STRING_SLICE:
        return "[" + String.join(",", (List<String>) value) + "]";
      case DURATION:
        return GoDuration.format((Long) value);
      default:
        return String.valueOf(value);
    }
  }
}
