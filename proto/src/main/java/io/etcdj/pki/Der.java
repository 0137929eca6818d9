package io.etcdj.pki;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The few DER facts we need (X.690): reading one TLV to check a certificate's outer shape as Go's
 * x509 parser does, and writing the PKCS#8 wrapper around a PKCS#1 or SEC1 key.
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int NULL = 0x05;
  static final int OID = 0x06;
  static final int SEQUENCE = 0x30;
  /** [0] EXPLICIT, constructed: SEC1's ECParameters. */
  static final int CONTEXT_0 = 0xa0;

  private Der() {}

  /** One element: its tag and where its contents are in the source. */
  record Tlv(int tag, byte[] src, int contentStart, int contentEnd) {
    int end() {
      return contentEnd;
    }

    byte[] content() {
      return Arrays.copyOfRange(src, contentStart, contentEnd);
    }
  }

  /**
   * Reads the element at {@code off} ending by {@code limit}; null when it is not well formed DER
   * (short input, indefinite or non-minimal length, high tag numbers), as cryptobyte refuses them.
   */
  static Tlv read(byte[] b, int off, int limit) {
    if (off + 2 > limit) {
      return null;
    }
    int tag = b[off] & 0xff;
    if ((tag & 0x1f) == 0x1f) {
      return null;
    }
    int len = b[off + 1] & 0xff;
    int p = off + 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 4 || p + n > limit) {
        return null;
      }
      long l = 0;
      for (int i = 0; i < n; i++) {
        l = (l << 8) | (b[p + i] & 0xff);
      }
      p += n;
      if (l < 0x80 || (n > 1 && l < (1L << (8 * (n - 1))))) {
        return null;
      }
      len = (int) Math.min(l, Integer.MAX_VALUE);
    }
    if ((long) p + len > limit) {
      return null;
    }
    return new Tlv(tag, b, p, p + len);
  }

  /** A tag-length-value element. */
  static byte[] tlv(int tag, byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      content.writeBytes(part);
    }
    int len = content.size();
    ByteArrayOutputStream out = new ByteArrayOutputStream(len + 6);
    out.write(tag);
    if (len < 0x80) {
      out.write(len);
    } else {
      int n = len > 0xffffff ? 4 : len > 0xffff ? 3 : len > 0xff ? 2 : 1;
      out.write(0x80 | n);
      for (int i = n - 1; i >= 0; i--) {
        out.write(len >>> (8 * i));
      }
    }
    out.writeBytes(content.toByteArray());
    return out.toByteArray();
  }
}
