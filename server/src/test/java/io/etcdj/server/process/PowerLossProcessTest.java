package io.etcdj.server.process;

import io.etcdj.server.process.CrashRecoveryTest.Ack;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
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
    Random random = new Random(Double.doubleToLongBits(lossProbability));
    List<Ack> acked = new ArrayList<>();
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdProcess server = EtcdProcess.created(EtcdProcess.Kind.ETCDJ, "powerloss")) {
      Path journal = PowerLoss.journalFor(server.dataDir());
      server.setEnvironment(PowerLoss.recording(server.dataDir()));
      for (int cycle = 0; cycle < 3; cycle++) {
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
      Map<String, String> env = new java.util.HashMap<>(recorder);
      env.put("ETCDJ_FAILPOINTS", failpoint + "=panic@1500"); // well inside the stream, past a checkpoint
      server.setEnvironment(env);
      server.start();
      List<Ack> acked = CrashRecoveryTest.writeThenKill(server, 0, 0, attempted, true);
      powerLoss(server, journal, random, 0.5, "power loss at " + failpoint);
      server.setEnvironment(recorder);
      server.start();
      CrashRecoveryTest.verify(server, acked, attempted, random, "after power loss at " + failpoint);
      org.junit.jupiter.api.Assertions.assertTrue(
          server.logTail(2_000).contains("failpoint " + failpoint), "the failpoint fired");
    }
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
