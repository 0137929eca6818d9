package io.etcdj.pki;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Go's encoding/pem {@code Decode}, applied until no block is left: a block is a
 * {@code -----BEGIN TYPE-----} line, optional {@code Key: value} headers, base64 and the matching
 * {@code -----END TYPE-----} line. Text around blocks is skipped; a malformed block is skipped and
 * the search goes on after its BEGIN line, as Go's does.
 */
final class Pem {
  private static final String BEGIN = "-----BEGIN ";
  private static final String END = "-----END ";
  private static final String DASHES = "-----";

  private Pem() {}

  record Block(String type, byte[] bytes) {}

  static List<Block> decodeAll(byte[] data) {
    // ISO-8859-1 keeps one char per byte, so offsets stay byte offsets.
    String s = new String(data, StandardCharsets.ISO_8859_1);
    List<Block> blocks = new ArrayList<>();
    int from = 0;
    while (true) {
      int begin = beginAt(s, from);
      if (begin < 0) {
        return blocks;
      }
      int typeStart = begin + BEGIN.length();
      int lineEnd = lineEnd(s, typeStart);
      String line = s.substring(typeStart, lineEnd).stripTrailing();
      from = lineEnd;
      if (!line.endsWith(DASHES) || line.length() < DASHES.length()) {
        continue;
      }
      String type = line.substring(0, line.length() - DASHES.length());
      Block b = body(s, type, nextLine(s, lineEnd));
      if (b != null) {
        blocks.add(b);
        from = endOf(s, type, nextLine(s, lineEnd));
      }
    }
  }

  /** A BEGIN marker at the start of the data or of a line. */
  private static int beginAt(String s, int from) {
    int i = s.indexOf(BEGIN, from);
    while (i > 0 && s.charAt(i - 1) != '\n') {
      i = s.indexOf(BEGIN, i + 1);
    }
    return i;
  }

  private static int lineEnd(String s, int from) {
    int nl = s.indexOf('\n', from);
    return nl < 0 ? s.length() : nl;
  }

  private static int nextLine(String s, int lineEnd) {
    return Math.min(s.length(), lineEnd + 1);
  }

  private static Block body(String s, String type, int start) {
    String endLine = END + type + DASHES;
    int end = s.indexOf("\n" + endLine, start - 1);
    if (end < 0) {
      return null;
    }
    String rest = s.substring(end + 1 + endLine.length(), lineEnd(s, end + 1));
    if (!rest.isBlank()) {
      return null;
    }
    String text = s.substring(start, Math.max(start, end));
    StringBuilder b64 = new StringBuilder(text.length());
    boolean headers = text.contains(":");
    for (String line : text.split("\n", -1)) {
      if (headers) {
        if (line.isBlank()) {
          headers = false;
        }
        if (line.contains(":") || line.isBlank()) {
          continue;
        }
        headers = false;
      }
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c != ' ' && c != '\t' && c != '\r') {
          b64.append(c);
        }
      }
    }
    try {
      return new Block(type, Base64.getDecoder().decode(b64.toString()));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int endOf(String s, String type, int start) {
    int end = s.indexOf("\n" + END + type + DASHES, start - 1);
    return lineEnd(s, end + 1);
  }
}
