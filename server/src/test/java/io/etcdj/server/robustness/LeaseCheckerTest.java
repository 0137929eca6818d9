package io.etcdj.server.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvResponse.PutResult;
import io.etcdj.server.robustness.LeaseHistory.KeepAlive;
import io.etcdj.server.robustness.LeaseHistory.Revoke;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The lease checker on generated legal runs and on each planted violation. The hand scenario:
 * lease 7 (TTL 2 s) granted at 0 ms, renewed by keep-alives sent at 600 and 1,200 ms, and no
 * more after 1,300 ms, so it lives at least until 3,200 ms and its keys must be gone by 5,300 ms
 * (1,300 + 2,000 + 2,000). Revision 2 puts a on it, 3 puts b on it, 4 puts c without a lease.
 */
class LeaseCheckerTest {
  private static final long MS = 1_000_000L;

  private static final LeaseHistory LEASE =
      new LeaseHistory(7, 2, 0, 10 * MS, List.of(new KeepAlive(600 * MS, 610 * MS, 2), new KeepAlive(1_200 * MS, 1_210 * MS, 2)), 1_300 * MS, null);

  private static List<WriteLog.Event> base() {
    return List.of(new WriteLog.Event(2, "a", "1", 7), new WriteLog.Event(3, "b", "1", 7), new WriteLog.Event(4, "c", "1", 0));
  }

  private static List<Operation> puts() {
    return List.of(
        new Operation(0, 99 * MS, 101 * MS, new Put("a", "1", 7), new PutResult(2)),
        new Operation(0, 199 * MS, 201 * MS, new Put("b", "1", 7), new PutResult(3)),
        new Operation(0, 299 * MS, 301 * MS, new Put("c", "1"), new PutResult(4)));
  }

  /** The base log plus {@code more}, revisions 2-4 seen 1 ms after their put, each later one at {@code seenAtMs}. */
  private static LeaseChecker.Input run(LeaseHistory lease, List<Operation> extraOps, long observedUntilMs, long seenAtMs, WriteLog.Event... more) {
    WriteLog log = new WriteLog();
    base().forEach(log::add);
    TreeMap<Long, Long> seen = new TreeMap<>(Map.of(2L, 101 * MS, 3L, 201 * MS, 4L, 301 * MS));
    for (WriteLog.Event e : more) {
      log.add(e);
      seen.put(e.revision(), seenAtMs * MS);
    }
    List<Operation> ops = new ArrayList<>(puts());
    ops.addAll(extraOps);
    return new LeaseChecker.Input(List.of(lease), ops, log, seen, List.of(), observedUntilMs * MS);
  }

  private static WriteLog.Event del(long rev, String key) {
    return new WriteLog.Event(rev, key, null, 0);
  }

  private static void assertViolation(String fragment, List<String> violations) {
    assertTrue(violations.stream().anyMatch(v -> v.contains(fragment)), fragment + " not in " + violations);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void generatedRunsPass(int seed) {
    LeaseChecker.Input in = Histories.leases(new Random(seed), 16, 400);
    assertEquals(List.of(), LeaseChecker.check(in));
    java.util.Set<Long> byClients = new java.util.HashSet<>();
    in.history().forEach(op -> byClients.add(op.response().revision()));
    in.leases().stream().filter(l -> l.revoke() != null).forEach(l -> byClients.add(l.revoke().revision()));
    long expiries = in.log().byRevision().keySet().stream().filter(r -> !byClients.contains(r)).count();
    long revokes = in.leases().stream().filter(l -> l.revoke() != null && l.revoke().revision() > 0).count();
    assertTrue(expiries >= 5, "too few expiries to mean anything: " + expiries);
    assertTrue(revokes >= 0 && in.log().byRevision().size() > 300);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void generatedRunsWithKeepAlivesForgottenFail(int seed) {
    // The server renewed the leases, but the harness claims the keep-alives were never answered:
    // every lease that expired now looks kept too long, or the run had none to judge.
    LeaseChecker.Input in = Histories.leases(new Random(seed), 16, 400);
    List<LeaseHistory> forgot = new ArrayList<>();
    for (LeaseHistory l : in.leases()) {
      long stopped = l.stopped() == Long.MAX_VALUE ? Long.MAX_VALUE : l.grantRet();
      forgot.add(new LeaseHistory(l.id(), l.ttlSeconds(), l.grantCall(), l.grantRet(), List.of(), stopped, l.revoke()));
    }
    List<String> v = LeaseChecker.check(new LeaseChecker.Input(forgot, in.history(), in.log(), in.firstSeen(), List.of(), in.observedUntil()));
    assertViolation("kept too long", v);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void generatedRunsWithALateRenewalFail(int seed) {
    // The harness claims every lease was renewed at 19 s: each expiry before then deleted live keys.
    LeaseChecker.Input in = Histories.leases(new Random(seed), 16, 400);
    List<LeaseHistory> renewed = new ArrayList<>();
    for (LeaseHistory l : in.leases()) {
      List<KeepAlive> kas = new ArrayList<>(l.keepAlives());
      kas.add(new KeepAlive(19_000 * MS, 19_001 * MS, l.ttlSeconds()));
      renewed.add(new LeaseHistory(l.id(), l.ttlSeconds(), l.grantCall(), l.grantRet(), kas, Long.MAX_VALUE, null));
    }
    List<String> v = LeaseChecker.check(new LeaseChecker.Input(renewed, in.history(), in.log(), in.firstSeen(), List.of(), in.observedUntil()));
    assertViolation("deleted while alive", v);
  }

  @Test
  void anExpiryOnTimeIsLegal() {
    assertEquals(List.of(), LeaseChecker.check(run(LEASE, List.of(), 9_000, 4_000, del(5, "a"), del(5, "b"))));
    assertEquals(List.of(), LeaseChecker.check(run(LEASE, List.of(), 5_000, 0)), "not yet due by the end of the run");
  }

  @Test
  void aKeyDeletedWhileTheLeaseWasKeptAliveIsNamed() {
    List<String> v = LeaseChecker.check(run(LEASE, List.of(), 9_000, 3_000, del(5, "a"), del(5, "b")));
    assertEquals(1, v.size(), v.toString());
    assertViolation("lease 7: deleted while alive: revision 5 (seen by 3000.000 ms) deleted [a, b], but the lease was renewed until at least 3200.000 ms", v);
  }

  @Test
  void aClientsDeleteIsNotAnExpiry() {
    List<Operation> deletes =
        List.of(new Operation(1, 2_000 * MS, 2_010 * MS, new Delete("a"), new KvResponse.DeleteResult(5, 1)), Operation.unknown(2, 2_500 * MS, new Delete("b")));
    assertEquals(List.of(), LeaseChecker.check(run(LEASE, deletes, 9_000, 3_000, del(5, "a"), del(6, "b"))));
  }

  @Test
  void anExpiredLeasesKeyKeptTooLongIsNamed() {
    List<String> v = LeaseChecker.check(run(LEASE, List.of(), 9_000, 6_000, del(5, "a"), del(5, "b")));
    assertViolation("lease 7: kept too long: key a, attached at revision 2, kept it until revision 5 (seen by 6000.000 ms), past 5300.000 ms", v);
    assertViolation("lease 7: kept too long: key b", v);
    List<String> never = LeaseChecker.check(run(LEASE, List.of(), 6_000, 0));
    assertViolation("key a, attached at revision 2, kept it until the end of the run (6000.000 ms)", never);
  }

  @Test
  void aLeaderChangeRenewsEveryLease() {
    LeaseChecker.Input late = run(LEASE, List.of(), 9_000, 6_000, del(5, "a"), del(5, "b"));
    List<TermLog.Promotion> newTerm = List.of(TermLog.Promotion.seenAt(4_000 * MS));
    LeaseChecker.Input afterElection = new LeaseChecker.Input(late.leases(), late.history(), late.log(), late.firstSeen(), newTerm, late.observedUntil());
    assertEquals(List.of(), LeaseChecker.check(afterElection));
  }

  /**
   * The shape of etcd's failed leader-partition run: the leader is cut off, clients' calls hang,
   * and the new term is first seen after the lease's deadline (5.3 s), though the promotion came
   * before it. A quorum's answer under the old term at 3 s bounds the promotion from below, so it
   * may have renewed the lease; an old-term answer after the deadline would have ruled that out.
   */
  @Test
  void aPromotionSeenLateStillRenewsTheLeaseIfItMayHaveComeInTime() {
    LeaseChecker.Input late = run(LEASE, List.of(), 12_000, 8_000, del(5, "a"), del(5, "b"));
    LeaseChecker.Input seenLate =
        new LeaseChecker.Input(late.leases(), late.history(), late.log(), late.firstSeen(),
            List.of(new TermLog.Promotion(3, 3_000 * MS, 6_000 * MS)), late.observedUntil());
    assertEquals(List.of(), LeaseChecker.check(seenLate));
    LeaseChecker.Input surelyAfter =
        new LeaseChecker.Input(late.leases(), late.history(), late.log(), late.firstSeen(),
            List.of(new TermLog.Promotion(3, 5_500 * MS, 6_000 * MS)), late.observedUntil());
    assertViolation("lease 7: kept too long: key a", LeaseChecker.check(surelyAfter));
  }

  @Test
  void aQuorumAnswerUnderAnOlderTermBoundsTheNextPromotion() {
    TermLog log = new TermLog();
    log.saw(2, 1_000);
    log.quorumAnswered(2, 3_000, 3_100);
    log.quorumAnswered(2, 2_000, 5_000); // sent earlier: the later call bounds it
    log.saw(3, 6_000);
    log.quorumAnswered(3, 7_000, 7_500);
    log.saw(4, 9_000);
    assertEquals(
        List.of(new TermLog.Promotion(3, 3_000, 6_000), new TermLog.Promotion(4, 7_000, 9_000)),
        log.promotions());
  }

  @Test
  void aPartialExpiryIsNamed() {
    List<String> v = LeaseChecker.check(run(LEASE, List.of(), 5_000, 4_000, del(5, "a")));
    assertViolation("lease 7: partial expiry: revision 5 deleted [a] but left [b]", v);
  }

  @Test
  void aDeleteFromNowhereIsNamedUnlessAClientMayHaveMadeIt() {
    List<String> v = LeaseChecker.check(run(LEASE, List.of(), 5_000, 4_000, del(5, "c")));
    assertViolation("delete from nowhere: revision 5 deleted [c], which had no lease", v);
    List<Operation> maybe = List.of(Operation.unknown(1, 3_900 * MS, new Delete("c")));
    assertEquals(List.of(), LeaseChecker.check(run(LEASE, maybe, 5_000, 4_000, del(5, "c"))));
  }

  @Test
  void aPutOnAnExpiredLeaseIsNamed() {
    List<String> v =
        LeaseChecker.check(run(LEASE, List.of(), 5_000, 4_000, del(5, "a"), del(5, "b"), new WriteLog.Event(6, "d", "1", 7)));
    assertViolation("lease 7: attached after revoke: key d put on it at revision 6, after it was revoked at 5", v);
  }

  @Test
  void aRevokedLeaseKeepingAKeyIsNamed() {
    LeaseHistory revokedEarly = new LeaseHistory(7, 2, 0, 10 * MS, List.of(), 10 * MS, new Revoke(250 * MS, 260 * MS, 3));
    // Revoke answered revision 3, yet a and b (both on lease 7 at 3) are deleted only at 5.
    List<String> v = LeaseChecker.check(run(revokedEarly, List.of(), 9_000, 4_000, del(5, "a"), del(5, "b")));
    assertViolation("lease 7: revoked but kept: key a still has it at revision 3", v);
    // Revoked as etcd does: its keys deleted at the revision it answered.
    LeaseHistory revoked = new LeaseHistory(7, 2, 0, 10 * MS, List.of(), 10 * MS, new Revoke(350 * MS, 360 * MS, 5));
    assertEquals(List.of(), LeaseChecker.check(run(revoked, List.of(), 9_000, 355, del(5, "a"), del(5, "b"))));
  }

  @Test
  void notFoundWhileAliveIsNamed() {
    LeaseHistory lost =
        new LeaseHistory(7, 2, 0, 10 * MS, List.of(new KeepAlive(600 * MS, 610 * MS, 2), new KeepAlive(1_200 * MS, 1_210 * MS, 0)), 1_300 * MS, null);
    assertViolation("lease 7: not found while alive: a keep-alive answered TTL 0 at 1210.000 ms", LeaseChecker.check(run(lost, List.of(), 5_000, 4_000, del(5, "a"), del(5, "b"))));
  }

  @Test
  void aKeyOfALeaseNoClientGrantedIsNamed() {
    LeaseChecker.Input in = run(LEASE, List.of(), 9_000, 4_000, new WriteLog.Event(5, "z", "1", 42), del(6, "z"));
    assertViolation("lease 42: revision 6 deleted its keys [z], but no client granted it", LeaseChecker.check(in));
  }

  @Test
  void firstSeenTakesTheEarliestSighting() {
    WatchRecord w =
        new WatchRecord(
            "log", "m", 0, WatchRecord.Request.all(),
            List.of(WatchRecord.Response.created(5, 1), WatchRecord.Response.events(30, 3, EventReplay.of(WriteLog.of(base().toArray(WriteLog.Event[]::new))).wanted(WatchRecord.Request.all(), 2).subList(0, 2)), WatchRecord.Response.progress(40, 4)));
    List<Operation> ops = List.of(new Operation(0, 10, 20, new Put("a", "1", 7), new PutResult(2)));
    assertEquals(Map.of(1L, 5L, 2L, 20L, 3L, 30L, 4L, 40L), LeaseChecker.firstSeen(List.of(w), ops));
  }
}
