package io.etcdj.etcdctl.benchmark;

import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/**
 * Formats a {@link RunResult} like etcd's {@code pkg/report}: a summary in seconds, an 11-bucket
 * response time histogram between the fastest and slowest request, latency percentiles in
 * milliseconds and the error distribution. Also two machine-readable forms: a one-line {@code
 * RESULT key=value ...} summary for grep, and a single JSON object.
 *
 * <p>Percentiles come from HdrHistogram at microsecond resolution and 3 significant digits (exact
 * below 1 ms, within 0.1% above), not from a sorted array of every latency as in etcd.
 *
 * <p>Stateless apart from the formatting choice; numbers always use {@link Locale#ROOT}.
 */
final class Report {
  /** The percentiles etcd's report prints. */
  static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99, 99.9};

  static final int HISTOGRAM_BUCKETS = 10;
  static final int BAR_WIDTH_MAX = 40;
  private static final String BAR_CHAR = "∎";

  private final boolean precise;

  /** @param precise full precision (etcd's {@code --precise}) instead of {@code %4.4f} */
  Report(boolean precise) {
    this.precise = precise;
  }

  /** The human report; empty sections are left out as in etcd. */
  String text(RunResult result) {
    StringBuilder s = new StringBuilder();
    Histogram h = result.latenciesMicros();
    if (h.getTotalCount() > 0) {
      s.append("\nSummary:\n");
      s.append("  Total:\t").append(seconds(result.elapsedSeconds())).append(".\n");
      s.append("  Slowest:\t").append(seconds(h.getMaxValue() / 1e6)).append(".\n");
      s.append("  Fastest:\t").append(seconds(h.getMinValue() / 1e6)).append(".\n");
      s.append("  Average:\t").append(seconds(h.getMean() / 1e6)).append(".\n");
      s.append("  Stddev:\t").append(seconds(h.getStdDeviation() / 1e6)).append(".\n");
      s.append("  Requests/sec:\t").append(number(result.requestsPerSecond())).append('\n');
      s.append(histogram(h));
      s.append(latencies(h));
    }
    if (!result.errorCounts().isEmpty()) {
      s.append("\nError distribution:\n");
      for (Map.Entry<String, Long> e : result.errorCounts().entrySet()) {
        s.append("  [").append(e.getValue()).append("]\t").append(e.getKey()).append('\n');
      }
    }
    return s.toString();
  }

  /**
   * The response time histogram: bucket i holds latencies in (bound[i-1], bound[i]], bounds evenly
   * spaced from fastest to slowest, bars scaled to the fullest bucket.
   */
  String histogram(Histogram h) {
    double fastest = h.getMinValue();
    double slowest = h.getMaxValue();
    double[] bounds = new double[HISTOGRAM_BUCKETS + 1];
    long[] counts = new long[HISTOGRAM_BUCKETS + 1];
    double width = (slowest - fastest) / HISTOGRAM_BUCKETS;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
      bounds[i] = fastest + width * i;
    }
    bounds[HISTOGRAM_BUCKETS] = slowest;
    int bucket = 0;
    for (HistogramIterationValue v : h.recordedValues()) {
      // The lowest equivalent value keeps every sample within [min, max] as reported above.
      long micros = h.lowestEquivalentValue(v.getValueIteratedTo());
      while (micros > bounds[bucket] && bucket < HISTOGRAM_BUCKETS) {
        bucket++;
      }
      counts[bucket] += v.getCountAtValueIteratedTo();
    }
    long fullest = 0;
    for (long c : counts) {
      fullest = Math.max(fullest, c);
    }
    StringBuilder s = new StringBuilder("\nResponse time histogram:\n");
    for (int i = 0; i < bounds.length; i++) {
      int bar = fullest == 0 ? 0 : (int) (counts[i] * BAR_WIDTH_MAX / fullest);
      s.append("  ").append(number(bounds[i] / 1e6)).append(" [").append(counts[i]).append("]\t|");
      s.append(BAR_CHAR.repeat(bar)).append('\n');
    }
    return s.toString();
  }

  static String latencies(Histogram h) {
    StringBuilder s = new StringBuilder("\nLatency distribution:\n");
    for (double p : PERCENTILES) {
      double ms = h.getValueAtPercentile(p) / 1e3;
      if (ms > 0) {
        s.append("  ").append(percentLabel(p)).append("% in ");
        s.append(String.format(Locale.ROOT, "%.3f", ms)).append(" ms.\n");
      }
    }
    return s.toString();
  }

  /**
   * One line for scripts: {@code RESULT op=put requests=... requests_per_sec=... p50_ms=...
   * p90_ms=... p99_ms=... p999_ms=... errors=...}.
   */
  static String resultLine(String op, RunResult result, double clientCpuSeconds) {
    Histogram h = result.latenciesMicros();
    return String.format(
        Locale.ROOT,
        "RESULT op=%s requests=%d errors=%d total_s=%.3f requests_per_sec=%.1f avg_ms=%.3f"
            + " p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f client_cpu_s=%.2f",
        op,
        result.requests(),
        result.failures(),
        result.elapsedSeconds(),
        result.requestsPerSecond(),
        h.getTotalCount() == 0 ? 0 : h.getMean() / 1e3,
        percentileMs(h, 50),
        percentileMs(h, 90),
        percentileMs(h, 99),
        percentileMs(h, 99.9),
        h.getMaxValue() / 1e3,
        clientCpuSeconds);
  }

  /** The same run as one JSON object (hand-written: no JSON library for a flat record). */
  static String json(String op, RunResult result, double clientCpuSeconds) {
    Histogram h = result.latenciesMicros();
    StringBuilder s = new StringBuilder("{");
    s.append("\"op\":").append(quote(op));
    s.append(",\"requests\":").append(result.requests());
    s.append(",\"successes\":").append(result.successes());
    s.append(",\"errors\":").append(result.failures());
    field(s, "total_s", result.elapsedSeconds());
    field(s, "requests_per_sec", result.requestsPerSecond());
    field(s, "fastest_ms", h.getTotalCount() == 0 ? 0 : h.getMinValue() / 1e3);
    field(s, "slowest_ms", h.getMaxValue() / 1e3);
    field(s, "avg_ms", h.getTotalCount() == 0 ? 0 : h.getMean() / 1e3);
    field(s, "stddev_ms", h.getTotalCount() == 0 ? 0 : h.getStdDeviation() / 1e3);
    field(s, "client_cpu_s", clientCpuSeconds);
    s.append(",\"percentiles_ms\":{");
    for (int i = 0; i < PERCENTILES.length; i++) {
      s.append(i == 0 ? "" : ",").append(quote(percentLabel(PERCENTILES[i])));
      s.append(':').append(String.format(Locale.ROOT, "%.3f", percentileMs(h, PERCENTILES[i])));
    }
    s.append("},\"error_counts\":{");
    boolean first = true;
    for (Map.Entry<String, Long> e : result.errorCounts().entrySet()) {
      s.append(first ? "" : ",").append(quote(e.getKey())).append(':').append(e.getValue());
      first = false;
    }
    return s.append("}}").toString();
  }

  static double percentileMs(Histogram h, double percentile) {
    return h.getTotalCount() == 0 ? 0 : h.getValueAtPercentile(percentile) / 1e3;
  }

  /** "10", "99.9": Go's {@code %v} of the percentile. */
  static String percentLabel(double p) {
    return p == Math.rint(p) ? Long.toString((long) p) : Double.toString(p);
  }

  private String seconds(double seconds) {
    return number(seconds) + " secs";
  }

  /** etcd's {@code %4.4f}, or with {@code --precise} the shortest exact form (Go's {@code %g}). */
  private String number(double value) {
    return precise ? Double.toString(value) : String.format(Locale.ROOT, "%4.4f", value);
  }

  private static void field(StringBuilder s, String name, double value) {
    s.append(",\"").append(name).append("\":").append(String.format(Locale.ROOT, "%.6f", value));
  }

  static String quote(String text) {
    StringBuilder s = new StringBuilder("\"");
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> s.append("\\\"");
        case '\\' -> s.append("\\\\");
        case '\n' -> s.append("\\n");
        case '\r' -> s.append("\\r");
        case '\t' -> s.append("\\t");
        default -> {
          if (c < 0x20) {
            s.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            s.append(c);
          }
        }
      }
    }
    return s.append('"').toString();
  }
}
