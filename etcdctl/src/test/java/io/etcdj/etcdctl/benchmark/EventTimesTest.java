package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class EventTimesTest {
  private static final long MS = 1_000_000;

  @Test
  void theJthEventOfAWatcherBelongsToPutJ() {
    EventTimes times = new EventTimes(2, 3);
    // Put j sent at j*10 ms, answered 2 ms later.
    for (int j = 0; j < 3; j++) {
      times.completed(j, j * 10 * MS, (j * 10 + 2) * MS);
    }
    // Watcher 0: every event 1 ms after the response (3 ms after the send).
    times.arrived(0, 1, 3 * MS);
    times.arrived(0, 2, 13 * MS); // two events in one response: puts 1 and 2 both at 13 ms
    // Watcher 1: events before the responses (etcd clamps those to 0).
    times.arrived(1, 1, 1 * MS);
    times.arrived(1, 1, 11 * MS);
    times.arrived(1, 1, 21 * MS);

    Histogram fromResponse = times.latenciesMicros(false);
    assertEquals(6, fromResponse.getTotalCount());
    // Watcher 0: 1 ms, 1 ms, 13 - 22 < 0 -> 0; watcher 1: all 0.
    assertEquals(4, fromResponse.getCountAtValue(0));
    assertEquals(2, fromResponse.getCountAtValue(1000));

    Histogram fromSend = times.latenciesMicros(true);
    // Watcher 0: 3, 3, -7 -> 0 ms; watcher 1: 1, 1, 1 ms.
    assertEquals(2, fromSend.getCountAtValue(3000));
    assertEquals(3, fromSend.getCountAtValue(1000));
    assertEquals(1, fromSend.getCountAtValue(0));
    assertEquals(0, times.missingEvents());
    assertEquals(0, times.failedPuts());
    assertEquals(21 * MS, times.lastEventNanos(-1));
  }

  @Test
  void missingEventsAndFailedPutsAreCounted() {
    EventTimes times = new EventTimes(3, 4);
    times.completed(0, 0, MS);
    times.completed(2, 2 * MS, 3 * MS);
    times.arrived(0, 3, 4 * MS);
    times.arrived(2, 9, 5 * MS); // more events than puts: the extra ones are dropped
    assertEquals(2, times.failedPuts());
    assertEquals((4 - 3) + 4 + 0, times.missingEvents());
    // Events of failed puts (index 1 and 3) are not measured.
    assertEquals(2 + 2, times.latenciesMicros(true).getTotalCount());
    assertEquals(7, new EventTimes(1, 1).lastEventNanos(7));
  }

  @Test
  void sizeIsBounded() {
    assertThrows(IllegalArgumentException.class, () -> new EventTimes(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new EventTimes(1, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new EventTimes(1_000_000, (int) (EventTimes.SLOTS_MAX / 1_000_000) + 1));
  }
}
