package io.etcdj.server.config;

/**
 * One etcd flag etcdj implements: its name (without dashes; the {@code ETCD_*} variable is derived from it), its
 * default as etcd's help shows it, and its Go type, which decides how a value is read and what a bad one's error
 * says. {@link Flags#TABLE} lists them all.
 *
 * @param max for {@link Kind#UINT}, the largest value etcdj's field holds (a Java long or int): a larger one, which Go's
 *     uint takes up to 2^64-1, is read as this, since no request, log or cluster can reach either limit
 */
record FlagSpec(String name, String defaultValue, Kind kind, long max) {

  /** The Go flag types etcd declares its flags with. */
  enum Kind {
    /** {@code flag.String} and etcd's list/URL values, which etcdj checks after parsing. */
    STRING,
    /** {@code flag.Bool}: given bare it means true, so it never takes the next argument. */
    BOOL,
    /** {@code flag.Uint}/{@code Uint64}: Go's base-0 unsigned syntax. */
    UINT,
    /** {@code flag.Int64}. */
    INT64,
    /** etcd's {@code flags.Uint32Value}, which reports strconv's own error text instead of "parse error". */
    UINT32,
    /** {@code flag.Duration}: Go's {@code time.ParseDuration}, read as nanoseconds. */
    DURATION
  }

  static FlagSpec string(String name, String defaultValue) {
    return new FlagSpec(name, defaultValue, Kind.STRING, 0);
  }

  static FlagSpec bool(String name, String defaultValue) {
    return new FlagSpec(name, defaultValue, Kind.BOOL, 0);
  }

  static FlagSpec uint(String name, String defaultValue, long max) {
    return new FlagSpec(name, defaultValue, Kind.UINT, max);
  }

  static FlagSpec int64(String name, String defaultValue) {
    return new FlagSpec(name, defaultValue, Kind.INT64, 0);
  }

  static FlagSpec uint32(String name, String defaultValue) {
    return new FlagSpec(name, defaultValue, Kind.UINT32, 0);
  }

  static FlagSpec duration(String name, String defaultValue) {
    return new FlagSpec(name, defaultValue, Kind.DURATION, 0);
  }

  /**
   * The value as its Go type reads it: a String, Boolean or Long (nanoseconds for a duration). A bad value throws an
   * IllegalArgumentException whose message is what Go's flag package prints after the flag's name: "parse error",
   * "value out of range", or for {@link Kind#UINT32} strconv's full error.
   */
  Object parse(String value) {
    switch (kind) {
      case STRING -> {
        return value;
      }
      case BOOL -> {
        try {
          return GoStrconv.parseBool(value);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("parse error");
        }
      }
      case UINT -> {
        long v;
        try {
          v = GoStrconv.parseUint(value, 64);
        } catch (GoStrconv.NumError e) {
          throw new IllegalArgumentException(e.range() ? "value out of range" : "parse error");
        }
        return Long.compareUnsigned(v, max) > 0 ? max : v;
      }
      case INT64 -> {
        try {
          return GoStrconv.parseInt64(value);
        } catch (GoStrconv.NumError e) {
          throw new IllegalArgumentException(e.range() ? "value out of range" : "parse error");
        }
      }
      case UINT32 -> {
        return GoStrconv.parseUint(value, 32); // its NumError's message is the error etcd prints
      }
      case DURATION -> {
        try {
          return GoDuration.parseNanos(value);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("parse error");
        }
      }
      default -> throw new IllegalStateException("unknown kind " + kind);
    }
  }
}
