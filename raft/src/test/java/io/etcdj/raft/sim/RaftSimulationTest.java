package io.etcdj.raft.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Runs the {@link Simulator} over many seeds. Every seed picks its own cluster shape (3 voters, 5
 * voters, 3 voters and a learner), timing, limits and PreVote/CheckQuorum settings, so a seed is
 * the whole reproduction recipe.
 *
 * <p>System properties (pass them to Maven with {@code -D}):
 *
 * <ul>
 *   <li>{@code etcdj.sim.seed}: run only this seed (and print the summary);
 *   <li>{@code etcdj.sim.firstSeed}, {@code etcdj.sim.seeds}: the seed range of {@link #seeds()};
 *   <li>{@code etcdj.sim.soakSeeds}: the number of seeds of {@link #soak()};
 *   <li>{@code etcdj.sim.chaosMs}: virtual milliseconds of faults before healing.
 * </ul>
 *
 * <p>Examples: {@code ./mvnw -B -q -pl raft test -Dtest=RaftSimulationTest#seeds
 * -Detcdj.sim.seed=1234 -Detcdj.sim.verbose=true} replays one seed printing every event; {@code
 * ./mvnw -B -q -pl raft test -Psoak -Dtest=RaftSimulationTest#soak} runs the soak (30,000 seeds of
 * 6 s of virtual chaos each, a few minutes on 2 cores).
 *
 * <p>Seeds run in parallel (runs share nothing); a failure reports the smallest failing seed with
 * its trace and the other failing seeds.
 */
class RaftSimulationTest {
  static final long CHAOS_MICROS_DEFAULT = 3_000_000;
  private static final long SEEDS_DEFAULT = 5_000;
  private static final long SOAK_SEEDS_DEFAULT = 30_000;
  private static final long SOAK_CHAOS_MICROS = 6_000_000;

  @Test
  void seeds() {
    String one = System.getProperty("etcdj.sim.seed");
    long chaos = Long.getLong("etcdj.sim.chaosMs", CHAOS_MICROS_DEFAULT / 1000) * 1000;
    if (one != null && !one.isBlank()) {
      long seed = Long.parseLong(one.trim());
      runRange(seed, 1, chaos);
      return;
    }
    long first = Long.getLong("etcdj.sim.firstSeed", 1);
    long count = Long.getLong("etcdj.sim.seeds", SEEDS_DEFAULT);
    Simulator.Stats total = runRange(first, count, chaos);
    // The runs must exercise what the simulator claims to model.
    assertTrue(total.snapshotsRestored > 0, "no follower caught up by snapshot: " + total);
    assertTrue(total.readsServed > 0, "no ReadIndex answered: " + total);
    assertTrue(total.confChangesApplied > 0, "no conf change applied: " + total);
    assertTrue(total.crashes > 0 && total.duplicatedMessages > 0, "no faults injected: " + total);
  }

  /**
   * Seeds that found core bugs, kept as regressions (each commit message explains its bug): 46
   * (forwarded requests lost their sender), 117624 (snapshot installed under an unapplied conf
   * change), 118261 (stale-term appends ignored without CheckQuorum/PreVote: a member with a stale
   * configuration split the cluster for good).
   */
  @Test
  void pinnedSeeds() {
    runRange(46, 1, CHAOS_MICROS_DEFAULT);
    runRange(117_624, 1, 6_000_000);
    runRange(118_261, 1, 6_000_000);
  }

  @Test
  @Tag("soak")
  void soak() {
    long first = Long.getLong("etcdj.sim.firstSeed", 1_000_000);
    long count = Long.getLong("etcdj.sim.soakSeeds", SOAK_SEEDS_DEFAULT);
    long chaos = Long.getLong("etcdj.sim.chaosMs", SOAK_CHAOS_MICROS / 1000) * 1000;
    runRange(first, count, chaos);
  }

  static Simulator.Stats runRange(long first, long count, long chaosMicros) {
    Simulator.Stats total = new Simulator.Stats();
    ConcurrentSkipListMap<Long, Simulator.SimFailure> failures = new ConcurrentSkipListMap<>();
    long started = System.nanoTime();
    LongStream.range(first, first + count)
        .parallel()
        .forEach(
            seed -> {
              try {
                total.add(new Simulator(seed, chaosMicros).run());
              } catch (Simulator.SimFailure f) {
                failures.put(seed, f);
              }
            });
    long tookMs = (System.nanoTime() - started) / 1_000_000;
    System.out.printf("raft sim: seeds [%d, %d) in %d ms: %s%n", first, first + count, tookMs, total);
    if (!failures.isEmpty()) {
      List<Long> failed = new ArrayList<>(failures.keySet());
      failures.values().stream()
          .limit(30)
          .forEach(f -> System.out.println("  seed " + f.seed + ": " + f.getCause()));
      Simulator.SimFailure f = failures.firstEntry().getValue();
      AssertionError e =
          new AssertionError(
              failures.size()
                  + " of "
                  + count
                  + " seeds failed (first ones: "
                  + failed.subList(0, Math.min(20, failed.size()))
                  + ")\n"
                  + f.getMessage(),
              f.getCause());
      throw e;
    }
    return total;
  }
}
