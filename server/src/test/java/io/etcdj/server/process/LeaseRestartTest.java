package io.etcdj.server.process;

import static io.etcdj.server.process.JetcdKvTest.await;
import static io.etcdj.server.process.JetcdKvTest.bs;
import static io.etcdj.server.process.JetcdKvTest.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Leases and their keys survive kill -9 of a single member: after the restart the lease is there
 * with its granted TTL and attached keys (moved and detached ones as they were), a key re-put
 * without a lease stays detached, and revoking the lease deletes exactly its keys.
 */
@Tag("process")
class LeaseRestartTest {

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void leasesAndAttachmentsSurviveKill(EtcdProcess.Kind kind) {
    String p = "/lease-restart/";
    long a;
    long b;
    try (EtcdProcess server = EtcdProcess.start(kind, "lease-restart")) {
      try (Client c = Client.builder().endpoints(server.clientUrl()).build()) {
        a = await(c.getLeaseClient().grant(600)).getID();
        b = await(c.getLeaseClient().grant(300)).getID();
        put(c, p + "1", a);
        put(c, p + "2", a);
        put(c, p + "3", a);
        put(c, p + "3", b); // moved to b
        put(c, p + "4", a);
        await(c.getKVClient().put(bs(p + "4"), bs("plain"))); // detached
        put(c, p + "5", b);
        await(c.getKVClient().delete(bs(p + "5")));
      }
      server.kill();
      server.start();
      try (Client c = Client.builder().endpoints(server.clientUrl()).build()) {
        LeaseTimeToLiveResponse ta = ttl(c, a);
        assertEquals(600, ta.getGrantedTTL());
        assertTrue(ta.getTTL() > 500, "remaining " + ta.getTTL());
        assertEquals(List.of(p + "1", p + "2"), keys(ta));
        LeaseTimeToLiveResponse tb = ttl(c, b);
        assertEquals(300, tb.getGrantedTTL());
        assertEquals(List.of(p + "3"), keys(tb));
        await(c.getLeaseClient().revoke(a));
        List<String> left = new ArrayList<>();
        await(c.getKVClient().get(bs(p), GetOption.builder().isPrefix(true).build()))
            .getKvs()
            .forEach(kv -> left.add(str(kv.getKey())));
        assertEquals(List.of(p + "3", p + "4"), left);
      }
    }
  }

  private static void put(Client c, String key, long lease) {
    await(c.getKVClient().put(bs(key), bs("v"), PutOption.builder().withLeaseId(lease).build()));
  }

  private static LeaseTimeToLiveResponse ttl(Client c, long id) {
    return await(c.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
  }

  private static List<String> keys(LeaseTimeToLiveResponse r) {
    List<String> out = new ArrayList<>();
    for (ByteSequence k : r.getKeys()) {
      out.add(str(k));
    }
    out.sort(null);
    return out;
  }
}
