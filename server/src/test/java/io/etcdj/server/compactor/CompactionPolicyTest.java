package io.etcdj.server.compactor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The auto-compaction policies against a manual clock, with the numbers etcd 3.4.23's
 * v3compactor tests expect: the revision getter counts up by one on every read, and the clock
 * moves one tick interval at a time.
 */
class CompactionPolicyTest {
  private static final long MINUTE = 60_000_000_000L;
  private static final long HOUR = 60 * MINUTE;

  /** Drives a policy as {@link AutoCompactor} does; compactions succeed at once. */
  private static final class Driver {
    final CompactionPolicy policy;
    long now;
    long rev;
    boolean leader = true;
    boolean compactionsSucceed = true;
    final List<Long> compacted = new ArrayList<>();

    Driver(CompactionPolicy policy) {
      this.policy = policy;
      policy.started(now, ++rev);
    }

    void advance(int ticks) {
      for (int i = 0; i < ticks; i++) {
        now += policy.intervalNanos();
        long target = policy.tick(now, ++rev, leader);
        if (target != 0) {
          rev--; // the tick that compacts reads the revision only afterwards, as etcd's loop
          compacted.add(target);
          policy.finished(now, ++rev, compactionsSucceed);
        }
      }
    }
  }

  @Test
  void periodicIntervalsAreATenthOfThePeriodCappedAtAnHour() {
    assertEquals(6 * MINUTE, new PeriodicCompaction(2 * HOUR).intervalNanos());
    assertEquals(6 * MINUTE, new PeriodicCompaction(HOUR).intervalNanos());
    assertEquals(30_000_000_000L, new PeriodicCompaction(5 * MINUTE).intervalNanos());
    assertEquals(100_000_000L, new PeriodicCompaction(1_000_000_000L).intervalNanos());
  }

  /** etcd's TestPeriodicHourly: nothing for 2 h, then rev 1, then every hour 10, 20, 30. */
  @Test
  void periodicHourly() {
    Driver d = new Driver(new PeriodicCompaction(2 * HOUR));
    d.advance(21); // etcd's getRetentions() for 2 h
    assertEquals(List.of(1L), d.compacted);
    for (int hour = 1; hour <= 3; hour++) {
      d.advance(10);
      assertEquals(hour * 10L, d.compacted.get(hour));
    }
    assertEquals(4, d.compacted.size());
  }

  /** etcd's TestPeriodicMinutes: 5-minute retention compacts every 5 minutes. */
  @Test
  void periodicMinutes() {
    Driver d = new Driver(new PeriodicCompaction(5 * MINUTE));
    d.advance(11);
    assertEquals(List.of(1L), d.compacted);
    for (int i = 1; i <= 5; i++) {
      d.advance(10);
      assertEquals(i * 10L, d.compacted.get(i));
    }
  }

  /** etcd's TestPeriodicPause: a follower records revisions but never compacts. */
  @Test
  void periodicFollowerOnlyRecords() {
    Driver d = new Driver(new PeriodicCompaction(HOUR));
    d.leader = false;
    d.advance(11 * 3);
    assertEquals(List.of(), d.compacted);
    d.leader = true;
    d.advance(1); // T = 3h6m: compacts the revision from 2h06
    assertEquals(List.of(1L + 2 * 11 + 1), d.compacted);
  }

  @Test
  void periodicRetriesAFailureEveryTick() {
    Driver d = new Driver(new PeriodicCompaction(HOUR));
    d.compactionsSucceed = false;
    d.advance(10);
    d.advance(3);
    assertEquals(4, d.compacted.size(), "a failure is retried on the next tick");
    d.compactionsSucceed = true;
    d.advance(1);
    int after = d.compacted.size();
    d.advance(9);
    assertEquals(after, d.compacted.size(), "after a success, the next waits an hour");
    d.advance(1);
    assertEquals(after + 1, d.compacted.size());
  }

  /** etcd's TestRevision: current revision minus the retention, never the same one twice. */
  @Test
  void revisionCompactsToCurrentMinusRetention() {
    RevisionCompaction policy = new RevisionCompaction(10, RevisionCompaction.INTERVAL_NANOS);
    assertEquals(5 * MINUTE, policy.intervalNanos());
    assertEquals(0, policy.tick(0, 10, true), "nothing at or below revision 0");
    assertEquals(90, policy.tick(0, 100, true));
    policy.finished(0, 100, true);
    assertEquals(0, policy.tick(0, 100, true), "the same revision again is skipped");
    assertEquals(0, policy.tick(0, 200, false), "followers never compact");
    assertEquals(190, policy.tick(0, 200, true));
    policy.finished(0, 200, false);
    assertEquals(190, policy.tick(0, 200, true), "a failure is retried on the next tick");
  }
}
