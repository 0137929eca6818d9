package io.etcdj.etcdctl.check;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The numbers etcd's pkg/report gives check.go: requests per second over the time from the start
 * of collection to the last result, the slowest latency and the population standard deviation of
 * the successful requests, and a count per error text. With no successful request Go's 0/0 makes
 * the standard deviation NaN, which is kept.
 *
 * <p>Thread-safe: workers record concurrently.
 */
final class LoadStats {
  private final long startNanos;
  private long count;
  private double sumSeconds;
  private double sumSquaresSeconds;
  private double slowestSeconds;
  private final Map<String, Long> errors = new LinkedHashMap<>();
  private long endNanos;

  LoadStats(long startNanos) {
    this.startNanos = startNanos;
  }

  synchronized void success(long latencyNanos) {
    double s = latencyNanos / 1e9;
    count++;
    sumSeconds += s;
    sumSquaresSeconds += s * s;
    slowestSeconds = Math.max(slowestSeconds, s);
  }

  synchronized void failure(String goError) {
    errors.merge(goError, 1L, Long::sum);
  }

  synchronized void end(long nowNanos) {
    endNanos = nowNanos;
  }

  synchronized double rps() {
    return count / ((endNanos - startNanos) / 1e9);
  }

  synchronized double slowestSeconds() {
    return slowestSeconds;
  }

  synchronized double stddevSeconds() {
    double mean = sumSeconds / count;
    double variance = sumSquaresSeconds / count - mean * mean;
    return Math.sqrt(Math.max(0, variance) + (count == 0 ? Double.NaN : 0));
  }

  synchronized Map<String, Long> errors() {
    return new LinkedHashMap<>(errors);
  }
}
