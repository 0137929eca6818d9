package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.v3lockpb.LockRequest;
import io.etcdj.api.v3lockpb.LockResponse;
import io.etcdj.api.v3lockpb.UnlockRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mutual exclusion through the Lock service: {@link #CLIENTS} clients, each with its own lease,
 * take one lock {@link #ROUNDS} times each, all starting together. A client records when Lock
 * answered and, before it calls Unlock, when it lets go (both from {@link System#nanoTime}, one
 * monotonic clock for all); sorted by acquisition, every hold must end before the next begins.
 *
 * <p>Runs on an etcdj server's own Lock service (over its KV, Watch and Lease) and, to check the
 * checker, on real etcd's own.
 */
@Tag("process")
class LockSafetyTest {
  static final int CLIENTS = 8;
  static final int ROUNDS = 8;
  /** Longest hold; random per round so that handoffs interleave differently. */
  static final int HOLD_MS_MAX = 3;

  record Hold(int client, long acquiredNs, long releasedNs, ByteString key) {}

  private static RecipeServers servers;

  @BeforeAll
  static void start() {
    servers = RecipeServers.start("lock-safety");
  }

  @AfterAll
  static void stop() {
    if (servers != null) {
      servers.close();
    }
  }


  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"etcd", "etcdj"})
  void holdsNeverOverlap(String which) throws Exception {
    RecipeSide side = servers.side(which);
    ByteString name = ByteString.copyFromUtf8("safety-" + which);
    ConcurrentLinkedQueue<Hold> history = new ConcurrentLinkedQueue<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < CLIENTS; c++) {
        int client = c;
        long lease = side.grant(60);
        done.add(
            clients.submit(
                () -> {
                  Random random = new Random(client);
                  go.await();
                  for (int r = 0; r < ROUNDS; r++) {
                    LockResponse held =
                        side.lock().lock(LockRequest.newBuilder().setName(name).setLease(lease).build());
                    long acquiredNs = System.nanoTime();
                    Thread.sleep(random.nextInt(HOLD_MS_MAX + 1));
                    long releasedNs = System.nanoTime();
                    history.add(new Hold(client, acquiredNs, releasedNs, held.getKey()));
                    side.lock().unlock(UnlockRequest.newBuilder().setKey(held.getKey()).build());
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      clients.shutdownNow();
    }

    List<Hold> holds = new ArrayList<>(history);
    assertEquals(CLIENTS * ROUNDS, holds.size());
    holds.sort(Comparator.comparingLong(Hold::acquiredNs));
    for (int i = 1; i < holds.size(); i++) {
      Hold before = holds.get(i - 1);
      Hold after = holds.get(i);
      assertTrue(
          before.releasedNs() < after.acquiredNs(),
          () -> which + ": client " + after.client() + " acquired while client " + before.client() + " held the lock");
    }
    for (Hold h : holds) {
      assertTrue(h.key().startsWith(name.concat(ByteString.copyFromUtf8("/"))), () -> "key " + h.key().toStringUtf8());
    }
  }
}
