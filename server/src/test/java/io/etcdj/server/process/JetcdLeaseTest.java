package io.etcdj.server.process;

import static io.etcdj.server.process.JetcdKvTest.await;
import static io.etcdj.server.process.JetcdKvTest.bs;
import static io.etcdj.server.process.JetcdKvTest.str;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Lease;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.support.CloseableClient;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Leases through jetcd 0.8 (its {@code Lease.keepAlive} observer, grant, revoke, time-to-live),
 * the same assertions against real etcd (which proves them) and etcdj: kept-alive keys stay,
 * keys of a lease nobody keeps alive disappear within TTL + 1 s of its expiry with one DELETE
 * event each, all at one revision.
 */
@Tag("process")
class JetcdLeaseTest {
  private static final Map<EtcdProcess.Kind, EtcdProcess> SERVERS =
      new EnumMap<>(EtcdProcess.Kind.class);
  private static final Map<EtcdProcess.Kind, Client> CLIENTS =
      new EnumMap<>(EtcdProcess.Kind.class);

  @AfterAll
  static void stopServers() {
    CLIENTS.values().forEach(Client::close);
    CLIENTS.clear();
    SERVERS.values().forEach(EtcdProcess::close);
    SERVERS.clear();
  }

  private static synchronized Client client(EtcdProcess.Kind kind) {
    return CLIENTS.computeIfAbsent(
        kind,
        k -> {
          EtcdProcess server = SERVERS.computeIfAbsent(k, kk -> EtcdProcess.start(kk, "jetcd-lease"));
          return Client.builder().endpoints(server.clientUrl()).build();
        });
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void keepAliveKeepsKeysAndStoppingLetsThemGo(EtcdProcess.Kind kind) throws Exception {
    Client c = client(kind);
    Lease lease = c.getLeaseClient();
    long id = await(lease.grant(3)).getID();
    String p = "/lease/keepalive/";
    await(c.getKVClient().put(bs(p + "a"), bs("1"), PutOption.builder().withLeaseId(id).build()));
    List<LeaseKeepAliveResponse> got = new CopyOnWriteArrayList<>();
    CloseableClient keepAlive =
        lease.keepAlive(
            id,
            new StreamObserver<>() {
              @Override
              public void onNext(LeaseKeepAliveResponse r) {
                got.add(r);
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            });
    Thread.sleep(5_000); // longer than the TTL: only the keep-alives keep the key
    assertEquals(1, count(c, p), "kept alive");
    assertTrue(got.size() >= 2, "keep-alive answers: " + got.size());
    for (LeaseKeepAliveResponse r : got) {
      assertEquals(id, r.getID());
      assertEquals(3, r.getTTL());
    }
    keepAlive.close();
    long stopped = System.nanoTime();
    long goneNanos = awaitCount(c, p, 0, 3 + 1 + 2);
    double seconds = (goneNanos - stopped) / 1e9;
    assertTrue(seconds <= 3 + 1 + 1, "gone " + seconds + " s after the last keep-alive");
    LeaseTimeToLiveResponse ttl = await(lease.timeToLive(id, LeaseOption.DEFAULT));
    assertEquals(-1, ttl.getTTL());
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void expiryDeletesEveryKeyInOneRevisionWithDeleteEvents(EtcdProcess.Kind kind)
      throws Exception {
    Client c = client(kind);
    String p = "/lease/expiry/";
    long id = await(c.getLeaseClient().grant(2)).getID();
    long granted = System.nanoTime();
    for (String k : List.of("a", "b", "c")) {
      await(c.getKVClient().put(bs(p + k), bs(k), PutOption.builder().withLeaseId(id).build()));
    }
    await(c.getKVClient().put(bs(p + "plain"), bs("x")));
    LinkedBlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
    try (Watch.Watcher w =
        c.getWatchClient()
            .watch(
                bs(p),
                WatchOption.builder().isPrefix(true).build(),
                r -> events.addAll(r.getEvents()))) {
      List<WatchEvent> deletes = new ArrayList<>();
      while (deletes.size() < 3) {
        WatchEvent e = events.poll(5, TimeUnit.SECONDS);
        assertTrue(e != null, "DELETE events so far: " + deletes.size());
        deletes.add(e);
      }
      double seconds = (System.nanoTime() - granted) / 1e9;
      assertTrue(seconds <= 2 + 1 + 0.5, "keys gone " + seconds + " s after the grant");
      long rev = deletes.get(0).getKeyValue().getModRevision();
      List<String> keys = new ArrayList<>();
      for (WatchEvent e : deletes) {
        assertEquals(WatchEvent.EventType.DELETE, e.getEventType());
        assertEquals(rev, e.getKeyValue().getModRevision(), "one revision for the whole revoke");
        keys.add(str(e.getKeyValue().getKey()));
      }
      assertEquals(List.of(p + "a", p + "b", p + "c"), keys);
    }
    assertEquals(1, count(c, p), "the key without a lease stays");
    assertEquals(-1, await(c.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT)).getTTL());
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void grantTimeToLiveRevokeAndErrors(EtcdProcess.Kind kind) {
    Client c = client(kind);
    Lease lease = c.getLeaseClient();
    assertEquals(2, await(lease.grant(1)).getTTL(), "raised to the minimum TTL");
    long id = await(lease.grant(600)).getID();
    String p = "/lease/ttl/";
    await(c.getKVClient().put(bs(p + "x"), bs("1"), PutOption.builder().withLeaseId(id).build()));
    await(c.getKVClient().put(bs(p + "y"), bs("1"), PutOption.builder().withLeaseId(id).build()));
    LeaseTimeToLiveResponse ttl =
        await(lease.timeToLive(id, LeaseOption.builder().withAttachedKeys().build()));
    assertEquals(600, ttl.getGrantedTTL());
    assertTrue(ttl.getTTL() >= 598 && ttl.getTTL() <= 600, "remaining " + ttl.getTTL());
    List<String> keys = new ArrayList<>();
    for (ByteSequence k : ttl.getKeys()) {
      keys.add(str(k));
    }
    keys.sort(null);
    assertEquals(List.of(p + "x", p + "y"), keys);
    assertEquals(600, await(lease.keepAliveOnce(id)).getTTL());
    await(lease.revoke(id));
    assertEquals(0, count(c, p));
    RuntimeException e = assertThrows(RuntimeException.class, () -> await(lease.revoke(id)));
    assertTrue(
        String.valueOf(e.getMessage()).contains("etcdserver: requested lease not found")
            || String.valueOf(e.getCause()).contains("etcdserver: requested lease not found"),
        e.toString());
    RuntimeException put =
        assertThrows(
            RuntimeException.class,
            () ->
                await(
                    c.getKVClient()
                        .put(bs(p + "z"), bs("1"), PutOption.builder().withLeaseId(id).build())));
    assertTrue(put.toString().contains("etcdserver: requested lease not found"), put.toString());
  }

  private static long count(Client c, String prefix) {
    return await(
            c.getKVClient()
                .get(bs(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build()))
        .getCount();
  }

  /** Polls until the prefix holds {@code want} keys; returns when (nanoTime). */
  private static long awaitCount(Client c, String prefix, long want, long timeoutSeconds)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
    while (System.nanoTime() < deadline) {
      if (count(c, prefix) == want) {
        return System.nanoTime();
      }
      Thread.sleep(50);
    }
    throw new AssertionError(prefix + " never held " + want + " keys");
  }
}
