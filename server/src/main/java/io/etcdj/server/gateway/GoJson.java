package io.etcdj.server.gateway;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON text read as Go's {@code encoding/json} reads it, because etcd's gateway answers malformed
 * input with that package's own words ({@code invalid character 'b' looking for beginning of object
 * key string}, {@code unexpected EOF}) and users see them in the error body.
 *
 * <p>Two entry points mirror the two ways the gateway reads: {@link #next} is a {@code
 * json.Decoder} taking one value off a request body that may hold several (watch and keepalive
 * bodies do), and {@link #parseWhole} is {@code json.Unmarshal} of a complete text, which jsonpb
 * uses for single field values. Values keep their raw text ({@code json.RawMessage}) because jsonpb
 * re-reads quoted numbers from it.
 *
 * <p>Not thread-safe; one instance reads one body on one thread.
 */
final class GoJson {
  /** What a JSON value is; jsonpb's type errors name these kinds ("cannot unmarshal string ..."). */
  enum Kind {
    OBJECT("object"),
    ARRAY("array"),
    STRING("string"),
    NUMBER("number"),
    BOOL("bool"),
    NULL("null");

    final String goName;

    Kind(String goName) {
      this.goName = goName;
    }
  }

  /**
   * One value: its kind, its raw text, and what it holds: an ordered map of members for an object
   * (a repeated name keeps the last value, as a Go map does), a list for an array, the decoded
   * text of a string, the literal of a number, a Boolean, or null.
   */
  record Value(Kind kind, String raw, Object content) {
    @SuppressWarnings("unchecked")
    Map<String, Value> members() {
      return (Map<String, Value>) content;
    }

    @SuppressWarnings("unchecked")
    List<Value> elements() {
      return (List<Value>) content;
    }
  }

  /** A text Go's reader refuses; the message is Go's. */
  static final class SyntaxException extends Exception {
    SyntaxException(String message) {
      super(message, null, false, false);
    }
  }

  /** Go's {@code maxNestingDepth} is 10000; a Netty thread's stack is the smaller bound here. */
  static final int DEPTH_MAX = 500;

  private final String text;
  private int pos;
  /** True while reading with Unmarshal's words ("unexpected end of JSON input"). */
  private boolean whole;

  GoJson(String text) {
    this.text = text;
  }

  /**
   * The next value of a body, as {@code json.Decoder.Decode} reads it; null at the end of the body
   * (Go's {@code io.EOF}, which the gateway takes as an empty request). Text after the value is
   * left for the next call.
   */
  Value next() throws SyntaxException {
    whole = false;
    skipSpace();
    if (pos >= text.length()) {
      return null;
    }
    return value(0);
  }

  /** A complete text as {@code json.Unmarshal} checks it: one value and nothing but space after. */
  static Value parseWhole(String text) throws SyntaxException {
    GoJson reader = new GoJson(text);
    reader.whole = true;
    reader.skipSpace();
    Value v = reader.value(0);
    reader.skipSpace();
    if (reader.pos < text.length()) {
      throw reader.invalid(reader.text.charAt(reader.pos), "after top-level value");
    }
    return v;
  }

  private Value value(int depth) throws SyntaxException {
    if (depth > DEPTH_MAX) {
      throw new SyntaxException("exceeded max depth");
    }
    int start = pos;
    char c = peek("looking for beginning of value");
    switch (c) {
      case '{':
        return object(start, depth);
      case '[':
        return array(start, depth);
      case '"':
        String s = string();
        return new Value(Kind.STRING, text.substring(start, pos), s);
      case 't':
        literal("true");
        return new Value(Kind.BOOL, "true", Boolean.TRUE);
      case 'f':
        literal("false");
        return new Value(Kind.BOOL, "false", Boolean.FALSE);
      case 'n':
        literal("null");
        return new Value(Kind.NULL, "null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) {
          number();
          String n = text.substring(start, pos);
          return new Value(Kind.NUMBER, n, n);
        }
        throw invalid(c, "looking for beginning of value");
    }
  }

  private Value object(int start, int depth) throws SyntaxException {
    pos++;
    Map<String, Value> members = new LinkedHashMap<>();
    skipSpace();
    if (peek("looking for beginning of object key string") == '}') {
      pos++;
      return new Value(Kind.OBJECT, text.substring(start, pos), members);
    }
    while (true) {
      skipSpace();
      char c = peek("looking for beginning of object key string");
      if (c != '"') {
        throw invalid(c, "looking for beginning of object key string");
      }
      String name = string();
      skipSpace();
      c = peek("after object key");
      if (c != ':') {
        throw invalid(c, "after object key");
      }
      pos++;
      skipSpace();
      Value v = value(depth + 1);
      members.remove(name);
      members.put(name, v);
      skipSpace();
      c = peek("after object key:value pair");
      pos++;
      if (c == '}') {
        return new Value(Kind.OBJECT, text.substring(start, pos), members);
      }
      if (c != ',') {
        pos--;
        throw invalid(c, "after object key:value pair");
      }
    }
  }

  private Value array(int start, int depth) throws SyntaxException {
    pos++;
    List<Value> elements = new ArrayList<>();
    skipSpace();
    if (peek("looking for beginning of value") == ']') {
      pos++;
      return new Value(Kind.ARRAY, text.substring(start, pos), elements);
    }
    while (true) {
      skipSpace();
      elements.add(value(depth + 1));
      skipSpace();
      char c = peek("after array element");
      pos++;
      if (c == ']') {
        return new Value(Kind.ARRAY, text.substring(start, pos), elements);
      }
      if (c != ',') {
        pos--;
        throw invalid(c, "after array element");
      }
    }
  }

  /** Reads a string literal at {@code pos} (its opening quote) and returns its decoded text. */
  private String string() throws SyntaxException {
    pos++;
    StringBuilder out = new StringBuilder();
    while (true) {
      char c = peek("in string literal");
      pos++;
      if (c == '"') {
        return out.toString();
      }
      if (c < 0x20) {
        pos--;
        throw invalid(c, "in string literal");
      }
      if (c != '\\') {
        out.append(c);
        continue;
      }
      char e = peek("in string escape code");
      pos++;
      switch (e) {
        case '"', '\\', '/' -> out.append(e);
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'u' -> {
          int code = 0;
          for (int i = 0; i < 4; i++) {
            char h = peek("in \\u hexadecimal character escape");
            int d = Character.digit(h, 16);
            if (d < 0) {
              throw invalid(h, "in \\u hexadecimal character escape");
            }
            code = code * 16 + d;
            pos++;
          }
          out.append((char) code);
        }
        default -> {
          pos--;
          throw invalid(e, "in string escape code");
        }
      }
    }
  }

  private void number() throws SyntaxException {
    if (text.charAt(pos) == '-') {
      pos++;
      char c = peek("in numeric literal");
      if (c < '0' || c > '9') {
        throw invalid(c, "in numeric literal");
      }
    }
    if (text.charAt(pos) == '0') {
      pos++;
    } else {
      digits();
    }
    if (pos < text.length() && text.charAt(pos) == '.') {
      pos++;
      char c = peek("after decimal point in numeric literal");
      if (c < '0' || c > '9') {
        throw invalid(c, "after decimal point in numeric literal");
      }
      digits();
    }
    if (pos < text.length() && (text.charAt(pos) == 'e' || text.charAt(pos) == 'E')) {
      pos++;
      char c = peek("in exponent of numeric literal");
      if (c == '+' || c == '-') {
        pos++;
        c = peek("in exponent of numeric literal");
      }
      if (c < '0' || c > '9') {
        throw invalid(c, "in exponent of numeric literal");
      }
      digits();
    }
  }

  private void digits() {
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
  }

  private void literal(String word) throws SyntaxException {
    for (int i = 0; i < word.length(); i++) {
      String context = "in literal " + word + " (expecting " + quoteChar(word.charAt(i)) + ")";
      char c = peek(context);
      if (c != word.charAt(i)) {
        throw invalid(c, context);
      }
      pos++;
    }
  }

  private void skipSpace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  /** The character at {@code pos}; the end of the text there is Go's EOF error for the reader. */
  private char peek(String context) throws SyntaxException {
    if (pos >= text.length()) {
      throw new SyntaxException(whole ? "unexpected end of JSON input" : "unexpected EOF");
    }
    return text.charAt(pos);
  }

  private SyntaxException invalid(char c, String context) {
    return new SyntaxException("invalid character " + quoteChar(c) + " " + context);
  }

  /** Go's {@code quoteChar}: the character between single quotes, escaped as Go quotes it. */
  static String quoteChar(char c) {
    if (c == '\'') {
      return "'\\''";
    }
    if (c == '"') {
      return "'\"'";
    }
    String quoted = GoText.quote(String.valueOf(c));
    return "'" + quoted.substring(1, quoted.length() - 1) + "'";
  }
}
