package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Election;
import io.etcd.jetcd.Lock;
import io.etcd.jetcd.election.CampaignResponse;
import io.etcd.jetcd.election.LeaderKey;
import io.etcd.jetcd.election.LeaderResponse;
import io.etcd.jetcd.election.NoLeaderException;
import io.etcd.jetcd.election.NotLeaderException;
import io.etcd.jetcd.lock.LockResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * jetcd 0.8's {@link Lock} and {@link Election} clients against an etcdj server's services, with
 * the same assertions run against real etcd's own services to prove them. Checks what
 * a Java user relies on: the ownership key, handover to a waiting locker, leader values, Observe,
 * and that jetcd turns the election errors into its {@link NotLeaderException} and {@link
 * NoLeaderException} (it matches the messages).
 */
@Tag("process")
class JetcdLockElectionTest {
  static final long WAIT_SECONDS = 10;

  private static RecipeServers servers;

  @BeforeAll
  static void start() {
    servers = RecipeServers.start("jetcd-lock-election");
  }

  @AfterAll
  static void stop() {
    if (servers != null) {
      servers.close();
    }
  }


  private static RecipeSide side(String which) {
    return servers.side(which);
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }

  static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  /** The cause jetcd fails a future with. */
  static Throwable failure(CompletableFuture<?> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT_SECONDS, TimeUnit.SECONDS));
    return e.getCause();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"etcd", "etcdj"})
  void lockIsHandedToTheWaitingLocker(String which) throws Exception {
    RecipeSide s = side(which);
    String name = "jetcd-lock-" + which;
    long a = s.grant(30);
    long b = s.grant(30);
    try (Client client = Client.builder().endpoints(s.servicesUrl()).build()) {
      Lock lock = client.getLockClient();
      LockResponse first = await(lock.lock(bs(name), a));
      assertEquals(name + "/" + Long.toHexString(a), str(first.getKey()));
      CompletableFuture<LockResponse> second = lock.lock(bs(name), b);
      Thread.sleep(LockElectionDifferentialTest.BLOCKED_MS);
      assertFalse(second.isDone(), "the second locker must wait");
      await(lock.unlock(first.getKey()));
      LockResponse secondHeld = await(second);
      assertEquals(name + "/" + Long.toHexString(b), str(secondHeld.getKey()));
      await(lock.unlock(secondHeld.getKey()));
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"etcd", "etcdj"})
  void electionRoundTrip(String which) throws Exception {
    RecipeSide s = side(which);
    String name = "jetcd-election-" + which;
    long a = s.grant(30);
    try (Client client = Client.builder().endpoints(s.servicesUrl()).build()) {
      Election election = client.getElectionClient();
      assertTrue(failure(election.leader(bs(name))) instanceof NoLeaderException);

      LinkedBlockingQueue<String> observed = new LinkedBlockingQueue<>();
      election.observe(
          bs(name),
          new Election.Listener() {
            @Override
            public void onNext(LeaderResponse response) {
              observed.add(str(response.getKv().getValue()));
            }

            @Override
            public void onError(Throwable t) {
              observed.add("ERROR " + t);
            }

            @Override
            public void onCompleted() {
              observed.add("COMPLETED");
            }
          });

      CampaignResponse won = await(election.campaign(bs(name), a, bs("first")));
      LeaderKey leader = won.getLeader();
      assertEquals(name, str(leader.getName()));
      assertEquals(name + "/" + Long.toHexString(a), str(leader.getKey()));
      assertEquals(a, leader.getLease());
      assertEquals("first", observed.poll(WAIT_SECONDS, TimeUnit.SECONDS));

      await(election.proclaim(leader, bs("second")));
      assertEquals("second", observed.poll(WAIT_SECONDS, TimeUnit.SECONDS));
      assertEquals("second", str(await(election.leader(bs(name))).getKv().getValue()));

      LeaderKey stale = new LeaderKey(leader.getName(), leader.getKey(), leader.getRevision() + 1000, leader.getLease());
      assertTrue(failure(election.proclaim(stale, bs("x"))) instanceof NotLeaderException);

      await(election.resign(leader));
      assertTrue(failure(election.leader(bs(name))) instanceof NoLeaderException);
      assertTrue(observed.isEmpty(), () -> "observed after resign: " + observed);
    }
  }
}
