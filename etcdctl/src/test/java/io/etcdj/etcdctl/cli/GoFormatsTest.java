package io.etcdj.etcdctl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Go's text formats that etcdctl prints: %q, durations, strconv.ParseInt(s, 16, 64). */
class GoFormatsTest {

  @Test
  void quoteEscapesAsGo() {
    assertEquals("\"a\\\"b\\\\c\"", GoQuote.quote("a\"b\\c"));
    assertEquals("\"\\a\\b\\f\\n\\r\\t\\v\\x00\\x7f\"", GoQuote.quote("\u0007\b\f\n\r\t\u000b\u0000\u007f"));
    assertEquals("\"héllo ☃\"", GoQuote.quote("héllo ☃"));
    assertEquals("\"\\xff\\xfe\"", GoQuote.quote(new byte[] {(byte) 0xff, (byte) 0xfe}));
    assertEquals("\"\\u200b\"", GoQuote.quote("\u200b".getBytes(StandardCharsets.UTF_8)));
  }

  @ParameterizedTest
  @CsvSource({"2s,2000000000", "1m30s,90000000000", "500ms,500000000", "1.5s,1500000000", "1h,3600000000000", "0,0", "-2s,-2000000000", "3us,3000"})
  void parsesDurations(String text, long nanos) {
    assertEquals(nanos, GoDuration.parseNanos(text));
  }

  @ParameterizedTest
  @CsvSource({"2000000000,2s", "90000000000,1m30s", "500000000,500ms", "1500000000,1.5s", "3600000000000,1h0m0s", "0,0s", "1500,1.5µs", "12,12ns"})
  void formatsDurations(long nanos, String text) {
    assertEquals(text, GoDuration.format(nanos));
  }

  @Test
  void parsesHexIdsAsEtcdctl() {
    assertEquals(0x694d5765fc71500bL, GoParse.parseHex("694d5765fc71500b", "strconv.ParseInt", true));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GoParse.parseHex("zz", "strconv.ParseInt", true));
    assertEquals("strconv.ParseInt: parsing \"zz\": invalid syntax", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> GoParse.parseHex("ffffffffffffffff", "strconv.ParseInt", true));
    assertEquals("strconv.ParseInt: parsing \"ffffffffffffffff\": value out of range", e.getMessage());
    assertEquals(-1L, GoParse.parseHex("ffffffffffffffff", "strconv.ParseUint", false));
  }

  @Test
  void tabWriterPadsColumnBlocksWithTabs() {
    // Two lines in one block: widest cell 10 + padding 1 = 11 -> 16 columns, so "ab" needs 2 tabs.
    assertEquals("ab\t\tx\nabcdefghij\ty\n", TabWriter.format("ab\tx\nabcdefghij\ty\n"));
    // A blank line ends a block.
    assertEquals("a\tx\n\nabcdefghij\ty\n", TabWriter.format("a\tx\n\nabcdefghij\ty\n"));
  }
}
