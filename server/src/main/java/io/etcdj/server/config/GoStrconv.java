package io.etcdj.server.config;

/**
 * The parts of Go's {@code strconv} that etcd's flag values go through: {@code ParseBool}, {@code ParseUint} and
 * {@code ParseInt} with base 0 (decimal, {@code 0x}/{@code 0o}/{@code 0b} prefixes, a leading 0 for octal, {@code _}
 * between digits), and {@code Quote} for the {@code %q} in error texts. A failure is a {@link NumError} that tells a
 * syntax error from a range error, as Go's callers print them differently.
 */
final class GoStrconv {
  private GoStrconv() {}

  /** Go's {@code strconv.NumError}: its {@link #getMessage} is Go's {@code Error()} text. */
  static final class NumError extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final boolean range;

    private NumError(String function, String number, boolean range) {
      super(
          "strconv." + function + ": parsing " + quote(number) + ": " + (range ? "value out of range" : "invalid syntax"),
          null);
      this.range = range;
    }

    /** True for {@code ErrRange} (a well-formed number too large for its type), false for {@code ErrSyntax}. */
    boolean range() {
      return range;
    }
  }

  /** Go's {@code strconv.ParseBool}: the twelve spellings Go accepts, nothing else. */
  static boolean parseBool(String s) {
    switch (s) {
      case "1", "t", "T", "TRUE", "true", "True" -> {
        return true;
      }
      case "0", "f", "F", "FALSE", "false", "False" -> {
        return false;
      }
      default -> throw new IllegalArgumentException("invalid syntax");
    }
  }

  /**
   * Go's {@code strconv.ParseUint(s, 0, bits)}; the result is unsigned (for 64 bits, compare it with {@link
   * Long#compareUnsigned}).
   */
  static long parseUint(String s, int bits) {
    return parseUint("ParseUint", s, s, bits);
  }

  /** Go's {@code strconv.ParseInt(s, 0, 64)}: an optional sign, then what {@link #parseUint} reads. */
  static long parseInt64(String s) {
    if (s.isEmpty()) {
      throw new NumError("ParseInt", s, false);
    }
    boolean negative = s.charAt(0) == '-';
    String digits = negative || s.charAt(0) == '+' ? s.substring(1) : s;
    long magnitude;
    try {
      magnitude = parseUint("ParseInt", s, digits, 64);
    } catch (NumError e) {
      if (!e.range()) {
        throw e;
      }
      throw new NumError("ParseInt", s, true);
    }
    if (negative) {
      if (Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
        throw new NumError("ParseInt", s, true);
      }
      return -magnitude; // Long.MIN_VALUE negates to itself, which is the value wanted
    }
    if (magnitude < 0) { // ≥ 2^63 unsigned
      throw new NumError("ParseInt", s, true);
    }
    return magnitude;
  }

  /** ParseUint's digits loop; {@code original} is what the error names (ParseInt's includes the sign). */
  private static long parseUint(String function, String original, String s, int bits) {
    if (s.isEmpty()) {
      throw new NumError(function, original, false);
    }
    int base = 10;
    int start = 0;
    if (s.charAt(0) == '0') {
      char prefix = s.length() >= 3 ? Character.toLowerCase(s.charAt(1)) : ' ';
      switch (prefix) {
        case 'b' -> base = 2;
        case 'o' -> base = 8;
        case 'x' -> base = 16;
        default -> base = 8;
      }
      start = base == 8 && prefix != 'o' ? 1 : 2;
    }
    long max = bits == 64 ? -1L : (1L << bits) - 1;
    long cutoff = Long.divideUnsigned(-1L, base) + 1; // the smallest n for which n * base overflows 64 bits
    long n = 0;
    boolean underscores = false;
    for (int i = start; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '_') {
        underscores = true;
        continue;
      }
      int digit = Character.digit(c, 36);
      if (c > 'z' || digit < 0 || digit >= base) {
        throw new NumError(function, original, false);
      }
      if (Long.compareUnsigned(n, cutoff) >= 0) {
        throw new NumError(function, original, true);
      }
      n *= base;
      long next = n + digit;
      if (Long.compareUnsigned(next, n) < 0 || Long.compareUnsigned(next, max) > 0) {
        throw new NumError(function, original, true);
      }
      n = next;
    }
    if (underscores && !underscoresOk(s)) {
      throw new NumError(function, original, false);
    }
    return n;
  }

  /** Go's rule for {@code _} in a base-0 number: only between digits, or right after the base prefix. */
  private static boolean underscoresOk(String s) {
    char saw = '^'; // '^' start, '0' a digit or prefix, '_' an underscore, '!' anything else
    int i = 0;
    boolean hex = false;
    if (s.length() >= 2 && s.charAt(0) == '0' && "box".indexOf(Character.toLowerCase(s.charAt(1))) >= 0) {
      i = 2;
      saw = '0';
      hex = Character.toLowerCase(s.charAt(1)) == 'x';
    }
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      char lower = Character.toLowerCase(c);
      if ((c >= '0' && c <= '9') || (hex && lower >= 'a' && lower <= 'f')) {
        saw = '0';
      } else if (c == '_') {
        if (saw != '0') {
          return false;
        }
        saw = '_';
      } else {
        if (saw == '_') {
          return false;
        }
        saw = '!';
      }
    }
    return saw != '_';
  }

  /** Go's {@code strconv.Quote} for the {@code %q} of error texts: quotes, backslashes and control bytes escaped. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\u0007' -> sb.append("\\a");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\u000b' -> sb.append("\\v");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            sb.append("\\x").append(Character.forDigit(c >> 4, 16)).append(Character.forDigit(c & 0xf, 16));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
