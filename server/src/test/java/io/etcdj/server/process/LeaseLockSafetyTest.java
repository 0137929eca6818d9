package io.etcdj.server.process;

import static io.etcdj.server.process.JetcdKvTest.await;
import static io.etcdj.server.process.JetcdKvTest.bs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Txn;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.Watch;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Lock safety with the lease + txn recipe on a three-member cluster: {@value #CLIENTS} clients,
 * spread over the members, each with its own lease, take one lock {@value #ROUNDS} times each
 * (txn: if the lock key does not exist, put it with my lease; else wait for its deletion) and
 * release it by deleting the key. Each records when it held the lock, from the acknowledgement of
 * its winning txn to just before it sends the delete, on one monotonic clock; in the recorded
 * history no two hold intervals overlap, and every round was served.
 */
@Tag("process")
class LeaseLockSafetyTest {
  private static final int CLIENTS = 6;
  private static final int ROUNDS = 8;
  private static final ByteSequence LOCK = bs("/lock-safety/lock");

  private record Hold(int client, long fromNanos, long toNanos) {}

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void noTwoClientsHoldTheLockAtOnce(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "lock-safety")) {
      c.awaitLeader(Duration.ofSeconds(30));
      List<Hold> history = new CopyOnWriteArrayList<>();
      List<Client> clients = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
      try {
        for (int i = 0; i < CLIENTS; i++) {
          clients.add(Client.builder().endpoints(c.member(i % 3).clientUrl()).build());
        }
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
          int me = i;
          Client cl = clients.get(i);
          done.add(
              pool.submit(
                  () -> {
                    long lease = await(cl.getLeaseClient().grant(30)).getID();
                    start.await();
                    for (int r = 0; r < ROUNDS; r++) {
                      acquire(cl, lease);
                      long from = System.nanoTime();
                      Thread.sleep(5);
                      long to = System.nanoTime();
                      history.add(new Hold(me, from, to));
                      await(cl.getKVClient().delete(LOCK));
                    }
                    await(cl.getLeaseClient().revoke(lease));
                    return null;
                  }));
        }
        start.countDown();
        for (Future<?> f : done) {
          f.get(120, TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
        clients.forEach(Client::close);
      }
      assertEquals(CLIENTS * ROUNDS, history.size());
      List<Hold> sorted = new ArrayList<>(history);
      sorted.sort(Comparator.comparingLong(Hold::fromNanos));
      for (int i = 1; i < sorted.size(); i++) {
        Hold prev = sorted.get(i - 1);
        Hold next = sorted.get(i);
        assertTrue(
            next.fromNanos() > prev.toNanos(),
            "client " + next.client() + " took the lock while client " + prev.client() + " held it");
      }
    }
  }

  /** Puts the lock key with my lease if nobody holds it; else waits for its deletion and retries. */
  private static void acquire(Client cl, long lease) throws Exception {
    while (true) {
      Txn txn =
          cl.getKVClient()
              .txn()
              .If(new Cmp(LOCK, Cmp.Op.EQUAL, CmpTarget.createRevision(0)))
              .Then(Op.put(LOCK, bs("held"), PutOption.builder().withLeaseId(lease).build()))
              .Else(Op.get(LOCK, io.etcd.jetcd.options.GetOption.DEFAULT));
      TxnResponse r = await(txn.commit());
      if (r.isSucceeded()) {
        return;
      }
      long seenRev = r.getGetResponses().get(0).getHeader().getRevision();
      CompletableFuture<Void> deleted = new CompletableFuture<>();
      try (Watch.Watcher w =
          cl.getWatchClient()
              .watch(
                  LOCK,
                  WatchOption.builder().withRevision(seenRev + 1).build(),
                  resp -> {
                    if (resp.getEvents().stream()
                        .anyMatch(e -> e.getEventType() == io.etcd.jetcd.watch.WatchEvent.EventType.DELETE)) {
                      deleted.complete(null);
                    }
                  })) {
        deleted.get(30, TimeUnit.SECONDS);
      }
    }
  }
}
