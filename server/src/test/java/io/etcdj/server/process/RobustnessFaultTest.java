package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.HashKvCheck;
import io.etcdj.server.robustness.JetcdRecorder;
import io.etcdj.server.robustness.KvRequest;
import io.etcdj.server.robustness.Operation;
import io.etcdj.server.robustness.Oracles;
import io.etcdj.server.robustness.Workload;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Single-fault robustness runs (issue 15): the recorded {@link Workload} (KV traffic, a lease
 * client, watches that resume on another member when theirs dies) on a three-member cluster, one
 * fault injected two seconds in, then every oracle — linearizability of the history (unknown
 * outcomes settled by the committed log, lease deletes as server calls), the revision checker,
 * the watch and lease checkers, HashKV equal on all members, and the cluster taking a write within
 * 3 × election timeout + 2 s of the fault's end. Run against
 * real etcd too: an oracle that fails on etcd is the harness's bug.
 */
@Tag("process")
class RobustnessFaultTest {
  private static final Duration TRAFFIC = Duration.ofSeconds(8);
  private static final Duration SOAK_TRAFFIC = Duration.ofSeconds(20);
  private static final long FAULT_AT_MS = 2_000;
  private static final String PREFIX = "rb/";

  enum Fault {
    /** SIGKILL a random member, restart it a second later. */
    KILL,
    /** SIGKILL the leader, restart it a second later. */
    KILL_LEADER,
    /** SIGSTOP a random member for two seconds (a GC or VM pause), then SIGCONT. */
    PAUSE,
    /** SIGSTOP the leader for two seconds: it comes back as a deposed leader. */
    PAUSE_LEADER,
    /** SIGTERM the leader (it steps down cleanly), restart it. */
    TERM_LEADER,
    /** Stall every peer byte to and from the leader for three seconds (a partition), then heal. */
    ISOLATE_LEADER,
    /** Stall every peer byte to and from a random member for three seconds, then heal. */
    ISOLATE,
    /** Stall the leader's outgoing peer bytes for three seconds: it hears its followers, they do not hear it. */
    MUTE_LEADER,
    /** Stall the peer bytes to the leader for three seconds: it is heard, but hears nothing back. */
    DEAFEN_LEADER,
    /** Cut every peer connection with a TCP reset, five times 200 ms apart. */
    RESET_PEERS,
    /** Every peer byte 100-200 ms late (in order) for three seconds: a slow, jittery network. */
    DELAY_PEERS,
    /** Every peer link capped at 8 KiB/s each way for three seconds: a thin, congested network. */
    THROTTLE_PEERS,
    /**
     * SIGKILL a random member, restart it with a failpoint armed ({@link #CRASH_POINTS}), so that
     * it halts itself at that point while it catches up, then restart it clean. etcdj only: the
     * points are etcdj's ({@code ETCDJ_FAILPOINTS}); Debian's etcd has no gofail build.
     */
    CRASH_POINT,
    /**
     * A random member's machine loses power: SIGKILL, then a random share (all, half or a tenth)
     * of the blocks it wrote since their files' last sync go back to their old content ({@link
     * PowerLoss}), and it starts again a second later as after a reboot. etcdj only: the recorder
     * sees libc's calls, which Go's etcd does not make.
     */
    POWER_LOSS,
    /**
     * Replace a random member, as etcd's robustness tests do: remove it from the cluster, wipe
     * its data, add it back under the same peer URL and start it to join (a new member id).
     */
    REPLACE_MEMBER;

    /** Whether the fault can run against {@code kind}. */
    boolean runsOn(EtcdProcess.Kind kind) {
      return (this != CRASH_POINT && this != POWER_LOSS) || kind == EtcdProcess.Kind.ETCDJ;
    }

    /**
     * Whether CI's profile draws the fault on {@code kind}. ISOLATE of a random member stays out
     * on etcd: 3.4.23, without PreVote, took up to 4.99 s of the 5 s bound to serve again after a
     * follower's partition healed (see docs/robustness.md). DELAY_PEERS and TERM_LEADER only
     * slow calls down or hand leadership over cleanly; they run in the longer profiles.
     */
    boolean inCi(EtcdProcess.Kind kind) {
      return runsOn(kind)
          && this != DELAY_PEERS
          && this != TERM_LEADER
          && (this != ISOLATE || kind == EtcdProcess.Kind.ETCDJ);
    }

    /** Faults of the peer network: the cluster runs behind {@link PeerNetwork} proxies. */
    boolean onPeerNetwork() {
      return switch (this) {
        case KILL, KILL_LEADER, PAUSE, PAUSE_LEADER, TERM_LEADER, CRASH_POINT, POWER_LOSS, REPLACE_MEMBER -> false;
        case ISOLATE_LEADER, ISOLATE, MUTE_LEADER, DEAFEN_LEADER, RESET_PEERS, DELAY_PEERS, THROTTLE_PEERS -> true;
      };
    }
  }

  private static final long PARTITION_MS = 3_000;

  /**
   * CRASH_POINT's points, each with the hits it may halt on (one drawn from 1 to {@code maxHit}):
   * the write path's often (a random hit among the first 50), the backend's checkpoints (every
   * 250 ms) among the first 8, the rarer ones at their first hit: a watch response, a lease
   * revoke, a snapshot for a follower, a step of the one compaction the traffic makes. A point not
   * reached within {@link #CRASH_POINT_WAIT} ends in a plain SIGKILL, which the run prints.
   */
  private record CrashPoint(String name, int maxHit) {}

  private static final List<CrashPoint> CRASH_POINTS =
      List.of(
          new CrashPoint("raftBeforeSave", 50),
          new CrashPoint("raftAfterSave", 50),
          new CrashPoint("applyBeforeCommit", 50),
          new CrashPoint("applyAfterCommit", 50),
          new CrashPoint("watchBeforeSend", 1),
          new CrashPoint("applyBeforeLeaseRevoke", 1),
          new CrashPoint("applyBeforeSendSnapshot", 1),
          new CrashPoint("compactBeforeCommitBatch", 1),
          new CrashPoint("compactAfterCommitBatch", 1),
          new CrashPoint("backendBeforeCheckpointSave", 8),
          new CrashPoint("backendAfterCheckpointSave", 8));

  private static final Duration CRASH_POINT_WAIT = Duration.ofSeconds(8);

  /**
   * POWER_LOSS's shares of unsynced blocks lost: a disk that wrote nothing since the syncs, and
   * disks that wrote some pages and not others, in any order.
   */
  private static final double[] POWER_LOSS_SHARES = {1.0, 0.5, 0.1};

  /**
   * THROTTLE_PEERS's cap per link and direction: below what the traffic's replication needs
   * (a few hundred puts a second of ~100 B each, to two followers, plus heartbeats), so proposals
   * queue and some calls time out, but heartbeats still get through.
   */
  private static final long THROTTLE_BYTES_PER_SECOND = 8 * 1024;

  /** CI's profile: random single-fault runs on etcdj, and fewer on etcd to check the harness. */
  private static final int CI_RUNS_ETCDJ = 20;

  private static final int CI_RUNS_ETCD = 6;

  /**
   * The runs of {@link #oneFaultDuringTrafficBreaksNoOracle}. By default CI's profile: 20 runs on
   * etcdj and 6 on etcd, each fault CI draws on that kind ({@link Fault#inCi}) at least once when
   * the runs allow, the rest drawn at random, each with a random seed; the draw's seed is printed
   * and {@code -Detcdj.robustness.draw=N} repeats it. A run's seed picks its target member and
   * its traffic, so a failed run is repeated by its fault and seed, e.g. {@code
   * -Detcdj.robustness.faults=POWER_LOSS -Detcdj.robustness.firstSeed=4242}. With {@code
   * etcdj.robustness.faults} (a list, or ALL), every listed fault with seeds {@code firstSeed} to
   * {@code firstSeed + seeds - 1} (1 and 1 by default), e.g. every fault with seeds 1..50: {@code
   * -Detcdj.robustness.faults=ALL -Detcdj.robustness.seeds=50}.
   */
  static Stream<Arguments> runs() {
    String faults = System.getProperty("etcdj.robustness.faults", "");
    if (faults.isBlank()) {
      long draw = Long.getLong("etcdj.robustness.draw", System.currentTimeMillis() % 1_000_000);
      System.out.println("robustness: CI profile, draw " + draw + " (-Detcdj.robustness.draw=" + draw + " repeats it)");
      List<Arguments> out = new ArrayList<>();
      for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
        int count = kind == EtcdProcess.Kind.ETCDJ ? CI_RUNS_ETCDJ : CI_RUNS_ETCD;
        Random rnd = new Random(draw * 31 + kind.ordinal());
        for (Fault f : ciDraw(kind, count, rnd)) {
          out.add(Arguments.of(kind, f, 1 + (long) rnd.nextInt(1_000_000)));
        }
      }
      return out.stream();
    }
    List<Fault> selected = new ArrayList<>();
    if (faults.equals("ALL")) {
      selected.addAll(List.of(Fault.values()));
    } else {
      for (String f : faults.split(",")) {
        selected.add(Fault.valueOf(f.trim()));
      }
    }
    long first = Long.getLong("etcdj.robustness.firstSeed", 1);
    long seeds = Long.getLong("etcdj.robustness.seeds", 1);
    List<Arguments> out = new ArrayList<>();
    for (long seed = first; seed < first + seeds; seed++) {
      for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
        for (Fault f : selected) {
          if (f.runsOn(kind)) {
            out.add(Arguments.of(kind, f, seed));
          }
        }
      }
    }
    return out.stream();
  }

  /**
   * {@code count} faults for {@code kind}: each fault CI draws on it once, in random order, then
   * random ones; only the first {@code count} of the once-each part when there are fewer runs.
   */
  static List<Fault> ciDraw(EtcdProcess.Kind kind, int count, Random rnd) {
    List<Fault> kinds = new ArrayList<>();
    for (Fault f : Fault.values()) {
      if (f.inCi(kind)) {
        kinds.add(f);
      }
    }
    List<Fault> out = new ArrayList<>(kinds);
    java.util.Collections.shuffle(out, rnd);
    while (out.size() < count) {
      out.add(kinds.get(rnd.nextInt(kinds.size())));
    }
    return List.copyOf(out.subList(0, count));
  }

  @Test
  void ciDrawsEveryFaultAndOnlyThoseTheServerCanTake() {
    List<Fault> etcdj = ciDraw(EtcdProcess.Kind.ETCDJ, CI_RUNS_ETCDJ, new Random(7));
    assertEquals(CI_RUNS_ETCDJ, etcdj.size());
    for (Fault f : Fault.values()) {
      assertEquals(f.inCi(EtcdProcess.Kind.ETCDJ), etcdj.contains(f), f.name());
    }
    assertTrue(etcdj.contains(Fault.POWER_LOSS) && etcdj.contains(Fault.CRASH_POINT));
    List<Fault> etcd = ciDraw(EtcdProcess.Kind.ETCD, CI_RUNS_ETCD, new Random(7));
    assertEquals(CI_RUNS_ETCD, etcd.size());
    assertEquals(CI_RUNS_ETCD, new java.util.HashSet<>(etcd).size(), "distinct while the kinds last");
    assertTrue(etcd.stream().allMatch(f -> f.runsOn(EtcdProcess.Kind.ETCD) && f != Fault.ISOLATE), etcd.toString());
  }

  /** Every fault, three seeds, 20 s of traffic: behind -Psoak. */
  static Stream<Arguments> soakRuns() {
    List<Arguments> out = new ArrayList<>();
    for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
      for (Fault f : Fault.values()) {
        for (long seed = 1; seed <= 3 && f.runsOn(kind); seed++) {
          out.add(Arguments.of(kind, f, seed));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} seed {2}")
  @MethodSource("runs")
  void oneFaultDuringTrafficBreaksNoOracle(EtcdProcess.Kind kind, Fault fault, long seed) throws Exception {
    run(kind, fault, seed, TRAFFIC);
  }

  @Tag("soak")
  @ParameterizedTest(name = "{0} {1} seed {2}")
  @MethodSource("soakRuns")
  void oneFaultDuringLongTrafficBreaksNoOracle(EtcdProcess.Kind kind, Fault fault, long seed) throws Exception {
    run(kind, fault, seed, SOAK_TRAFFIC);
  }

  private static void run(EtcdProcess.Kind kind, Fault fault, long seed, Duration traffic) throws Exception {
    assertEquals(List.of(), violations(kind, fault, seed, traffic, java.util.Map.of()));
  }

  /**
   * One run: the cluster (each member with {@code environment} too, e.g. a planted bug), the
   * workload, the fault two seconds in, then every oracle. Returns the violations: a first write
   * after the fault later than the bound, the oracles' (less etcd's known bug), and HashKV
   * differing between members.
   */
  static List<String> violations(
      EtcdProcess.Kind kind, Fault fault, long seed, Duration traffic, java.util.Map<String, String> environment)
      throws Exception {
    String name = "robust-" + fault.name().toLowerCase();
    try (EtcdCluster c =
        EtcdCluster.startWith(
            kind,
            name,
            RobustnessNoFaultTest.options(),
            fault.onPeerNetwork(),
            m -> {
              java.util.Map<String, String> env = new java.util.HashMap<>(environment);
              if (fault == Fault.POWER_LOSS) {
                env.putAll(PowerLoss.recording(m.dataDir()));
              }
              return env;
            })) {
      List<String> endpoints = new ArrayList<>();
      c.members().forEach(m -> endpoints.add(m.clientUrl()));
      Oracles.Recorded run;
      Duration toServe;
      Duration limit = Duration.ofMillis(3 * c.options().electionMs() + 2_000);
      try (Workload w = Workload.start(endpoints, traffic, seed, RobustnessNoFaultTest.progressRequests(kind))) {
        Thread.sleep(FAULT_AT_MS);
        inject(c, fault, new Random(seed));
        List<Operation> probes = new ArrayList<>();
        toServe = firstWrite(c, probes);
        for (EtcdProcess m : c.members()) {
          m.awaitReady(m.readyTimeout()); // every member back and serving before the log is read
        }
        run = w.finish(probes, endpoints.get(0));
      }
      List<String> violations = new ArrayList<>();
      if (toServe.compareTo(limit) > 0) {
        violations.add("first write " + toServe.toMillis() + " ms after the fault ended (limit " + limit.toMillis() + " ms)");
      }
      Oracles.Verdicts v = Oracles.check(run, Duration.ofSeconds(120));
      System.out.printf("robustness %s %s: %s, first write %d ms after the fault%n", kind, fault, v.summary(), toServe.toMillis());
      for (String violation : v.violations()) {
        if (knownEtcdBug(kind, fault, violation)) {
          System.out.println("robustness: known etcd 3.4.23 bug (etcd issue 15247, fixed in 3.4.31), not counted: " + violation);
        } else {
          violations.add(violation);
        }
      }
      try {
        int hashes = HashKvCheck.hashesAt(endpoints, run.log().lastRevision()).size();
        if (hashes != 1) {
          violations.add("HashKV differs between members at revision " + run.log().lastRevision() + ": " + hashes + " values");
        }
      } catch (java.util.concurrent.ExecutionException e) {
        // A member that cannot answer at the log's head (say, a future revision) has diverged.
        violations.add("HashKV at revision " + run.log().lastRevision() + " fails on a member: " + e.getCause());
      }
      return violations;
    }
  }

  /**
   * etcd before 3.4.31 lets a paused leader end leases it should not: when it resumes, its lessor
   * still runs on the clock that jumped over the pause and proposes the revocation of leases that
   * look expired; if the member has just stepped down, raft forwards the proposal to the new
   * leader, which commits it although clients renewed those leases there (etcd issue 15247). The
   * installed reference is 3.4.23, so on real etcd the lease checker's "while alive" violations
   * after a pause are that bug. etcdj confirms its leadership first (LeaseFront.ensureLeadership,
   * as etcd 3.4.31 does), and every violation counts against it.
   */
  static boolean knownEtcdBug(EtcdProcess.Kind kind, Fault fault, String violation) {
    return knownEtcdBug(kind, fault == Fault.PAUSE || fault == Fault.PAUSE_LEADER, violation);
  }

  /** As above, for a run with several faults, {@code paused} if one of them was a pause. */
  static boolean knownEtcdBug(EtcdProcess.Kind kind, boolean paused, String violation) {
    return kind == EtcdProcess.Kind.ETCD
        && paused
        && violation.startsWith(LEASE_ORACLE)
        && (violation.contains(": deleted while alive: ") || violation.contains(": not found while alive: "));
  }

  /** How {@code Oracles} prefixes the lease checker's violations. */
  private static final String LEASE_ORACLE = "lease: lease ";

  /** The filter matches the violations as the oracles word them, on etcd after a pause only. */
  @Test
  void theKnownEtcdBugIsRecognizedOnlyWhereItApplies() {
    String deleted = "lease: lease 22: deleted while alive: revision 815 (seen by 1.000 ms) deleted [rb/l1], but the lease was renewed until at least 2.000 ms; its story: ...";
    String notFound = "lease: lease 22: not found while alive: a keep-alive answered TTL 0 at 1.000 ms, but the lease was renewed until at least 2.000 ms; its story: ...";
    assertTrue(knownEtcdBug(EtcdProcess.Kind.ETCD, Fault.PAUSE_LEADER, deleted));
    assertTrue(knownEtcdBug(EtcdProcess.Kind.ETCD, Fault.PAUSE, notFound));
    assertFalse(knownEtcdBug(EtcdProcess.Kind.ETCDJ, Fault.PAUSE_LEADER, deleted));
    assertFalse(knownEtcdBug(EtcdProcess.Kind.ETCD, Fault.KILL_LEADER, deleted));
    assertFalse(knownEtcdBug(EtcdProcess.Kind.ETCD, Fault.PAUSE_LEADER, "lease: lease 22: kept too long: key k ..."));
  }

  /** Injects the fault; returns when it ended (System.nanoTime()). */
  static long inject(EtcdCluster c, Fault fault, Random rnd) throws InterruptedException {
    EtcdProcess target =
        switch (fault) {
          case KILL_LEADER, PAUSE_LEADER, TERM_LEADER, ISOLATE_LEADER, MUTE_LEADER, DEAFEN_LEADER -> c.leader();
          case KILL, PAUSE, ISOLATE, RESET_PEERS, DELAY_PEERS, THROTTLE_PEERS, CRASH_POINT, POWER_LOSS, REPLACE_MEMBER ->
              c.member(rnd.nextInt(c.members().size()));
        };
    String targetName = EtcdCluster.memberName(c.indexOf(target));
    switch (fault) {
      case KILL, KILL_LEADER -> {
        c.kill(target);
        Thread.sleep(1_000);
        c.launch(target);
      }
      case TERM_LEADER -> {
        c.stop(target);
        c.launch(target);
      }
      case PAUSE, PAUSE_LEADER -> {
        target.pause();
        Thread.sleep(2_000);
        target.resume();
      }
      case ISOLATE, ISOLATE_LEADER, MUTE_LEADER, DEAFEN_LEADER -> {
        switch (fault) {
          case MUTE_LEADER -> c.network().mute(targetName);
          case DEAFEN_LEADER -> c.network().deafen(targetName);
          default -> c.network().isolate(targetName);
        }
        Thread.sleep(PARTITION_MS);
        c.network().heal();
      }
      case DELAY_PEERS -> {
        c.network().delay(100, 100);
        Thread.sleep(PARTITION_MS);
        c.network().heal();
      }
      case CRASH_POINT -> {
        CrashPoint drawn = CRASH_POINTS.get(rnd.nextInt(CRASH_POINTS.size()));
        String point = drawn.name();
        int hit = 1 + rnd.nextInt(drawn.maxHit());
        c.kill(target);
        java.util.Map<String, String> env = target.environment();
        java.util.Map<String, String> armed = new java.util.HashMap<>(env);
        armed.merge("ETCDJ_FAILPOINTS", point + "=panic@" + hit, (planted, p) -> planted + ";" + p);
        target.setEnvironment(armed);
        c.launch(target);
        boolean halted = target.awaitExit(CRASH_POINT_WAIT);
        target.setEnvironment(env);
        if (halted) {
          System.out.printf("robustness CRASH_POINT: %s halted at %s=panic@%d%n", targetName, point, hit);
        } else {
          System.out.printf("robustness CRASH_POINT: %s did not reach %s=panic@%d in %d s; SIGKILL%n",
              targetName, point, hit, CRASH_POINT_WAIT.toSeconds());
          c.kill(target);
        }
        c.launch(target);
      }
      case REPLACE_MEMBER -> {
        // The power-loss journal's blocks were of the wiped files: never put them back.
        c.replace(target, () -> PowerLoss.forget(target.dataDir()));
        System.out.printf("robustness REPLACE_MEMBER: %s removed, wiped and added back%n", targetName);
      }
      case POWER_LOSS -> {
        c.kill(target);
        double share = POWER_LOSS_SHARES[rnd.nextInt(POWER_LOSS_SHARES.length)];
        PowerLoss.Outcome lost = PowerLoss.crash(PowerLoss.journalFor(target.dataDir()), rnd, share);
        PowerLoss.reboot(target.dataDir());
        System.out.printf("robustness POWER_LOSS: %s lost %s (share %.1f)%n", targetName, lost, share);
        Thread.sleep(1_000);
        c.launch(target);
      }
      case THROTTLE_PEERS -> {
        c.network().limit(THROTTLE_BYTES_PER_SECOND);
        Thread.sleep(PARTITION_MS);
        c.network().heal();
      }
      case RESET_PEERS -> {
        for (int i = 0; i < 5; i++) {
          c.network().resetAll();
          Thread.sleep(200);
        }
      }
    }
    return System.nanoTime();
  }

  /**
   * Probe clients' ids and values, unique within the JVM: a run with many faults probes after
   * each, and the history's checks need every written value unique (an unknown outcome is
   * settled by finding its value in the log) and one call in flight per client.
   */
  private static final java.util.concurrent.atomic.AtomicInteger PROBE_CLIENTS =
      new java.util.concurrent.atomic.AtomicInteger(1_000);

  private static final java.util.concurrent.atomic.AtomicLong PROBE_VALUES = new java.util.concurrent.atomic.AtomicLong();

  /** Puts through each member in turn until one is acknowledged; the calls join the history. */
  static Duration firstWrite(EtcdCluster c, List<Operation> out) throws InterruptedException {
    long start = System.nanoTime();
    List<JetcdRecorder> probes = new ArrayList<>();
    try {
      for (int i = 0; i < c.members().size(); i++) {
        probes.add(new JetcdRecorder(PROBE_CLIENTS.getAndIncrement(), c.member(i).clientUrl(), Duration.ofMillis(500)));
      }
      for (int n = 0; System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30); n++) {
        Operation op =
            probes.get(n % probes.size()).call(new KvRequest.Put(PREFIX + "probe", "probe-" + PROBE_VALUES.getAndIncrement()));
        out.add(op);
        if (op.response() != null) {
          return Duration.ofNanos(op.ret() - start);
        }
        Thread.sleep(20);
      }
      return Duration.ofSeconds(30);
    } finally {
      probes.forEach(JetcdRecorder::close);
    }
  }

}
