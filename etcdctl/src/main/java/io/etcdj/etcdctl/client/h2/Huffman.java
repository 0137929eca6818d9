package io.etcdj.etcdctl.client.h2;

import java.io.ByteArrayOutputStream;

/**
 * The HPACK Huffman decoder (RFC 7541 section 5.2, code in Appendix B). The Appendix B code is
 * canonical (codes of one length are consecutive and ordered by symbol), so the table is kept as
 * the 257 code lengths taken from the RFC and the codes are rebuilt from them; a unit test checks
 * rebuilt codes against the RFC's hex column. We never Huffman-encode (the encoder sends raw
 * literals), so only decoding is here.
 *
 * <p>Immutable tables; thread-safe.
 */
final class Huffman {
  static final int EOS = 256;
  static final int CODE_BITS_MAX = 30;

  /** Code length in bits of symbols 0..256, RFC 7541 Appendix B. */
  private static final byte[] LENGTHS = {
    13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, // 0-15
    28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28, // 16-31
    6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, // 32-47 ' '..'/'
    5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10, // 48-63 '0'..'?'
    13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // 64-79 '@'..'O'
    7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6, // 80-95 'P'..'_'
    15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, // 96-111 '`'..'o'
    6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28, // 112-127 'p'..DEL
    20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, // 128-143
    24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24, // 144-159
    22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, // 160-175
    21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23, // 176-191
    26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, // 192-207
    19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27, // 208-223
    20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, // 224-239
    26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26, // 240-255
    30 // 256 EOS
  };

  /** Canonical decoding tables: per length, the first code, its index in SORTED, and the count. */
  private static final int[] FIRST_CODE = new int[CODE_BITS_MAX + 1];
  private static final int[] FIRST_INDEX = new int[CODE_BITS_MAX + 1];
  private static final int[] COUNT = new int[CODE_BITS_MAX + 1];
  /** Symbols ordered by (length, symbol): the canonical code order. */
  private static final int[] SORTED = new int[LENGTHS.length];
  /** The code of each symbol, right-aligned (for tests against the RFC's hex column). */
  private static final int[] CODES = new int[LENGTHS.length];

  static {
    for (byte len : LENGTHS) {
      COUNT[len]++;
    }
    int code = 0;
    int index = 0;
    for (int len = 1; len <= CODE_BITS_MAX; len++) {
      code <<= 1;
      FIRST_CODE[len] = code;
      FIRST_INDEX[len] = index;
      for (int sym = 0; sym < LENGTHS.length; sym++) {
        if (LENGTHS[sym] == len) {
          SORTED[index++] = sym;
          CODES[sym] = code++;
        }
      }
    }
    // A complete prefix code: the last code of the longest length is all ones.
    if (code != 1 << CODE_BITS_MAX || index != LENGTHS.length) {
      throw new AssertionError("Huffman table is not a complete canonical code");
    }
  }

  private Huffman() {}

  static int code(int symbol) {
    return CODES[symbol];
  }

  static int length(int symbol) {
    return LENGTHS[symbol];
  }

  /**
   * Decodes {@code len} bytes at {@code off}. Fails on the EOS symbol, on padding longer than 7
   * bits and on padding that is not a prefix of EOS (all ones), as section 5.2 requires.
   */
  static byte[] decode(byte[] src, int off, int len) throws HpackException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(len + len / 2);
    int code = 0;
    int bits = 0;
    boolean allOnes = true;
    for (int i = off; i < off + len; i++) {
      int b = src[i] & 0xff;
      for (int shift = 7; shift >= 0; shift--) {
        int bit = (b >>> shift) & 1;
        code = (code << 1) | bit;
        bits++;
        allOnes &= bit == 1;
        int rank = code - FIRST_CODE[bits];
        if (rank >= 0 && rank < COUNT[bits]) {
          int sym = SORTED[FIRST_INDEX[bits] + rank];
          if (sym == EOS) {
            throw new HpackException("Huffman string contains EOS");
          }
          out.write(sym);
          code = 0;
          bits = 0;
          allOnes = true;
        } else if (bits >= CODE_BITS_MAX) {
          throw new HpackException("invalid Huffman code");
        }
      }
    }
    if (bits > 7 || !allOnes) {
      throw new HpackException("invalid Huffman padding");
    }
    return out.toByteArray();
  }
}
