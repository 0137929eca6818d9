package io.etcdj.etcdctl.benchmark;

import org.HdrHistogram.Histogram;

/**
 * When each put of {@code watch-latency} was sent and answered, and when each watcher received each
 * event, and the put-to-event latencies computed from them. As in etcd's tool, the j-th event a
 * watcher receives belongs to put j: one put loop writes one key, so events arrive in put order.
 *
 * <p>Two latencies per (watcher, put): etcd's, from the put's response to the event ({@code
 * watch_latency.go} clamps it to zero when the event came first, which is common: the server sends
 * both after the same apply), and from the put's send to the event (etcdj addition), which always
 * includes the commit and so is the delay a writer's change takes to reach a watcher.
 *
 * <p>Threading: put times are written by the put loop (one request at a time, so one writer per
 * slot); watcher w's slots only by the callback thread of w's stream. The command's thread reads
 * them after the put run and the events wait returned, which order those writes before the reads.
 */
final class EventTimes implements WatchStreams.Arrivals, LoadRunner.Completions {
  /** Bound on watchers * puts: each slot is a long. */
  static final long SLOTS_MAX = 50_000_000;

  private final int putTotal;
  private final long[] putSentNanos;
  private final long[] putDoneNanos;
  private final boolean[] putDone;
  private final long[][] eventNanos;
  private final int[] eventCounts;

  EventTimes(int watchers, int putTotal) {
    if (watchers <= 0 || putTotal <= 0 || (long) watchers * putTotal > SLOTS_MAX) {
      throw new IllegalArgumentException(
          "watchers and puts must be positive, their product at most " + SLOTS_MAX);
    }
    this.putTotal = putTotal;
    this.putSentNanos = new long[putTotal];
    this.putDoneNanos = new long[putTotal];
    this.putDone = new boolean[putTotal];
    this.eventNanos = new long[watchers][putTotal];
    this.eventCounts = new int[watchers];
  }

  @Override
  public void completed(long index, long sentNanos, long doneNanos) {
    int i = (int) index;
    putSentNanos[i] = sentNanos;
    putDoneNanos[i] = doneNanos;
    putDone[i] = true;
  }

  @Override
  public void arrived(long watcher, int events, long nowNanos) {
    int w = (int) watcher;
    long[] times = eventNanos[w];
    int count = eventCounts[w];
    for (int k = 0; k < events && count < putTotal; k++) {
      times[count++] = nowNanos;
    }
    eventCounts[w] = count;
  }

  /** Latencies in microseconds; {@code fromSend} picks the start (put sent, or put answered). */
  Histogram latenciesMicros(boolean fromSend) {
    Histogram h = LoadRunner.newHistogram();
    for (int w = 0; w < eventCounts.length; w++) {
      for (int j = 0; j < eventCounts[w]; j++) {
        if (!putDone[j]) {
          continue;
        }
        long end = eventNanos[w][j];
        long start = fromSend ? putSentNanos[j] : putDoneNanos[j];
        // etcd: if end.Before(start) { start = end }.
        long micros = (Math.max(0, end - start) + 500) / 1000;
        h.recordValue(Math.min(micros, LoadRunner.LATENCY_MICROS_MAX));
      }
    }
    return h;
  }

  /** Expected (watcher, put) events that never arrived. */
  long missingEvents() {
    long missing = 0;
    for (int count : eventCounts) {
      missing += putTotal - count;
    }
    return missing;
  }

  /** Puts that failed: their events cannot be matched, so later ones may be matched wrongly. */
  long failedPuts() {
    long failed = 0;
    for (boolean done : putDone) {
      failed += done ? 0 : 1;
    }
    return failed;
  }

  /** When the last event arrived, or {@code fallbackNanos} when none did. */
  long lastEventNanos(long fallbackNanos) {
    long last = Long.MIN_VALUE;
    for (int w = 0; w < eventCounts.length; w++) {
      if (eventCounts[w] > 0) {
        last = Math.max(last, eventNanos[w][eventCounts[w] - 1]);
      }
    }
    return last == Long.MIN_VALUE ? fallbackNanos : last;
  }
}
