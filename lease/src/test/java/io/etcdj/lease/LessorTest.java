package io.etcdj.lease;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The lessor on a manual clock: no sleeps, every step explicit. */
class LessorTest {
  private static final long S = TimeUnit.SECONDS.toNanos(1);
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final long ELECTION = 1_000 * MS;

  private long now = 1_000 * S;
  private final Map<Long, long[]> stored = new HashMap<>();
  private final List<String> deleted = new ArrayList<>();

  private final LeaseBackend backend =
      new LeaseBackend() {
        @Override
        public void saveLease(long id, long ttl, long remaining) {
          stored.put(id, new long[] {ttl, remaining});
        }

        @Override
        public void deleteLease(long id) {
          stored.remove(id);
        }
      };

  private final RangeDeleter deleter = k -> deleted.add(k.toStringUtf8());

  private Lessor lessor(boolean checkpoints) {
    return new Lessor(LessorConfig.of(1_000, checkpoints), () -> now);
  }

  private static ByteString k(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static LeaseException.Kind kindOf(Runnable r) {
    return assertThrows(LeaseException.class, r::run).kind();
  }

  private static LeaseException.Kind failure(CompletableFuture<?> f) {
    assertTrue(f.isDone(), "future done");
    CompletionException e = assertThrows(CompletionException.class, f::join);
    return ((LeaseException) e.getCause()).kind();
  }

  @Test
  void grantRaisesTheTtlToTheMinimumAndRefusesWhatEtcdRefuses() {
    Lessor l = lessor(true);
    assertEquals(2, l.grant(1, 1, backend)); // ceil(1.5 × 1 s)
    assertEquals(2, l.grant(2, -5, backend));
    assertEquals(60, l.grant(3, 60, backend));
    assertArrayEquals(new long[] {60, 0}, stored.get(3L));
    assertEquals(LeaseException.Kind.EXISTS, kindOf(() -> l.grant(3, 10, backend)));
    assertEquals(LeaseException.Kind.NOT_FOUND, kindOf(() -> l.grant(0, 10, backend)));
    assertEquals(
        LeaseException.Kind.TTL_TOO_LARGE,
        kindOf(() -> l.grant(4, Lessor.MAX_TTL_SECONDS + 1, backend)));
    assertEquals(Lessor.MAX_TTL_SECONDS, l.grant(5, Lessor.MAX_TTL_SECONDS, backend));
    assertEquals(
        2, new Lessor(LessorConfig.of(1_001, true), () -> now).grant(1, 1, backend)); // ceil(1.5015)
    assertArrayEquals(new long[] {1, 2, 3, 5}, l.leaseIds());
  }

  @Test
  void keysFollowTheirLatestPutAndLeaveOnDelete() {
    Lessor l = lessor(true);
    l.grant(1, 60, backend);
    l.grant(2, 60, backend);
    l.keyPut(k("a"), 1);
    l.keyPut(k("b"), 1);
    l.keyPut(k("c"), 1);
    l.keyPut(k("b"), 2); // moves
    l.keyPut(k("c"), 0); // a put without a lease detaches
    l.keyPut(k("a"), 1); // same lease (ignore_lease) keeps it
    assertEquals(List.of(k("a")), l.timeToLive(1).keys());
    assertEquals(List.of(k("b")), l.timeToLive(2).keys());
    l.keyDeleted(k("b"));
    assertEquals(List.of(), l.timeToLive(2).keys());
    l.keyPut(k("z"), 1);
    l.keyPut(k("m"), 1);
    l.revoke(1, backend, deleter);
    assertEquals(List.of("a", "m", "z"), deleted); // key order, whatever the attach order
    assertNull(l.timeToLive(1));
    assertFalse(stored.containsKey(1L));
    assertFalse(l.exists(1));
    assertEquals(LeaseException.Kind.NOT_FOUND, kindOf(() -> l.revoke(1, backend, deleter)));
    // Re-granting the id starts with no keys; a key of the old lease does not come back.
    l.grant(1, 60, backend);
    assertEquals(List.of(), l.timeToLive(1).keys());
  }

  @Test
  void onlyThePrimaryExpiresLeasesInExpiryOrder() {
    Lessor l = lessor(true);
    l.grant(1, 10, backend);
    l.grant(2, 5, backend);
    now += 60 * S;
    assertEquals(0, l.expiredLeases().length, "a follower keeps no lease time");
    assertEquals(Long.MAX_VALUE / S, l.timeToLive(1).remainingSeconds());
    l.promote(ELECTION);
    assertEquals(11, l.timeToLive(1).remainingSeconds()); // 10 s + the election timeout
    assertEquals(6, l.timeToLive(2).remainingSeconds()); // 5 s + the election timeout
    now += 6 * S - MS;
    assertEquals(0, l.expiredLeases().length);
    now += MS;
    assertArrayEquals(new long[] {2}, l.expiredLeases());
    assertEquals(0, l.expiredLeases().length, "handed out once per retry interval");
    now += 3 * S;
    assertArrayEquals(new long[] {2}, l.expiredLeases(), "not revoked yet: proposed again");
    l.revoke(2, backend, deleter);
    now += 2 * S; // 11 s after promotion
    assertArrayEquals(new long[] {1}, l.expiredLeases());
  }

  @Test
  void renewalPushesExpiryAFullTtlFromNow() {
    Lessor l = lessor(false);
    l.promote(ELECTION);
    l.grant(1, 10, backend);
    now += 8 * S;
    assertEquals(10L, l.renew(1).join());
    now += 9 * S;
    assertEquals(0, l.expiredLeases().length);
    now += 1 * S;
    assertArrayEquals(new long[] {1}, l.expiredLeases());
    assertEquals(LeaseException.Kind.NOT_FOUND, failure(l.renew(99)));
  }

  @Test
  void renewingAnExpiredLeaseWaitsForItsRevocationOrForDemotion() {
    Lessor l = lessor(false);
    l.promote(ELECTION);
    l.grant(1, 5, backend);
    l.grant(2, 5, backend);
    now += 6 * S;
    CompletableFuture<Long> r1 = l.renew(1);
    CompletableFuture<Long> r2 = l.renew(2);
    assertFalse(r1.isDone());
    l.revoke(1, backend, deleter);
    assertEquals(LeaseException.Kind.NOT_FOUND, failure(r1));
    assertFalse(r2.isDone());
    l.demote();
    assertEquals(LeaseException.Kind.NOT_PRIMARY, failure(r2));
    assertEquals(LeaseException.Kind.NOT_PRIMARY, failure(l.renew(2)));
  }

  @Test
  void revocationsAreRateLimitedToAThousandPerSecond() {
    Lessor l = lessor(false);
    for (int i = 1; i <= 3_000; i++) {
      l.grant(i, 5, backend);
    }
    l.promote(ELECTION); // 3,000 leases ≥ the rate: expiries are spread as well
    now += 60 * S;
    assertEquals(500, l.expiredLeases().length, "a burst of half a second's worth");
    assertEquals(0, l.expiredLeases().length);
    now += 250 * MS;
    assertEquals(250, l.expiredLeases().length);
    now += 10 * S;
    assertEquals(500, l.expiredLeases().length, "the burst is capped");
  }

  @Test
  void promotionSpreadsExpiriesThatWouldPileUp() {
    Lessor l = lessor(false);
    for (int i = 1; i <= 2_000; i++) {
      l.grant(i, 10, backend);
    }
    l.promote(ELECTION);
    // 750 per second at most: the 2,000 leases now end over about 2.7 s instead of at once.
    int[] perSecond = new int[20];
    for (int i = 1; i <= 2_000; i++) {
      long remaining = l.timeToLive(i).remainingSeconds();
      perSecond[(int) remaining]++;
    }
    for (int c : perSecond) {
      assertTrue(c <= 750, "at most 750 expiries in one second: " + c);
    }
  }

  @Test
  void aNewLeaderKeepsTheCheckpointedRemainingTtl() {
    Lessor leader = lessor(true);
    leader.promote(ELECTION);
    leader.grant(1, 20, backend);
    assertEquals(List.of(), leader.dueCheckpoints());
    now += 5 * S; // a quarter of the TTL, no renewal
    List<Checkpoint> cps = leader.dueCheckpoints();
    assertEquals(List.of(new Checkpoint(1, 15)), cps);
    assertEquals(List.of(), leader.dueCheckpoints(), "one per period");

    // Every member applies it; a follower that becomes leader starts from there.
    Lessor follower = lessor(true);
    follower.grant(1, 20, backend);
    follower.checkpoint(1, 15, backend);
    leader.checkpoint(1, 15, backend);
    assertArrayEquals(new long[] {20, 15}, stored.get(1L));
    now += 2 * S;
    leader.demote();
    follower.promote(ELECTION);
    assertEquals(16, follower.timeToLive(1).remainingSeconds(), "15 s + 1 s, not 20 s");
    now += 16 * S;
    assertArrayEquals(new long[] {1}, follower.expiredLeases());

    // Without checkpoints a new leader gives the full TTL again (etcd 3.4's default).
    Lessor legacy = lessor(false);
    legacy.grant(1, 20, backend);
    legacy.checkpoint(1, 15, backend);
    legacy.promote(ELECTION);
    assertEquals(21, legacy.timeToLive(1).remainingSeconds());
    assertEquals(List.of(), legacy.dueCheckpoints());
  }

  @Test
  void keptAliveLeasesNeedNoCheckpointsAndARenewalClearsOne() {
    Lessor l = lessor(true);
    List<List<Checkpoint>> proposed = new ArrayList<>();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    l.setCheckpointer(
        cps -> {
          proposed.add(cps);
          CompletableFuture<Void> f = new CompletableFuture<>();
          pending.add(f);
          return f;
        });
    l.promote(ELECTION);
    l.grant(1, 20, backend);
    for (int i = 0; i < 10; i++) {
      now += 3 * S;
      assertEquals(20L, l.renew(1).join(), "no checkpoint to clear: answered at once");
      assertEquals(List.of(), l.dueCheckpoints(), "renewed within the period");
    }
    assertTrue(proposed.isEmpty());
    now += 6 * S; // idle for more than a period
    assertEquals(List.of(new Checkpoint(1, 14)), l.dueCheckpoints());
    l.checkpoint(1, 14, backend);
    CompletableFuture<Long> renewal = l.renew(1);
    assertEquals(List.of(List.of(new Checkpoint(1, 0))), proposed);
    assertFalse(renewal.isDone(), "waits for the clearing checkpoint to apply");
    l.checkpoint(1, 0, backend);
    pending.get(0).complete(null);
    assertEquals(20L, renewal.join());
    assertEquals(20, l.timeToLive(1).remainingSeconds());
    assertArrayEquals(new long[] {20, 0}, stored.get(1L));
  }

  /**
   * Caught by the robustness harness (DELAY_PEERS, seed 1015): a renewal of a checkpointed lease
   * waits for its clearing checkpoint to go through Raft; if the lease expires meanwhile, its
   * revocation is on its way and the renewal must not answer a TTL (it answered 3 s, and the
   * lease was deleted 0.3 s later).
   */
  @Test
  void aLeaseThatExpiresWhileItsClearingCheckpointGoesThroughRaftIsNotRenewed() {
    Lessor l = lessor(true);
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    l.setCheckpointer(
        cps -> {
          CompletableFuture<Void> f = new CompletableFuture<>();
          pending.add(f);
          return f;
        });
    l.promote(ELECTION);
    l.grant(1, 20, backend);
    now += 6 * S;
    assertEquals(List.of(new Checkpoint(1, 14)), l.dueCheckpoints());
    l.checkpoint(1, 14, backend);
    CompletableFuture<Long> renewal = l.renew(1);
    now += 15 * S; // the network is slow: the lease expires first
    l.checkpoint(1, 0, backend);
    pending.get(0).complete(null);
    assertFalse(renewal.isDone(), "waits for the revocation, as for any expired lease");
    l.revoke(1, backend, deleter);
    assertEquals(LeaseException.Kind.NOT_FOUND, failure(renewal));
  }

  @Test
  void aRenewalRacingACheckpointInFlightClearsItToo() {
    Lessor l = lessor(true);
    List<List<Checkpoint>> proposed = new ArrayList<>();
    l.setCheckpointer(
        cps -> {
          proposed.add(cps);
          return CompletableFuture.completedFuture(null);
        });
    l.promote(ELECTION);
    l.grant(1, 20, backend);
    now += 5 * S;
    assertEquals(1, l.dueCheckpoints().size()); // proposed, not applied yet
    assertEquals(20L, l.renew(1).join());
    assertEquals(List.of(List.of(new Checkpoint(1, 0))), proposed);
  }

  @Test
  void restoredLeasesKeepTheirKeysAndCheckpoints() {
    Lessor l = lessor(true);
    l.restore(7, 30, 12);
    l.keyPut(k("x"), 7);
    LeaseStatus s = l.timeToLive(7);
    assertEquals(30, s.grantedTtlSeconds());
    assertEquals(List.of(k("x")), s.keys());
    l.promote(ELECTION);
    assertEquals(13, l.timeToLive(7).remainingSeconds());
    l.reset();
    assertNull(l.timeToLive(7));
    assertEquals(0, l.leaseCount());
  }

  @Test
  void restoredTtlsBelowTheMinimumAreRaisedToIt() {
    // A 5 s election timeout makes the minimum ceil(7.5) = 8 s; a store from a 1 s member may hold 2 s leases.
    Lessor l = new Lessor(LessorConfig.of(5_000, true), () -> now);
    l.restore(7, 2, 0);
    l.restore(8, 30, 0);
    assertEquals(8, l.timeToLive(7).grantedTtlSeconds());
    assertEquals(30, l.timeToLive(8).grantedTtlSeconds());
    l.promote(ELECTION);
    assertEquals(9, l.timeToLive(7).remainingSeconds()); // the raised TTL plus the 1 s extension
  }
}
