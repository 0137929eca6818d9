package io.etcdj.server.gateway;

/**
 * Go's {@code strconv.Quote} for the texts the gateway's error messages quote (Go's {@code %q}):
 * a double-quoted string with Go's escapes, so that an error names a bad value as etcd does.
 */
final class GoText {
  private GoText() {}

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      switch (cp) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case 0x07 -> out.append("\\a");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case 0x0b -> out.append("\\v");
        default -> appendOther(out, cp);
      }
    }
    return out.append('"').toString();
  }

  private static void appendOther(StringBuilder out, int cp) {
    if (cp < 0x20 || cp == 0x7f) {
      out.append(String.format("\\x%02x", cp));
    } else if (Character.isISOControl(cp) || !Character.isDefined(cp)) {
      out.append(cp <= 0xffff ? String.format("\\u%04x", cp) : String.format("\\U%08x", cp));
    } else {
      out.appendCodePoint(cp);
    }
  }
}
