package io.etcdj.etcdctl.cli;

import java.nio.charset.StandardCharsets;

/**
 * Go's {@code strconv.Quote} (what {@code %q} prints): works on bytes as Go strings do, so invalid
 * UTF-8 becomes backslash-x and two hex digits; printable runes stay as they are, others become
 * backslash-u with four hex digits or backslash-U with eight.
 */
public final class GoQuote {
  private GoQuote() {}

  public static String quote(String s) {
    return quote(s.getBytes(StandardCharsets.UTF_8));
  }

  public static String quote(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length + 2);
    sb.append('"');
    int i = 0;
    while (i < b.length) {
      int c = b[i] & 0xff;
      if (c < 0x80) {
        appendAscii(sb, c);
        i++;
        continue;
      }
      int n = utf8Length(b, i);
      if (n == 0) {
        sb.append("\\x").append(hex2(c));
        i++;
        continue;
      }
      int cp = decode(b, i, n);
      if (isPrint(cp)) {
        sb.appendCodePoint(cp);
      } else if (cp < 0x10000) {
        sb.append(String.format("\\u%04x", cp));
      } else {
        sb.append(String.format("\\U%08x", cp));
      }
      i += n;
    }
    sb.append('"');
    return sb.toString();
  }

  private static void appendAscii(StringBuilder sb, int c) {
    switch (c) {
      case 7:
        sb.append("\\a");
        return;
      case '\b':
        sb.append("\\b");
        return;
      case '\f':
        sb.append("\\f");
        return;
      case '\n':
        sb.append("\\n");
        return;
      case '\r':
        sb.append("\\r");
        return;
      case '\t':
        sb.append("\\t");
        return;
      case 11:
        sb.append("\\v");
        return;
      case '\\':
        sb.append("\\\\");
        return;
      case '"':
        sb.append("\\\"");
        return;
      default:
        if (c < 0x20 || c == 0x7f) {
          sb.append("\\x").append(hex2(c));
        } else {
          sb.append((char) c);
        }
    }
  }

  private static String hex2(int c) {
    String h = Integer.toHexString(c);
    return h.length() == 1 ? "0" + h : h;
  }

  /** Length of a valid UTF-8 sequence at i, or 0 when the bytes there are not valid UTF-8. */
  static int utf8Length(byte[] b, int i) {
    int c = b[i] & 0xff;
    int n;
    int min;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 2;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      min = 0x10000;
    } else {
      return 0;
    }
    if (i + n > b.length) {
      return 0;
    }
    for (int k = 1; k < n; k++) {
      if ((b[i + k] & 0xc0) != 0x80) {
        return 0;
      }
    }
    int cp = decode(b, i, n);
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return 0;
    }
    return n;
  }

  private static int decode(byte[] b, int i, int n) {
    int cp = (b[i] & 0xff) & (0xff >> (n + 1));
    for (int k = 1; k < n; k++) {
      cp = (cp << 6) | (b[i + k] & 0x3f);
    }
    return cp;
  }

  /** An approximation of Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols, ASCII space. */
  private static boolean isPrint(int cp) {
    if (cp == ' ') {
      return true;
    }
    switch (Character.getType(cp)) {
      case Character.UPPERCASE_LETTER:
      case Character.LOWERCASE_LETTER:
      case Character.TITLECASE_LETTER:
      case Character.MODIFIER_LETTER:
      case Character.OTHER_LETTER:
      case Character.NON_SPACING_MARK:
      case Character.ENCLOSING_MARK:
      case Character.COMBINING_SPACING_MARK:
      case Character.DECIMAL_DIGIT_NUMBER:
      case Character.LETTER_NUMBER:
      case Character.OTHER_NUMBER:
      case Character.CONNECTOR_PUNCTUATION:
      case Character.DASH_PUNCTUATION:
      case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION:
      case Character.INITIAL_QUOTE_PUNCTUATION:
      case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
      case Character.MATH_SYMBOL:
      case Character.CURRENCY_SYMBOL:
      case Character.MODIFIER_SYMBOL:
      case Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }
}
