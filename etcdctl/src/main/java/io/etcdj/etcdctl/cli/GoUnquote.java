package io.etcdj.etcdctl.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Go's {@code strconv.Unquote} for "double-quoted" and `back-quoted` text, on byte strings (one
 * char per byte, see {@link LineReader}): \xNN and octal escapes give raw bytes, \\u and \\U give
 * UTF-8, bytes that are not UTF-8 become U+FFFD as Go's rune loop makes them. Fails with Go's
 * "invalid syntax".
 */
public final class GoUnquote {
  private GoUnquote() {}

  /** Thrown for text Go would refuse; the message is strconv.ErrSyntax's. */
  public static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxException() {
      super("invalid syntax", null, false, false);
    }
  }

  public static String unquote(String s) throws SyntaxException {
    int n = s.length();
    if (n < 2 || s.charAt(0) != s.charAt(n - 1)) {
      throw new SyntaxException();
    }
    char quote = s.charAt(0);
    String body = s.substring(1, n - 1);
    if (quote == '`') {
      if (body.indexOf('`') >= 0) {
        throw new SyntaxException();
      }
      return body.replace("\r", "");
    }
    if (quote != '"' || body.indexOf('\n') >= 0) {
      throw new SyntaxException();
    }
    byte[] b = body.getBytes(StandardCharsets.ISO_8859_1);
    ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xff;
      if (c == '"') {
        throw new SyntaxException();
      }
      if (c >= 0x80) {
        int len = GoQuote.utf8Length(b, i);
        if (len == 0) {
          out.writeBytes(new byte[] {(byte) 0xef, (byte) 0xbf, (byte) 0xbd});
          i++;
        } else {
          out.write(b, i, len);
          i += len;
        }
        continue;
      }
      if (c != '\\') {
        out.write(c);
        i++;
        continue;
      }
      i = escape(b, i + 1, out);
    }
    return new String(out.toByteArray(), StandardCharsets.ISO_8859_1);
  }

  /** One escape after its backslash; returns the index after it. */
  private static int escape(byte[] b, int i, ByteArrayOutputStream out) throws SyntaxException {
    if (i >= b.length) {
      throw new SyntaxException();
    }
    char c = (char) (b[i] & 0xff);
    switch (c) {
      case 'a':
        out.write(7);
        return i + 1;
      case 'b':
        out.write('\b');
        return i + 1;
      case 'f':
        out.write('\f');
        return i + 1;
      case 'n':
        out.write('\n');
        return i + 1;
      case 'r':
        out.write('\r');
        return i + 1;
      case 't':
        out.write('\t');
        return i + 1;
      case 'v':
        out.write(11);
        return i + 1;
      case '\\':
      case '"':
        out.write(c);
        return i + 1;
      case 'x':
      case 'u':
      case 'U':
        {
          int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
          if (i + digits >= b.length) {
            throw new SyntaxException();
          }
          int v = 0;
          for (int j = 1; j <= digits; j++) {
            int d = Character.digit((char) (b[i + j] & 0xff), 16);
            if (d < 0) {
              throw new SyntaxException();
            }
            v = (v << 4) | d;
          }
          if (c == 'x') {
            out.write(v);
          } else {
            if (v < 0 || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
              throw new SyntaxException();
            }
            out.writeBytes(new String(Character.toChars(v)).getBytes(StandardCharsets.UTF_8));
          }
          return i + 1 + digits;
        }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        {
          if (i + 2 >= b.length) {
            throw new SyntaxException();
          }
          int v = 0;
          for (int j = 0; j < 3; j++) {
            int d = (b[i + j] & 0xff) - '0';
            if (d < 0 || d > 7) {
              throw new SyntaxException();
            }
            v = (v << 3) | d;
          }
          if (v > 255) {
            throw new SyntaxException();
          }
          out.write(v);
          return i + 3;
        }
      default:
        throw new SyntaxException();
    }
  }
}
