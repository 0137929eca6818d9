package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.fail;

import io.etcdj.server.process.RobustnessFaultTest.Fault;
import io.etcdj.storage.failpoint.FailPoints;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The harness's self-test (issue 15): each planted bug ({@code FailPoints.BUG_*}, a behaviour
 * point that re-creates a known class of bug in etcdj, on only through {@code ETCDJ_FAILPOINTS})
 * must be caught within {@value #RUNS_MAX} runs of the harness test built for its class:
 *
 * <ul>
 *   <li>the applied index outside the data's txn, a lost DELETE event after a compaction, a
 *       progress notification ahead of events, a stale leader answering a linearizable read, a
 *       lease revoked by a follower's clock: {@link RobustnessFaultTest}'s single-fault runs, each
 *       fault drawn at random from CI's set ({@link Fault#inCi}) with a random seed;
 *   <li>appends acknowledged before the WAL's fsync: {@link PowerLossProcessTest}'s member
 *       through power losses (all unsynced blocks lost), since no process crash can show it.
 * </ul>
 *
 * <p>A run "catches" the bug when an oracle names a violation, or the run fails outright (a member
 * that cannot start, a check that throws); the test prints which, and the run number. Behind
 * {@code -Plong}: {@code ./mvnw -B test -pl server -am -Plong -Dtest=PlantedBugsTest
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Detcdj.planted.draw=N} repeats a draw, and
 * {@code -Detcdj.planted.bugs=bugA,bugB} runs only those.
 */
@Tag("process")
class PlantedBugsTest {
  private static final int RUNS_MAX = 100;
  private static final Duration TRAFFIC = Duration.ofSeconds(8);

  @Tag("long")
  @ParameterizedTest
  @ValueSource(
      strings = {
        FailPoints.BUG_FOLLOWER_LEASE_CLOCK,
        FailPoints.BUG_INDEX_OUTSIDE_TXN,
        FailPoints.BUG_LOST_DELETE_AFTER_COMPACTION,
        FailPoints.BUG_PROGRESS_AHEAD_OF_EVENTS,
        FailPoints.BUG_STALE_LEADER_READ,
        FailPoints.BUG_ACK_BEFORE_FSYNC
      })
  void theHarnessCatchesThePlantedBug(String bug) throws Exception {
    Assumptions.assumeTrue(EtcdProcess.selectedKinds().contains(EtcdProcess.Kind.ETCDJ), "etcdj not selected");
    String only = System.getProperty("etcdj.planted.bugs", "");
    Assumptions.assumeTrue(only.isBlank() || List.of(only.split(",")).contains(bug), "not in etcdj.planted.bugs");
    Map<String, String> planted = Map.of("ETCDJ_FAILPOINTS", bug + "=on");
    long draw = Long.getLong("etcdj.planted.draw", System.currentTimeMillis() % 1_000_000);
    Random rnd = new Random(draw * 31 + bug.hashCode());
    List<Fault> faults = new ArrayList<>();
    for (Fault f : Fault.values()) {
      if (f.inCi(EtcdProcess.Kind.ETCDJ)) {
        faults.add(f);
      }
    }
    for (int run = 1; run <= RUNS_MAX; run++) {
      String what;
      List<String> found;
      try {
        if (bug.equals(FailPoints.BUG_ACK_BEFORE_FSYNC)) {
          what = "power-loss cycles";
          PowerLossProcessTest.powerLossCycles(planted, 1.0, 3, new Random(rnd.nextLong()));
          found = List.of();
        } else {
          Fault fault = faults.get(rnd.nextInt(faults.size()));
          long seed = 1 + rnd.nextInt(1_000_000);
          what = fault + " seed " + seed;
          found = RobustnessFaultTest.violations(EtcdProcess.Kind.ETCDJ, fault, seed, TRAFFIC, planted);
        }
      } catch (AssertionError | Exception e) {
        System.out.printf("planted %s: caught in run %d (draw %d) by a failed run: %s%n", bug, run, draw, firstLine(e.toString()));
        return;
      }
      if (!found.isEmpty()) {
        System.out.printf("planted %s: caught in run %d (draw %d, %s) by %d violations, the first: %s%n",
            bug, run, draw, what, found.size(), firstLine(found.get(0)));
        return;
      }
      System.out.printf("planted %s: run %d (%s) found nothing%n", bug, run, what);
    }
    fail("planted " + bug + " not caught in " + RUNS_MAX + " runs (draw " + draw + ")");
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    String line = nl < 0 ? s : s.substring(0, nl);
    return line.length() > 400 ? line.substring(0, 400) + "..." : line;
  }
}
