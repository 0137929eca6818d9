package io.etcdj.etcdctl.check;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.etcdj.etcdctl.print.Humanize;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The pieces of the checks that mirror Go code: varints, the pb bar's line, net/http's status line, %f. */
class CheckPartsTest {

  @Test
  void putVarintIsGosZigZag() {
    byte[] b = new byte[10];
    assertEquals(1, PutLoad.putVarint(b, 1));
    assertEquals(2, b[0]);
    assertEquals(2, PutLoad.putVarint(b, 64));
    assertArrayEquals(new byte[] {(byte) 0x80, 0x01}, Arrays.copyOf(b, 2));
    assertEquals(10, PutLoad.putVarint(b, Long.MAX_VALUE - 1));
  }

  @Test
  void barLineWithoutTerminalHasNoBar() {
    ProgressBar bar = new ProgressBar(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 60, 0);
    assertEquals(" 0 / 60    0.00%", bar.render(0, false));
    bar.add(60);
    assertEquals(" 60 / 60  100.00% 1m0s", bar.render(60_000_000_000L, true));
  }

  @Test
  void barLineOnA60ColumnTerminal() {
    ProgressBar bar = new ProgressBar(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), 60, 60);
    bar.add(60);
    String line = bar.render(60_000_000_000L, true);
    assertEquals(" 60 / 60 B" + "o".repeat(36) + "! 100.00% 1m0s", line);
    assertEquals(60, line.length());
  }

  @ParameterizedTest
  @CsvSource({"0, 0s", "59, 59s", "60, 1m0s", "3601, 1h0m1s"})
  void goDurations(long seconds, String text) {
    assertEquals(text, ProgressBar.goDuration(seconds));
  }

  @Test
  void statusLineChecksAreNetHttps() {
    assertNull(MetricsFetch.statusLineError("HTTP/1.1 200 OK".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("malformed HTTP response \"garbage\"", MetricsFetch.statusLineError("garbage".getBytes(StandardCharsets.US_ASCII)));
    assertEquals("malformed HTTP status code \"\\x00\\x04\"", MetricsFetch.statusLineError(new byte[] {'x', ' ', 0, 4}));
    assertEquals("malformed HTTP version \"HTTP/x\"", MetricsFetch.statusLineError("HTTP/x 200 OK".getBytes(StandardCharsets.US_ASCII)));
  }

  @ParameterizedTest
  @CsvSource({"0.5, 0.500000", "0.0000005, 0.000000", "NaN, NaN", "1.25, 1.250000"})
  void percentF(double v, String text) {
    assertEquals(text, CheckPerf.goF(v));
  }

  @ParameterizedTest
  @CsvSource({"9, 9 B", "20480, 20 kB", "20512, 20 kB", "20600, 21 kB", "94208, 94 kB", "4018208, 4.0 MB", "1500, 1.5 kB"})
  void humanizeRoundsLikeGo(long bytes, String text) {
    assertEquals(text, Humanize.bytes(bytes));
  }
}
