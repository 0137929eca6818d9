package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ReportTest {
  /** 1..1000 ms in 1 ms steps: percentiles are easy to state. */
  private static RunResult oneToThousandMillis(Map<String, Long> errors, long failures) {
    Histogram h = LoadRunner.newHistogram();
    for (int ms = 1; ms <= 1000; ms++) {
      h.recordValue(ms * 1000L);
    }
    return new RunResult(h, failures, errors, 2_000_000_000L);
  }

  @Test
  void summaryMatchesEtcdLayout() {
    String text = new Report(false).text(oneToThousandMillis(Map.of(), 0));
    assertTrue(text.startsWith("\nSummary:\n  Total:\t2.0000 secs.\n"), text);
    assertTrue(text.contains("  Slowest:\t1.000"), text); // 3 significant digits
    assertTrue(text.contains("  Fastest:\t0.0010 secs.\n"), text);
    assertTrue(text.contains("  Average:\t0.500"), text);
    assertTrue(text.contains("  Stddev:\t0.288"), text);
    assertTrue(text.contains("  Requests/sec:\t500.0000\n"), text);
    assertFalse(text.contains("Error distribution"), text);
  }

  @Test
  void latencyDistributionListsEtcdPercentilesInMillis() {
    String text = Report.latencies(oneToThousandMillis(Map.of(), 0).latenciesMicros());
    String expected =
        "\nLatency distribution:\n"
            + "  10% in 100.000 ms.\n"
            + "  25% in 250.000 ms.\n"
            + "  50% in 500.000 ms.\n"
            + "  75% in 750.000 ms.\n"
            + "  90% in 900.000 ms.\n"
            + "  95% in 950.000 ms.\n"
            + "  99% in 990.000 ms.\n"
            + "  99.9% in 999.000 ms.\n";
    // HdrHistogram reports the highest value equivalent to the sample (within 0.1%).
    assertEquals(expected.replaceAll("\\d+\\.\\d+ ms", "X ms"), text.replaceAll("\\d+\\.\\d+ ms", "X ms"));
    assertTrue(text.contains("  50% in 500.2"), text);
  }

  @Test
  void histogramHasElevenBucketsHoldingEverySample() {
    Report report = new Report(false);
    String text = report.histogram(oneToThousandMillis(Map.of(), 0).latenciesMicros());
    String[] lines = text.split("\n");
    assertEquals("Response time histogram:", lines[1]);
    assertEquals(13, lines.length);
    long sum = 0;
    Matcher m = Pattern.compile("\\[(\\d+)]").matcher(text);
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    assertEquals(1000, sum);
    assertTrue(lines[2].startsWith("  0.0010 [1]\t|"), lines[2]);
    assertTrue(text.contains("∎".repeat(Report.BAR_WIDTH_MAX)), text);
  }

  @Test
  void errorsAreListedByMessage() {
    RunResult result =
        oneToThousandMillis(Map.of("rpc error: code = Unavailable desc = down", 7L), 7);
    String text = new Report(false).text(result);
    assertTrue(text.endsWith("\nError distribution:\n  [7]\trpc error: code = Unavailable desc = down\n"), text);
  }

  @Test
  void onlyFailuresPrintsOnlyTheErrors() {
    RunResult result =
        new RunResult(LoadRunner.newHistogram(), 3, Map.of("boom", 3L), 1_000_000L);
    assertEquals("\nError distribution:\n  [3]\tboom\n", new Report(false).text(result));
    assertTrue(Report.resultLine("put", result, 0).contains(" errors=3 "));
  }

  @Test
  void preciseUsesFullPrecision() {
    String text = new Report(true).text(oneToThousandMillis(Map.of(), 0));
    assertTrue(text.contains("  Total:\t2.0 secs.\n"), text);
    assertTrue(text.contains("  Requests/sec:\t500.0\n"), text);
  }

  @Test
  void resultLineIsGreppable() {
    String line = Report.resultLine("put", oneToThousandMillis(Map.of("x", 2L), 2), 1.5);
    assertTrue(
        line.matches(
            "RESULT op=put requests=1002 errors=2 total_s=2\\.000 requests_per_sec=500\\.0"
                + " avg_ms=500\\.\\d{3} p50_ms=500\\.\\d{3} p90_ms=900\\.\\d{3} p99_ms=990\\.\\d{3}"
                + " p999_ms=999\\.\\d{3} max_ms=1000\\.\\d{3} client_cpu_s=1\\.50"),
        line);
  }

  @Test
  void jsonHasPercentilesAndEscapedErrors() {
    String json = Report.json("range", oneToThousandMillis(Map.of("a \"b\"\n", 2L), 2), 0.25);
    assertTrue(json.startsWith("{\"op\":\"range\",\"requests\":1002,\"successes\":1000,\"errors\":2,"), json);
    assertTrue(json.contains("\"percentiles_ms\":{\"10\":100."), json);
    assertTrue(json.contains(",\"99.9\":999."), json);
    assertTrue(json.endsWith("\"error_counts\":{\"a \\\"b\\\"\\n\":2}}"), json);
    assertTrue(json.contains("\"client_cpu_s\":0.250000"), json);
  }

  @Test
  void percentLabelsAreGoStyle() {
    assertEquals("10", Report.percentLabel(10));
    assertEquals("99.9", Report.percentLabel(99.9));
  }
}
