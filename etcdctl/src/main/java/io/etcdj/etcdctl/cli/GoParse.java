package io.etcdj.etcdctl.cli;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Go's {@code strconv} parsing as pflag uses it, with Go's error texts, because etcdctl prints them
 * verbatim ({@code invalid argument "x" for "--rev" flag: strconv.ParseInt: parsing "x": invalid
 * syntax}).
 */
public final class GoParse {
  private GoParse() {}

  public static boolean parseBool(String s) {
    switch (s) {
      case "1":
      case "t":
      case "T":
      case "TRUE":
      case "true":
      case "True":
        return true;
      case "0":
      case "f":
      case "F":
      case "FALSE":
      case "false":
      case "False":
        return false;
      default:
        throw new IllegalArgumentException("strconv.ParseBool: parsing " + GoQuote.quote(s) + ": invalid syntax");
    }
  }

  /** {@code strconv.ParseInt(s, 0, 64)}: base prefixes 0x, 0o, 0b and a leading 0 for octal. */
  public static long parseInt(String s, int bits) {
    BigInteger v = parseBase0(s, "strconv.ParseInt", true);
    BigInteger max = BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
    BigInteger min = BigInteger.ONE.shiftLeft(bits - 1).negate();
    if (v.compareTo(max) > 0 || v.compareTo(min) < 0) {
      throw new IllegalArgumentException("strconv.ParseInt: parsing " + GoQuote.quote(s) + ": value out of range");
    }
    return v.longValue();
  }

  /** {@code strconv.ParseUint(s, 0, 64)}; the result is the unsigned value's bits. */
  public static long parseUint(String s) {
    BigInteger v = parseBase0(s, "strconv.ParseUint", false);
    if (v.bitLength() > 64) {
      throw new IllegalArgumentException("strconv.ParseUint: parsing " + GoQuote.quote(s) + ": value out of range");
    }
    return v.longValue();
  }

  /** {@code strconv.ParseInt(s, 16, 64)} as etcdctl parses lease and member ids. */
  public static long parseHex(String s, String fn, boolean signed) {
    String body = s;
    boolean neg = false;
    if (signed && !body.isEmpty() && (body.charAt(0) == '+' || body.charAt(0) == '-')) {
      neg = body.charAt(0) == '-';
      body = body.substring(1);
    }
    if (body.isEmpty()) {
      throw syntax(fn, s);
    }
    for (int i = 0; i < body.length(); i++) {
      if (Character.digit(body.charAt(i), 16) < 0) {
        throw syntax(fn, s);
      }
    }
    BigInteger v = new BigInteger(body, 16);
    if (neg) {
      v = v.negate();
    }
    boolean range =
        signed
            ? v.bitLength() <= 63
            : v.bitLength() <= 64;
    if (!range) {
      throw new IllegalArgumentException(fn + ": parsing " + GoQuote.quote(s) + ": value out of range");
    }
    return v.longValue();
  }

  /** {@code strconv.ParseInt(s, 10, 64)}: an optional sign and decimal digits only. */
  public static long parseDecimal(String s) {
    String fn = "strconv.ParseInt";
    String body = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-') ? s.substring(1) : s;
    if (body.isEmpty()) {
      throw syntax(fn, s);
    }
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (c < '0' || c > '9') {
        throw syntax(fn, s);
      }
    }
    BigInteger v = new BigInteger(s.charAt(0) == '+' ? body : s);
    if (v.bitLength() > 63) {
      throw new IllegalArgumentException(fn + ": parsing " + GoQuote.quote(s) + ": value out of range");
    }
    return v.longValue();
  }

  private static IllegalArgumentException syntax(String fn, String s) {
    return new IllegalArgumentException(fn + ": parsing " + GoQuote.quote(s) + ": invalid syntax");
  }

  private static BigInteger parseBase0(String s, String fn, boolean signed) {
    String body = s;
    boolean neg = false;
    if (signed && !body.isEmpty() && (body.charAt(0) == '+' || body.charAt(0) == '-')) {
      neg = body.charAt(0) == '-';
      body = body.substring(1);
    }
    int base = 10;
    boolean prefixed = false;
    if (body.length() >= 2 && body.charAt(0) == '0') {
      char c = Character.toLowerCase(body.charAt(1));
      if (c == 'x') {
        base = 16;
        body = body.substring(2);
        prefixed = true;
      } else if (c == 'o') {
        base = 8;
        body = body.substring(2);
        prefixed = true;
      } else if (c == 'b') {
        base = 2;
        body = body.substring(2);
        prefixed = true;
      } else {
        base = 8;
        body = body.substring(1);
        prefixed = true;
      }
    }
    // Underscores are allowed only between digits and only with a base prefix (Go 1.13+).
    if (body.indexOf('_') >= 0) {
      if (!prefixed || body.startsWith("_") || body.endsWith("_") || body.contains("__")) {
        throw syntax(fn, s);
      }
      body = body.replace("_", "");
    }
    if (body.isEmpty()) {
      throw syntax(fn, s);
    }
    for (int i = 0; i < body.length(); i++) {
      if (Character.digit(body.charAt(i), base) < 0) {
        throw syntax(fn, s);
      }
    }
    BigInteger v = new BigInteger(body, base);
    return neg ? v.negate() : v;
  }

  /** pflag's string slice: the value read as one CSV record ("" is an empty list). */
  public static List<String> csv(String s) {
    List<String> out = new ArrayList<>();
    if (s.isEmpty()) {
      return out;
    }
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted) {
        if (c == '"') {
          if (i + 1 < s.length() && s.charAt(i + 1) == '"') {
            cur.append('"');
            i++;
          } else {
            quoted = false;
          }
        } else {
          cur.append(c);
        }
      } else if (c == '"' && cur.length() == 0) {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}
