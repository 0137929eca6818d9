package io.etcdj.server.gateway;

import com.google.protobuf.ByteString;

/**
 * Go's {@code base64.StdEncoding} decoder, which encoding/json uses for bytes fields: padded
 * standard alphabet only, with Go's error ({@code illegal base64 data at input byte N}) at the
 * offset Go reports. Line breaks are skipped, as Go skips them.
 */
final class GoBase64 {
  private static final String ALPHABET =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  private static final int[] DECODE = new int[128];

  static {
    java.util.Arrays.fill(DECODE, -1);
    for (int i = 0; i < ALPHABET.length(); i++) {
      DECODE[ALPHABET.charAt(i)] = i;
    }
  }

  private GoBase64() {}

  static ByteString decodeStd(String s) throws JsonpbReader.JsonpbException {
    byte[] out = new byte[s.length() / 4 * 3 + 3];
    int n = 0;
    int si = 0;
    while (true) {
      int[] quantum = new int[4];
      int j = 0;
      boolean padded = false;
      for (; j < 4; j++) {
        while (si < s.length() && (s.charAt(si) == '\n' || s.charAt(si) == '\r')) {
          si++;
        }
        if (si == s.length()) {
          if (j == 0) {
            return ByteString.copyFrom(out, 0, n);
          }
          if (j == 1) {
            throw corrupt(si - j);
          }
          throw corrupt(si - j); // StdEncoding requires padding.
        }
        char c = s.charAt(si);
        si++;
        if (c == '=') {
          // Padding: allowed only in the last two places of the final quantum.
          if (j < 2) {
            throw corrupt(si - 1);
          }
          if (j == 2) {
            while (si < s.length() && (s.charAt(si) == '\n' || s.charAt(si) == '\r')) {
              si++;
            }
            if (si == s.length()) {
              throw corrupt(s.length());
            }
            if (s.charAt(si) != '=') {
              throw corrupt(si - 1);
            }
            si++;
          }
          while (si < s.length() && (s.charAt(si) == '\n' || s.charAt(si) == '\r')) {
            si++;
          }
          if (si < s.length()) {
            throw corrupt(si);
          }
          padded = true;
          break;
        }
        int d = c < 128 ? DECODE[c] : -1;
        if (d < 0) {
          throw corrupt(si - 1);
        }
        quantum[j] = d;
      }
      int bits = quantum[0] << 18 | quantum[1] << 12 | quantum[2] << 6 | quantum[3];
      int bytes = padded ? j - 1 : 3;
      out[n++] = (byte) (bits >> 16);
      if (bytes > 1) {
        out[n++] = (byte) (bits >> 8);
      }
      if (bytes > 2) {
        out[n++] = (byte) bits;
      }
      if (padded) {
        return ByteString.copyFrom(out, 0, n);
      }
    }
  }

  private static JsonpbReader.JsonpbException corrupt(int offset) {
    return new JsonpbReader.JsonpbException("illegal base64 data at input byte " + offset);
  }
}
