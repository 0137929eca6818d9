package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.PutResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcdj.server.process.CrashRecoveryTest.Ack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Power loss, simulated ({@link PowerLoss}): members are SIGKILLed in the middle of a stream of
 * acknowledged puts, then a random share of the blocks they wrote and had not fsynced is dropped
 * (all of them, half, or a tenth), and they restart as after a reboot. Nothing acknowledged may be
 * lost and no revision may repeat or be skipped ({@link CrashRecoveryTest}'s checks).
 *
 * <p>etcdj only: the recorder is a libc shim loaded with {@code LD_PRELOAD}, and etcd's Go binary
 * makes its system calls without libc.
 */
@Tag("process")
class PowerLossProcessTest {

  @BeforeEach
  void etcdjSelected() {
    Assumptions.assumeTrue(EtcdProcess.selectedKinds().contains(EtcdProcess.Kind.ETCDJ), "etcdj not selected");
  }

  @ParameterizedTest
  @ValueSource(doubles = {1.0, 0.5, 0.1})
  void aMemberKeepsEveryAcknowledgedWriteThroughPowerLosses(double lossProbability) throws Exception {
    powerLossCycles(Map.of(), lossProbability, 3, new Random(Double.doubleToLongBits(lossProbability)));
  }

  /**
   * One member (with {@code environment} too, e.g. a planted bug) through {@code cycles} cycles of
   * acknowledged puts, SIGKILL and the loss of a share {@code lossProbability} of its unsynced
   * blocks; fails at the first acknowledged put lost or revision skipped or repeated.
   */
  static void powerLossCycles(Map<String, String> environment, double lossProbability, int cycles, Random random)
      throws Exception {
    List<Ack> acked = new ArrayList<>();
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdProcess server = EtcdProcess.created(EtcdProcess.Kind.ETCDJ, "powerloss")) {
      Path journal = PowerLoss.journalFor(server.dataDir());
      Map<String, String> env = new HashMap<>(environment);
      env.putAll(PowerLoss.recording(server.dataDir()));
      server.setEnvironment(env);
      for (int cycle = 0; cycle < cycles; cycle++) {
        server.start();
        if (cycle > 0) {
          CrashRecoveryTest.verify(server, acked, attempted, random, "after power loss " + cycle);
        }
        acked.addAll(CrashRecoveryTest.writeThenKill(server, cycle, writeMs(random), attempted, false));
        powerLoss(server, journal, random, lossProbability, "power loss " + (cycle + 1));
      }
      server.start();
      CrashRecoveryTest.verify(server, acked, attempted, random, "after the last power loss");
    }
  }

  /**
   * The whole cluster loses power at once (one rack, one power feed): every acknowledged write is
   * in a quorum of fsynced WALs, so it must come back, whatever each member's backend lost.
   */
  @Test
  void aClusterThatLosesPowerAllAtOnceKeepsEveryAcknowledgedWrite() throws Exception {
    Random random = new Random(42);
    List<Ack> acked = new ArrayList<>();
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdCluster cluster = EtcdCluster.start(EtcdProcess.Kind.ETCDJ, "powerloss-cluster")) {
      List<EtcdProcess> members = cluster.members();
      List<Path> journals = new ArrayList<>();
      for (EtcdProcess m : members) {
        cluster.stop(m); // to start again under the recorder
      }
      for (EtcdProcess m : members) {
        journals.add(PowerLoss.journalFor(m.dataDir()));
        m.setEnvironment(PowerLoss.recording(m.dataDir()));
        cluster.launch(m);
      }
      EtcdProcess client = members.get(0);
      for (int cycle = 0; cycle < 3; cycle++) {
        cluster.awaitLeader(Duration.ofSeconds(30));
        if (cycle > 0) {
          CrashRecoveryTest.verify(client, acked, attempted, random, "after power loss " + cycle);
        }
        acked.addAll(
            CrashRecoveryTest.writeThenKill(
                client, cycle, writeMs(random), attempted, false, () -> members.forEach(cluster::kill)));
        for (int i = 0; i < members.size(); i++) {
          powerLoss(members.get(i), journals.get(i), random, 0.5, "power loss " + (cycle + 1) + ", member " + i);
        }
        for (EtcdProcess m : members) {
          cluster.launch(m);
        }
      }
      cluster.awaitLeader(Duration.ofSeconds(30));
      CrashRecoveryTest.verify(client, acked, attempted, random, "after the last power loss");
    }
  }

  /**
   * The member halts itself at a named point of the write path (as {@link
   * CrashRecoveryTest#acknowledgedWritesSurviveACrashAtEachFailpoint}), and the machine loses
   * power at that moment: half the blocks it had not synced are gone.
   */
  @ParameterizedTest
  @ValueSource(strings = {"raftBeforeSave", "raftAfterSave", "applyBeforeCommit", "applyAfterCommit"})
  void aCrashAtEachFailpointFollowedByPowerLossLosesNothingAcknowledged(String failpoint) throws Exception {
    Random random = new Random(failpoint.hashCode());
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdProcess server = EtcdProcess.created(EtcdProcess.Kind.ETCDJ, "powerloss-" + failpoint)) {
      Path journal = PowerLoss.journalFor(server.dataDir());
      Map<String, String> recorder = PowerLoss.recording(server.dataDir());
      Map<String, String> env = new HashMap<>(recorder);
      env.put("ETCDJ_FAILPOINTS", failpoint + "=panic@1500"); // well inside the stream, past a checkpoint
      server.setEnvironment(env);
      server.start();
      List<Ack> acked = CrashRecoveryTest.writeThenKill(server, 0, 0, attempted, true);
      powerLoss(server, journal, random, 0.5, "power loss at " + failpoint);
      server.setEnvironment(recorder);
      server.start();
      CrashRecoveryTest.verify(server, acked, attempted, random, "after power loss at " + failpoint);
      assertTrue(
          server.logTail(2_000).contains("failpoint " + failpoint), "the failpoint fired");
    }
  }

  /**
   * A disk that ignores fsync (the planted bug {@code bugAckBeforeFsync} plays it: the WAL is
   * never synced) and then loses power: the store, checkpointed, holds entries the WAL no longer
   * has. The member must refuse to start, naming the problem, rather than serve a store raft does
   * not know (it once started, and hung with its log at index 1 under a store at index 3,316).
   */
  @Test
  void aWalThatLostSyncedEntriesMakesTheMemberRefuseToStart() throws Exception {
    Random random = new Random(7);
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdProcess server = EtcdProcess.created(EtcdProcess.Kind.ETCDJ, "powerloss-lost-wal")) {
      Path journal = PowerLoss.journalFor(server.dataDir());
      Map<String, String> recorder = PowerLoss.recording(server.dataDir());
      Map<String, String> env = new HashMap<>(recorder);
      env.put("ETCDJ_FAILPOINTS", "bugAckBeforeFsync=on");
      server.setEnvironment(env);
      server.start();
      CrashRecoveryTest.writeThenKill(server, 0, writeMs(random), attempted, false);
      powerLoss(server, journal, random, 1.0, "power loss under a disk that ignores fsync");
      server.setEnvironment(recorder);
      server.launch();
      assertTrue(server.awaitExit(Duration.ofSeconds(30)), "the member kept running:\n" + server.logTail(20));
      assertTrue(server.exitCode() != 0, "exit code " + server.exitCode());
      assertTrue(server.logTail(40).contains("the WAL lost entries that were synced"), server.logTail(40));
    }
  }

  /**
   * The member halts inside the store's own work — a step of a physical compaction, or a backend
   * checkpoint between its fsync and its metas' save (or just after) — while one client overwrites
   * ten keys and compacts every hundred puts, and the machine loses power at that moment. After
   * the restart every acknowledged put is still there: its key holds it or a later write, and
   * above the last acknowledged compaction each acknowledged revision still reads back as written;
   * below it the history is compacted; the store takes writes and compactions again.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "compactBeforeCommitBatch", "compactAfterCommitBatch",
        "backendBeforeCheckpointSave", "backendAfterCheckpointSave"
      })
  void aCrashInsideTheStoreFollowedByPowerLossLosesNothingAcknowledged(String failpoint) throws Exception {
    Random random = new Random(failpoint.hashCode());
    int hit = 3 + random.nextInt(6); // a few compactions (or checkpoints) in: past the first ones
    try (EtcdProcess server = EtcdProcess.created(EtcdProcess.Kind.ETCDJ, "powerloss-" + failpoint)) {
      Path journal = PowerLoss.journalFor(server.dataDir());
      Map<String, String> recorder = PowerLoss.recording(server.dataDir());
      Map<String, String> env = new HashMap<>(recorder);
      env.put("ETCDJ_FAILPOINTS", failpoint + "=panic@" + hit);
      server.setEnvironment(env);
      server.start();
      Churn churn = Churn.untilExit(server);
      powerLoss(server, journal, random, 0.5, "power loss at " + failpoint + "@" + hit);
      server.setEnvironment(recorder);
      server.start();
      assertTrue(server.logTail(2_000).contains("failpoint " + failpoint), "the failpoint fired");
      churn.verify(server, "after power loss at " + failpoint + "@" + hit);
    }
  }

  /**
   * One client overwriting ten keys and compacting every hundred puts, until its server exits by
   * itself; what it was told, for {@link #verify}.
   */
  private record Churn(List<long[]> ackedRevisions, Map<Long, String> keyOf, long compactedTo) {
    static final int KEYS = 10;
    static final int PUTS_PER_COMPACTION = 100;
    /** How far below the head each compaction goes: the latest history stays readable. */
    static final int KEPT_REVISIONS = 30;

    static Churn untilExit(EtcdProcess server) throws Exception {
      List<long[]> acked = new ArrayList<>(); // {revision, value number}
      Map<Long, String> keyOf = new HashMap<>();
      long compactedTo = 0;
      long deadline = System.nanoTime() + CrashRecoveryTest.ACKS_WAIT_MAX.toNanos();
      try (Client client = Client.builder().endpoints(server.clientUrl()).waitForReady(false).build()) {
        KV kv = client.getKVClient();
        for (long n = 0; System.nanoTime() < deadline; n++) {
          String key = "/churn/k" + (n % KEYS);
          PutResponse put;
          try {
            put = kv.put(CrashRecoveryTest.bs(key), CrashRecoveryTest.bs("v" + n))
                .get(CrashRecoveryTest.CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
          } catch (ExecutionException | TimeoutException e) {
            break; // the server halted at its failpoint (checked below)
          }
          long rev = put.getHeader().getRevision();
          acked.add(new long[] {rev, n});
          keyOf.put(rev, key);
          if (n % PUTS_PER_COMPACTION == PUTS_PER_COMPACTION - 1) {
            try {
              kv.compact(rev - KEPT_REVISIONS).get(CrashRecoveryTest.CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
              compactedTo = rev - KEPT_REVISIONS;
            } catch (ExecutionException | TimeoutException e) {
              break;
            }
          }
        }
      }
      assertTrue(server.awaitExit(CrashRecoveryTest.CALL_TIMEOUT), "the server did not halt at its failpoint");
      assertTrue(compactedTo > 0, "no compaction acknowledged before the crash");
      return new Churn(acked, keyOf, compactedTo);
    }

    void verify(EtcdProcess server, String when) throws Exception {
      try (Client client = Client.builder().endpoints(server.clientUrl()).build()) {
        KV kv = client.getKVClient();
        long timeout = CrashRecoveryTest.CALL_TIMEOUT.toMillis();
        TimeUnit ms = TimeUnit.MILLISECONDS;
        Map<String, Long> lastPerKey = new HashMap<>();
        for (long[] a : ackedRevisions) {
          lastPerKey.put(keyOf.get(a[0]), a[1]);
          if (a[0] <= compactedTo) {
            continue;
          }
          GetResponse at =
              kv.get(CrashRecoveryTest.bs(keyOf.get(a[0])), GetOption.builder().withRevision(a[0]).build())
                  .get(timeout, ms);
          assertEquals(1, at.getKvs().size(), when + ": revision " + a[0]);
          KeyValue v = at.getKvs().get(0);
          assertEquals("v" + a[1], CrashRecoveryTest.str(v.getValue()), when);
          assertEquals(a[0], v.getModRevision(), when);
        }
        for (Map.Entry<String, Long> e : lastPerKey.entrySet()) {
          GetResponse now = kv.get(CrashRecoveryTest.bs(e.getKey())).get(timeout, ms);
          long value = Long.parseLong(CrashRecoveryTest.str(now.getKvs().get(0).getValue()).substring(1));
          assertTrue(
              value >= e.getValue(), when + ": " + e.getKey() + " went back to v" + value + " from v" + e.getValue());
        }
        ExecutionException compacted =
            assertThrows(
                ExecutionException.class,
                () ->
                    kv.get(
                            CrashRecoveryTest.bs("/churn/k0"),
                            GetOption.builder().withRevision(compactedTo - 1).build())
                        .get(timeout, ms));
        assertTrue(
            String.valueOf(compacted.getCause().getMessage()).contains("required revision has been compacted"),
            when + ": a read below the acknowledged compaction: " + compacted.getCause());
        long head = kv.put(CrashRecoveryTest.bs("/churn/after"), CrashRecoveryTest.bs("x")).get(timeout, ms)
            .getHeader().getRevision();
        kv.compact(head - 1).get(timeout, ms);
        GetResponse churned =
            kv.get(CrashRecoveryTest.bs("/churn/k"), GetOption.builder().isPrefix(true).build()).get(timeout, ms);
        assertEquals(KEYS, churned.getCount(), when + ": the churned keys");
      }
    }
  }

  /**
   * A crash point and then a whole-cluster power loss: member 0, which the writers use, halts
   * itself at a point of the write path; at that moment the other two are SIGKILLed (one power
   * feed), and every member loses half of what it had not synced. Every acknowledged write is in
   * a quorum of fsynced WALs, so it must come back.
   */
  @ParameterizedTest
  @ValueSource(strings = {"raftAfterSave", "applyAfterCommit"})
  void aCrashPointThenPowerLossOnEveryMemberLosesNothingAcknowledged(String failpoint) throws Exception {
    Random random = new Random(failpoint.hashCode() * 31L);
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdCluster cluster = EtcdCluster.start(EtcdProcess.Kind.ETCDJ, "powerloss-crash3")) {
      List<EtcdProcess> members = cluster.members();
      List<Path> journals = underRecorder(cluster);
      EtcdProcess client = members.get(0);
      cluster.stop(client);
      Map<String, String> env = new HashMap<>(PowerLoss.recording(client.dataDir()));
      env.put("ETCDJ_FAILPOINTS", failpoint + "=panic@" + (800 + random.nextInt(800)));
      client.setEnvironment(env);
      cluster.launch(client);
      cluster.awaitLeader(Duration.ofSeconds(30));
      // The others lose power the moment member 0 halts, before their next checkpoint syncs what
      // they applied: the failpoint's log line comes just before the halt, and is seen sooner
      // than the exit (a dying JVM takes a while to unmap its memory).
      Thread feed =
          new Thread(
              () -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && !client.logTail(5).contains("failpoint " + failpoint)) {
                  EtcdProcess.sleepMs(2);
                }
                members.subList(1, members.size()).forEach(cluster::kill);
              },
              "power-feed");
      feed.start();
      List<Ack> acked = CrashRecoveryTest.writeThenKill(client, 0, 0, attempted, true);
      feed.join();
      assertTrue(client.logTail(2_000).contains("failpoint " + failpoint), "the failpoint fired");
      members.forEach(cluster::kill);
      for (int i = 0; i < members.size(); i++) {
        powerLoss(members.get(i), journals.get(i), random, 0.5, "power loss after " + failpoint + ", member " + i);
      }
      client.setEnvironment(PowerLoss.recording(client.dataDir()));
      members.forEach(cluster::launch);
      cluster.awaitLeader(Duration.ofSeconds(30));
      for (EtcdProcess m : members) {
        CrashRecoveryTest.verify(m, acked, attempted, random, "member " + cluster.indexOf(m) + " after " + failpoint + " and power loss");
      }
      ClusterProcessTest.assertConverged(cluster, ClusterProcessTest.awaitSameRevision(cluster, ClusterProcessTest.CATCH_UP_BOUND));
    }
  }

  /**
   * A follower installs a leader's snapshot and halts at each step of the install ({@link
   * SnapshotCrashProcessTest}'s points), and its machine loses power there: all, half or a tenth
   * of what it had not synced is gone. The install writes the snapshot file, the WAL's snapshot
   * record and the store; whatever of them survived, the member must come back with every
   * acknowledged write and the others' HashKV (raft sends the snapshot again or the member
   * installs the file it kept), or refuse to start — and here it must never need to.
   */
  @Test
  void aPowerLossAtEachStepOfASnapshotInstallLosesNothing() throws Exception {
    Random random = new Random(20261208);
    double[] shares = {1.0, 0.5, 0.1, 0.5};
    String[] points = {"raftBeforeSaveSnap", "raftAfterSaveSnap", "applyBeforeOpenSnapshot", "applyAfterRestoreSnapshot"};
    EtcdCluster.Options options = new EtcdCluster.Options(3, 100, 1_000, 100, List.of("--experimental-snapshot-catchup-entries", "50"));
    try (EtcdCluster c = EtcdCluster.start(EtcdProcess.Kind.ETCDJ, "powerloss-snap", options)) {
      Map<String, Long> acks = new HashMap<>();
      for (int cycle = 1; cycle <= points.length; cycle++) {
        String point = points[cycle - 1];
        EtcdProcess leader = c.awaitLeader(ClusterProcessTest.ELECTION_BOUND);
        EtcdProcess lagging = c.members().get((c.indexOf(leader) + 1) % c.members().size());
        c.stop(lagging);
        Path journal = PowerLoss.journalFor(lagging.dataDir());
        Map<String, String> recorder = PowerLoss.recording(lagging.dataDir());
        acks.putAll(ClusterProcessTest.putAll(c, c.live(), "/snaploss" + cycle + "/", 300));

        Map<String, String> env = new HashMap<>(recorder);
        env.put("ETCDJ_FAILPOINTS", point + "=panic");
        lagging.setEnvironment(env);
        c.launch(lagging);
        assertTrue(lagging.awaitExit(Duration.ofSeconds(30)), point + " fired\n" + lagging.logTail(40));
        assertTrue(lagging.logTail(200).contains("failpoint " + point), lagging.logTail(40));
        c.kill(lagging); // already gone: only marks it stopped
        powerLoss(lagging, journal, random, shares[cycle - 1], "power loss at " + point);

        lagging.setEnvironment(recorder);
        c.restart(lagging);
        long rev = ClusterProcessTest.awaitSameRevision(c, ClusterProcessTest.CATCH_UP_BOUND);
        for (int i = 1; i <= cycle; i++) {
          ClusterProcessTest.checkContains(c, lagging, "/snaploss" + i + "/", acks, true, 300);
        }
        ClusterProcessTest.assertConverged(c, rev);
        lagging.setEnvironment(Map.of());
      }
    }
  }

  /**
   * Membership changes and a whole-cluster power loss right after each is acknowledged: a member
   * added (not started: three of four is still a quorum), then removed. The member set lives in
   * the WAL's conf-change entries and in the store's members bucket, written by the apply
   * thread; after the power loss every member must list exactly what was acknowledged.
   */
  @Test
  void aPowerLossRightAfterAMembershipChangeKeepsTheAcknowledgedMembers() throws Exception {
    Random random = new Random(11);
    try (EtcdCluster cluster = EtcdCluster.start(EtcdProcess.Kind.ETCDJ, "powerloss-members")) {
      List<EtcdProcess> members = cluster.members();
      List<Path> journals = underRecorder(cluster);
      String peerUrl = "http://127.0.0.1:" + EtcdProcess.freePorts(1)[0];
      EtcdProcess via = cluster.awaitLeader(Duration.ofSeconds(30));
      long added = memberChange(cluster, via, b -> b.memberAdd(io.etcdj.api.etcdserverpb.MemberAddRequest.newBuilder().addPeerURLs(peerUrl).build()).getMember().getID());
      wholeClusterPowerLoss(cluster, journals, random, "after the add");
      assertMembers(cluster, peerUrl, added, true);

      via = cluster.awaitLeader(Duration.ofSeconds(30));
      memberChange(cluster, via, b -> {
        b.memberRemove(io.etcdj.api.etcdserverpb.MemberRemoveRequest.newBuilder().setID(added).build());
        return added;
      });
      wholeClusterPowerLoss(cluster, journals, random, "after the removal");
      assertMembers(cluster, peerUrl, added, false);
    }
  }

  private static long memberChange(
      EtcdCluster c, EtcdProcess via, java.util.function.Function<io.etcdj.api.etcdserverpb.ClusterGrpc.ClusterBlockingStub, Long> change) {
    // A young cluster refuses a change ("unhealthy cluster") until its members have been
    // connected for 5 s: retry that refusal only.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (true) {
      try {
        return change.apply(io.etcdj.api.etcdserverpb.ClusterGrpc.newBlockingStub(c.channel(via)).withDeadlineAfter(5, TimeUnit.SECONDS));
      } catch (io.grpc.StatusRuntimeException e) {
        if (!String.valueOf(e.getStatus().getDescription()).contains("unhealthy cluster") || System.nanoTime() > deadline) {
          throw e;
        }
        EtcdProcess.sleepMs(200);
      }
    }
  }

  private static void wholeClusterPowerLoss(EtcdCluster cluster, List<Path> journals, Random random, String when) {
    List<EtcdProcess> members = cluster.members();
    members.forEach(cluster::kill);
    for (int i = 0; i < members.size(); i++) {
      powerLoss(members.get(i), journals.get(i), random, 0.5, "power loss " + when + ", member " + i);
    }
    members.forEach(cluster::launch);
  }

  private static void assertMembers(EtcdCluster cluster, String peerUrl, long id, boolean listed) {
    cluster.awaitLeader(Duration.ofSeconds(30));
    for (EtcdProcess m : cluster.members()) {
      List<io.etcdj.api.etcdserverpb.Member> list =
          io.etcdj.api.etcdserverpb.ClusterGrpc.newBlockingStub(cluster.channel(m))
              .withDeadlineAfter(5, TimeUnit.SECONDS)
              .memberList(io.etcdj.api.etcdserverpb.MemberListRequest.getDefaultInstance())
              .getMembersList();
      assertEquals(listed ? 4 : 3, list.size(), "member " + cluster.indexOf(m) + ": " + list);
      assertEquals(listed, list.stream().anyMatch(x -> x.getID() == id && x.getPeerURLsList().contains(peerUrl)), "member " + cluster.indexOf(m) + ": " + list);
    }
  }

  /** Restarts every member under the power-loss recorder; returns their journals. */
  private static List<Path> underRecorder(EtcdCluster cluster) {
    List<Path> journals = new ArrayList<>();
    for (EtcdProcess m : cluster.members()) {
      cluster.stop(m);
    }
    for (EtcdProcess m : cluster.members()) {
      journals.add(PowerLoss.journalFor(m.dataDir()));
      m.setEnvironment(PowerLoss.recording(m.dataDir()));
      cluster.launch(m);
    }
    return journals;
  }

  private static long writeMs(Random random) {
    return CrashRecoveryTest.WRITE_PERIOD.toMillis() + random.nextInt(1_000);
  }

  private static void powerLoss(EtcdProcess m, Path journal, Random random, double p, String what) {
    PowerLoss.Outcome lost = PowerLoss.crash(journal, random, p);
    System.out.println(what + ": " + lost);
    PowerLoss.reboot(m.dataDir());
  }
}
