package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.cluster.Member;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.maintenance.StatusResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A three-member cluster through jetcd 0.8, the Java client users have: one client given all three endpoints
 * writes, reads from each member, lists the members and asks each for its status; then the leader is killed -9 and
 * the same client keeps writing (retrying a failed put, as an application would) until the new leader takes it.
 * Every acknowledged put must be readable, linearizably, from each survivor. Runs against real etcd first.
 */
@Tag("process")
class JetcdClusterTest {
  private static final Duration CALL = Duration.ofSeconds(10);
  private static final int KEYS_BEFORE = 100;
  private static final int KEYS_AFTER = 100;
  private static final long RETRY_FOR_MS = 20_000;

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static String endpointsOf(List<EtcdProcess> members) {
    List<String> urls = new ArrayList<>();
    for (EtcdProcess m : members) {
      urls.add(m.clientUrl());
    }
    return String.join(",", urls);
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void oneClientAcrossAClusterThroughFailover(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "jetcd");
        Client client = Client.builder().endpoints(endpointsOf(c.members()).split(",")).build()) {
      KV kv = client.getKVClient();
      Map<String, Long> acked = new HashMap<>();
      for (int i = 0; i < KEYS_BEFORE; i++) {
        String key = "/jetcd/before/" + i;
        long rev = kv.put(bs(key), bs("v" + i)).get(CALL.toSeconds(), TimeUnit.SECONDS).getHeader().getRevision();
        acked.put(key, rev);
      }

      List<Member> members = client.getClusterClient().listMember().get(CALL.toSeconds(), TimeUnit.SECONDS).getMembers();
      assertEquals(3, members.size(), "member list");
      Set<String> names = new HashSet<>();
      for (Member m : members) {
        names.add(m.getName());
        assertFalse(m.isLearner());
        assertEquals(1, m.getClientURIs().size(), "client URLs of " + m.getName());
      }
      assertEquals(Set.of("m1", "m2", "m3"), names);

      Set<Long> leaders = new HashSet<>();
      for (EtcdProcess m : c.members()) {
        StatusResponse s =
            client.getMaintenanceClient().statusMember(m.clientUrl()).get(CALL.toSeconds(), TimeUnit.SECONDS);
        leaders.add(s.getLeader());
        assertTrue(s.getRaftIndex() >= KEYS_BEFORE, "raft index of " + m);
      }
      assertEquals(1, leaders.size(), "every member names the same leader");

      EtcdProcess leader = c.awaitLeader(ClusterProcessTest.ELECTION_BOUND);
      c.kill(leader);
      long killedAt = System.nanoTime();
      for (int i = 0; i < KEYS_AFTER; i++) {
        String key = "/jetcd/after/" + i;
        acked.put(key, putRetrying(kv, key, "w" + i));
      }
      ClusterProcessTest.measured(
          kind, "jetcd: " + KEYS_AFTER + " puts after killing the leader in " + ClusterProcessTest.ms(killedAt) + " ms");

      for (EtcdProcess m : c.live()) {
        try (Client one = Client.builder().endpoints(m.clientUrl()).build()) {
          GetResponse r =
              one.getKVClient()
                  .get(bs("/jetcd/"), GetOption.builder().isPrefix(true).build())
                  .get(CALL.toSeconds(), TimeUnit.SECONDS);
          assertEquals(acked.size(), r.getKvs().size(), "keys on " + m);
          for (KeyValue kvp : r.getKvs()) {
            String key = kvp.getKey().toString(StandardCharsets.UTF_8);
            String want = (key.startsWith("/jetcd/before/") ? "v" : "w") + key.substring(key.lastIndexOf('/') + 1);
            assertEquals(want, kvp.getValue().toString(StandardCharsets.UTF_8), "value of " + key + " on " + m);
            if (key.startsWith("/jetcd/before/")) {
              // A retried put after the kill may have landed twice; before it, each put is exactly one revision.
              assertEquals(acked.get(key), kvp.getModRevision(), "mod revision of " + key + " on " + m);
            }
          }
        }
      }
    }
  }

  /** A put retried after a failure until it is acknowledged (each retry writes the same value again). */
  private static long putRetrying(KV kv, String key, String value) throws InterruptedException {
    long deadline = System.currentTimeMillis() + RETRY_FOR_MS;
    Exception last = null;
    while (System.currentTimeMillis() < deadline) {
      try {
        return kv.put(bs(key), bs(value)).get(CALL.toSeconds(), TimeUnit.SECONDS).getHeader().getRevision();
      } catch (Exception e) {
        last = e;
        Thread.sleep(100);
      }
    }
    throw new AssertionError("put " + key + " not acknowledged within " + RETRY_FOR_MS + " ms", last);
  }
}
