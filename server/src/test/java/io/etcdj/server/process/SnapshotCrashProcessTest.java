package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A member that installs a leader's snapshot crashes at each step of the install (etcdj's failpoints, so etcdj only):
 * before the WAL records the snapshot, after it, before the store is read, and after the store committed but before
 * it was synced. Each time the restarted member must come back with every acknowledged write and the same hashkv as
 * the others: either raft's leader sends the snapshot again, or the member installs the file it kept.
 *
 * <p>One cluster runs all four cycles: {@code --snapshot-count 100} and {@code
 * --experimental-snapshot-catchup-entries 50}, so 300 writes while the member is down always leave it behind the
 * leader's compacted log.
 */
@Tag("process")
class SnapshotCrashProcessTest {
  private static final int KEYS_PER_CYCLE = 300;
  private static final Duration CRASH_BOUND = Duration.ofSeconds(30);

  /**
   * Failpoint → what the restarted member logs: the snapshot is sent again (the crash came before the WAL recorded
   * it), the kept file is installed (the WAL holds the snapshot, the store does not), or nothing (the store had
   * committed it; only its sync and the file's deletion were left).
   */
  private static final Map<String, String> FAILPOINTS = new LinkedHashMap<>();
  /** The store had committed the snapshot: the restart neither installs a file nor gets one sent. */
  private static final String NOTHING_REDONE = "nothing redone";

  static {
    FAILPOINTS.put("raftBeforeSaveSnap", "installed snapshot at index");
    FAILPOINTS.put("raftAfterSaveSnap", "installing the snapshot at index");
    FAILPOINTS.put("applyBeforeOpenSnapshot", "installing the snapshot at index");
    FAILPOINTS.put("applyAfterRestoreSnapshot", NOTHING_REDONE);
  }

  @Test
  void aCrashAtEachStepOfASnapshotInstallLosesNothing() throws Exception {
    Assumptions.assumeTrue(
        EtcdProcess.selectedKinds().contains(EtcdProcess.Kind.ETCDJ), "etcdj's failpoints");
    EtcdCluster.Options options =
        new EtcdCluster.Options(
            3, 100, 1_000, 100, List.of("--experimental-snapshot-catchup-entries", "50"));
    try (EtcdCluster c = EtcdCluster.start(EtcdProcess.Kind.ETCDJ, "snapcrash", options)) {
      Map<String, Long> acks = new HashMap<>();
      int cycle = 0;
      for (Map.Entry<String, String> fp : FAILPOINTS.entrySet()) {
        cycle++;
        EtcdProcess leader = c.awaitLeader(ClusterProcessTest.ELECTION_BOUND);
        EtcdProcess lagging = c.members().get((c.indexOf(leader) + 1) % c.members().size());
        c.stop(lagging);
        String prefix = "/crash" + cycle + "/";
        acks.putAll(ClusterProcessTest.putAll(c, c.live(), prefix, KEYS_PER_CYCLE));

        lagging.setEnvironment(Map.of("ETCDJ_FAILPOINTS", fp.getKey() + "=panic"));
        c.launch(lagging);
        assertTrue(lagging.awaitExit(CRASH_BOUND), fp.getKey() + " fired\n" + lagging.logTail(40));
        assertEquals(2, lagging.exitCode(), "halted by the failpoint\n" + lagging.logTail(40));
        assertTrue(lagging.logTail(200).contains("failpoint " + fp.getKey()), lagging.logTail(40));
        c.kill(lagging); // already gone: only marks it stopped

        lagging.setEnvironment(Map.of());
        c.restart(lagging);
        long rev = ClusterProcessTest.awaitSameRevision(c, ClusterProcessTest.CATCH_UP_BOUND);
        String log = lagging.logTail(400);
        String restart = log.substring(log.lastIndexOf("===== start #"));
        if (fp.getValue().equals(NOTHING_REDONE)) {
          assertTrue(
              !restart.contains("installing the snapshot at index") && !restart.contains("installed snapshot at index"),
              "after " + fp.getKey() + " the restart must not install a snapshot again\n" + log);
        } else {
          assertTrue(restart.contains(fp.getValue()), "after " + fp.getKey() + ": " + fp.getValue() + "\n" + log);
        }
        for (int i = 1; i <= cycle; i++) {
          ClusterProcessTest.checkContains(c, lagging, "/crash" + i + "/", acks, true, KEYS_PER_CYCLE);
        }
        ClusterProcessTest.assertConverged(c, rev);
      }
    }
  }
}
