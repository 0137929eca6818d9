package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The corruption checks on a three-member etcdj cluster. One member is restarted with the test
 * point that alters every value it applies (stock etcd has no such hook, so only etcdj runs
 * this): the leader's periodic check ({@code --experimental-corrupt-check-time 1s}) raises
 * CORRUPT, which {@code etcdctl alarm list} shows as for etcd (member id 0, so just
 * "alarm:CORRUPT"); then the corrupted member, restarted with {@code
 * --experimental-initial-corrupt-check}, refuses to start with etcd's message, while a healthy
 * member restarted the same way starts.
 */
@Tag("process")
class CorruptionCheckProcessTest {

  @Test
  void corruptMemberIsFoundPeriodicallyAndAtRestart() throws Exception {
    EtcdCluster.Options options =
        new EtcdCluster.Options(
            3, 100, 1_000, 0, List.of("--experimental-corrupt-check-time", "1s"));
    try (EtcdCluster c = EtcdCluster.start(EtcdProcess.Kind.ETCDJ, "corrupt", options)) {
      EtcdProcess leader = c.awaitLeader(Duration.ofSeconds(10));
      EtcdProcess bad = c.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
      EtcdProcess good =
          c.members().stream().filter(m -> m != leader && m != bad).findFirst().orElseThrow();
      bad.stop();
      bad.setEnvironment(Map.of("ETCDJ_FAILPOINTS", "applyCorruptPut=on"));
      bad.start();

      Etcdctl.Result put = Etcdctl.run(leader.endpoint(), List.of("put", "k", "v"));
      assertEquals(0, put.exitCode(), put.stderr());

      String alarms = awaitAlarm(leader, Duration.ofSeconds(10));
      assertEquals("alarm:CORRUPT \n", alarms); // member id 0: Go's text format leaves it out
      assertTrue(
          Files.readString(leader.logFile()).contains("expected hash "),
          "the leader logs both hashes");

      bad.stop();
      bad.setEnvironment(Map.of("ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK", "true"));
      bad.launch();
      assertTrue(bad.awaitExit(Duration.ofSeconds(30)), "the corrupted member must not start");
      assertEquals(1, bad.exitCode());
      String log = Files.readString(bad.logFile());
      String id = Long.toHexString(c.memberId(bad));
      assertTrue(log.contains(id + " found data inconsistency with peers"), log);

      good.stop();
      good.setEnvironment(Map.of("ETCD_EXPERIMENTAL_INITIAL_CORRUPT_CHECK", "true"));
      good.launch();
      good.awaitServing(good.readyTimeout()); // not "healthy": etcdctl counts the alarm against it
      assertTrue(
          Files.readString(good.logFile())
              .contains("succeeded on initial corruption checking: no corruption"));
    }
  }

  private static String awaitAlarm(EtcdProcess m, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    String out = "";
    while (System.nanoTime() < deadline) {
      Etcdctl.Result r = Etcdctl.run(m.endpoint(), List.of("alarm", "list"));
      out = r.stdout();
      if (!out.isBlank()) {
        return out;
      }
      EtcdProcess.sleepMs(200);
    }
    return out;
  }
}
