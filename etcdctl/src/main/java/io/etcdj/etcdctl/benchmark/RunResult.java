package io.etcdj.etcdctl.benchmark;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a finished run measured: latencies of the successful requests in microseconds, failures by
 * error message, and the wall time from the first request sent to the last response.
 */
record RunResult(
    Histogram latenciesMicros, long failures, Map<String, Long> errorCounts, long elapsedNanos) {
  RunResult {
    if (failures < 0 || elapsedNanos < 0) {
      throw new IllegalArgumentException("negative failures or elapsed time");
    }
    errorCounts = Collections.unmodifiableMap(new LinkedHashMap<>(errorCounts));
  }

  long successes() {
    return latenciesMicros.getTotalCount();
  }

  long requests() {
    return successes() + failures;
  }

  double elapsedSeconds() {
    return elapsedNanos / 1e9;
  }

  /** Successful requests per second of wall time, as etcd's report counts them. */
  double requestsPerSecond() {
    return elapsedNanos == 0 ? 0 : successes() / elapsedSeconds();
  }
}
