package io.etcdj.etcdctl.client.h2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The HPACK decoder against RFC 7541 Appendix C, the Huffman table against Appendix B. */
class HpackTest {
  private static byte[] hex(String s) {
    return HexFormat.of().parseHex(s.replace(" ", "").replace("\n", ""));
  }

  private static List<Header> fields(String... nameValues) {
    Header[] out = new Header[nameValues.length / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Header(nameValues[2 * i], nameValues[2 * i + 1]);
    }
    return List.of(out);
  }

  /** Appendix C.3: requests without Huffman; the dynamic table grows to 164 octets. */
  @Test
  void c3RequestsWithoutHuffman() throws Exception {
    Hpack.Decoder d = new Hpack.Decoder(4096, 1 << 20);
    assertEquals(
        fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"),
        d.decode(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d")));
    assertEquals(57, d.tableSize());
    assertEquals(
        fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache"),
        d.decode(hex("8286 84be 5808 6e6f 2d63 6163 6865")));
    assertEquals(110, d.tableSize());
    assertEquals(
        fields(
            ":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com", "custom-key",
            "custom-value"),
        d.decode(hex("8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65")));
    assertEquals(164, d.tableSize());
    assertEquals(3, d.tableEntries());
  }

  /** Appendix C.4: the same requests with Huffman-coded strings. */
  @Test
  void c4RequestsWithHuffman() throws Exception {
    Hpack.Decoder d = new Hpack.Decoder(4096, 1 << 20);
    assertEquals(
        fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com"),
        d.decode(hex("8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff")));
    assertEquals(
        fields(":method", "GET", ":scheme", "http", ":path", "/", ":authority", "www.example.com", "cache-control", "no-cache"),
        d.decode(hex("8286 84be 5886 a8eb 1064 9cbf")));
    assertEquals(
        fields(
            ":method", "GET", ":scheme", "https", ":path", "/index.html", ":authority", "www.example.com", "custom-key",
            "custom-value"),
        d.decode(hex("8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf")));
    assertEquals(164, d.tableSize());
  }

  private static final List<Header> C5_FIRST =
      fields(
          ":status", "302", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location",
          "https://www.example.com");
  private static final List<Header> C5_SECOND =
      fields(
          ":status", "307", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:21 GMT", "location",
          "https://www.example.com");
  private static final List<Header> C5_THIRD =
      fields(
          ":status", "200", "cache-control", "private", "date", "Mon, 21 Oct 2013 20:13:22 GMT", "location",
          "https://www.example.com", "content-encoding", "gzip", "set-cookie",
          "foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1");

  /** Appendix C.5: responses in a 256-octet table; entries are evicted oldest first. */
  @Test
  void c5ResponsesWithEviction() throws Exception {
    Hpack.Decoder d = new Hpack.Decoder(256, 1 << 20);
    assertEquals(
        C5_FIRST,
        d.decode(
            hex(
                "4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133"
                    + " 2032 303a 3133 3a32 3120 474d 546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70"
                    + " 6c65 2e63 6f6d")));
    assertEquals(222, d.tableSize());
    assertEquals(C5_SECOND, d.decode(hex("4803 3330 37c1 c0bf")));
    assertEquals(222, d.tableSize());
    assertEquals(4, d.tableEntries());
    assertEquals(
        C5_THIRD,
        d.decode(
            hex(
                "88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d"
                    + " 54c0 5a04 677a 6970 7738 666f 6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049"
                    + " 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b 2076 6572 7369 6f6e"
                    + " 3d31")));
    assertEquals(215, d.tableSize());
    assertEquals(3, d.tableEntries());
  }

  /** Appendix C.6: the C.5 responses with Huffman coding. */
  @Test
  void c6ResponsesWithHuffmanAndEviction() throws Exception {
    Hpack.Decoder d = new Hpack.Decoder(256, 1 << 20);
    assertEquals(
        C5_FIRST,
        d.decode(
            hex(
                "4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6"
                    + " 2d1b ff6e 919d 29ad 1718 63c7 8f0b 97c8 e9ae 82ae 43d3")));
    assertEquals(222, d.tableSize());
    assertEquals(C5_SECOND, d.decode(hex("4883 640e ffc1 c0bf")));
    assertEquals(222, d.tableSize());
    assertEquals(
        C5_THIRD,
        d.decode(
            hex(
                "88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab"
                    + " 77ad 94e7 821d d7f2 e6c7 b335 dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f"
                    + " 9587 3160 65c0 03ed 4ee5 b106 3d50 07")));
    assertEquals(215, d.tableSize());
  }

  /** Section 6.3: a size update shrinks the table (evicting) and may not exceed the setting. */
  @Test
  void tableSizeUpdate() throws Exception {
    Hpack.Decoder d = new Hpack.Decoder(4096, 1 << 20);
    d.decode(hex("8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d"));
    assertEquals(1, d.tableEntries());
    assertEquals(fields(":method", "GET"), d.decode(hex("20 82")));
    assertEquals(0, d.tableEntries());
    assertThrows(HpackException.class, () -> d.decode(hex("3fe2 1f"))); // 4097 > 4096
    assertThrows(HpackException.class, () -> d.decode(hex("82 20"))); // update after a field
    assertThrows(HpackException.class, () -> d.decode(hex("be"))); // index 62 in an empty table
  }

  /** The canonical codes rebuilt from the lengths equal Appendix B's hex column. */
  @ParameterizedTest
  @CsvSource({
    "0, 1ff8, 13", "1, 7fffd8, 23", "10, 3ffffffc, 30", "32, 14, 6", "48, 0, 5", "58, 5c, 7", "92, 7fff0, 19",
    "97, 3, 5", "126, 1ffd, 13", "127, ffffffc, 28", "128, fffe6, 20", "192, 3ffffe0, 26", "203, 7ffffde, 27",
    "220, ffffffd, 28", "249, ffffffe, 28", "254, 7fffff0, 27", "255, 3ffffee, 26", "256, 3fffffff, 30"
  })
  void huffmanCodesMatchAppendixB(int symbol, String code, int length) {
    assertEquals(Integer.parseInt(code, 16), Huffman.code(symbol));
    assertEquals(length, Huffman.length(symbol));
  }

  /** Every symbol decodes back from its code; EOS and bad padding are refused (section 5.2). */
  @Test
  void huffmanRoundTripsEverySymbolAndRefusesEos() throws Exception {
    for (int sym = 0; sym < 256; sym++) {
      long bits = Huffman.code(sym);
      int len = Huffman.length(sym);
      int padded = (len + 7) / 8 * 8;
      long v = (bits << (padded - len)) | ((1L << (padded - len)) - 1);
      byte[] b = new byte[padded / 8];
      for (int i = 0; i < b.length; i++) {
        b[i] = (byte) (v >>> (8 * (b.length - 1 - i)));
      }
      assertArrayEquals(new byte[] {(byte) sym}, Huffman.decode(b, 0, b.length), "symbol " + sym);
    }
    assertThrows(HpackException.class, () -> Huffman.decode(hex("ffff ffff"), 0, 4)); // EOS inside
    assertThrows(HpackException.class, () -> Huffman.decode(hex("00"), 0, 1)); // '0' then padding 000
    assertThrows(HpackException.class, () -> Huffman.decode(hex("1f ff"), 0, 2)); // 11 bits of padding
  }

  /** What we encode (literals, no Huffman) decodes to the same fields. */
  @Test
  void encoderOutputDecodes() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String longValue = "v".repeat(300);
    Hpack.encode(out, ":path", "/etcdserverpb.KV/Range");
    Hpack.encode(out, "token", longValue);
    Hpack.encode(out, "x-bin", new String(new byte[] {(byte) 0xff, 0}, StandardCharsets.ISO_8859_1));
    Hpack.Decoder d = new Hpack.Decoder(4096, 1 << 20);
    assertEquals(
        fields(":path", "/etcdserverpb.KV/Range", "token", longValue, "x-bin", "\u00ff\u0000"),
        d.decode(out.toByteArray()));
    assertEquals(0, d.tableEntries());
  }
}
