package io.etcdj.server.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvResponse.GetResult;
import io.etcdj.server.robustness.KvResponse.PutResult;
import io.etcdj.server.robustness.LinearizabilityChecker.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Lease deletes as server calls. The scenario: lease 7 granted at 0-10 ms, a (revision 2) and b
 * (revision 3) put on it by client 0, c put without a lease (revision 4), the lease expires and
 * revision 5 deletes a and b, first seen at 3,000 ms; client 1 reads a before and after.
 */
class ServerDeletesTest {
  private static final long MS = 1_000_000L;
  private static final LeaseHistory LEASE = new LeaseHistory(7, 2, 0, 10 * MS, List.of(), 10 * MS, null);
  private static final KeyValue A = new KeyValue("a", "1", 2, 2, 1, 7);

  private static WriteLog log() {
    return WriteLog.of(
        new WriteLog.Event(2, "a", "1", 7),
        new WriteLog.Event(3, "b", "1", 7),
        new WriteLog.Event(4, "c", "1", 0),
        new WriteLog.Event(5, "a", null, 0),
        new WriteLog.Event(5, "b", null, 0));
  }

  private static List<Operation> history(Operation... more) {
    List<Operation> h =
        new ArrayList<>(
            List.of(
                new Operation(0, 20 * MS, 30 * MS, new Put("a", "1", 7), new PutResult(2)),
                new Operation(0, 40 * MS, 50 * MS, new Put("b", "1", 7), new PutResult(3)),
                new Operation(0, 60 * MS, 70 * MS, new Put("c", "1"), new PutResult(4)),
                new Operation(1, 100 * MS, 110 * MS, new Get("a"), new GetResult(4, A))));
    h.addAll(List.of(more));
    return h;
  }

  private static List<Operation> serverCalls(List<Operation> history, LeaseHistory lease) {
    return ServerDeletes.of(log(), history, List.of(lease), new TreeMap<>(java.util.Map.of(5L, 3_000 * MS)), 9_000 * MS);
  }

  private static Verdict verdict(List<Operation> history, List<Operation> server) {
    List<Operation> all = new ArrayList<>(history);
    all.addAll(server);
    return LinearizabilityChecker.check(all, Duration.ofSeconds(10)).verdict();
  }

  @Test
  void anExpiryBecomesOneServerTxnFromTheGrantToItsFirstSighting() {
    List<Operation> server = serverCalls(history(), LEASE);
    assertEquals(
        List.of(
            new Operation(
                ServerDeletes.FIRST_SERVER_CLIENT,
                0,
                3_000 * MS,
                new KvRequest.Txn(List.of(), List.of(new Delete("a"), new Delete("b")), List.of()),
                new KvResponse.TxnResult(5, true, List.of(new KvResponse.Deleted(1), new KvResponse.Deleted(1))))),
        server);
    assertEquals(List.of(), RevisionChecker.check(withAll(history(), server), log()));
  }

  @Test
  void aReadAfterTheExpiryNeedsTheServerCallToBeLinearizable() {
    List<Operation> h = history(new Operation(1, 4_000 * MS, 4_010 * MS, new Get("a"), new GetResult(5, null)));
    assertEquals(Verdict.ILLEGAL, verdict(h, List.of()));
    assertEquals(Verdict.LINEARIZABLE, verdict(h, serverCalls(h, LEASE)));
  }

  @Test
  void aReadStillSeeingTheKeyAfterTheExpiryWasSeenIsStale() {
    List<Operation> h = history(new Operation(1, 3_500 * MS, 3_510 * MS, new Get("a"), new GetResult(4, A)));
    assertEquals(Verdict.ILLEGAL, verdict(h, serverCalls(h, LEASE)));
    List<Operation> before = history(new Operation(1, 2_500 * MS, 2_510 * MS, new Get("a"), new GetResult(4, A)));
    assertEquals(Verdict.LINEARIZABLE, verdict(before, serverCalls(before, LEASE)));
  }

  @Test
  void anAcknowledgedRevokeNarrowsTheCallToItsOwnInterval() {
    LeaseHistory revoked = new LeaseHistory(7, 2, 0, 10 * MS, List.of(), 1_000 * MS, new LeaseHistory.Revoke(1_000 * MS, 1_100 * MS, 5));
    List<Operation> server = serverCalls(history(), revoked);
    assertEquals(1, server.size());
    assertEquals(1_000 * MS, server.get(0).call());
    assertEquals(1_100 * MS, server.get(0).ret());
  }

  @Test
  void aDeleteAClientMayHaveMadeIsNotAttributedToTheLease() {
    assertEquals(List.of(), serverCalls(history(Operation.unknown(2, 500 * MS, new Delete("a"))), LEASE));
  }

  @Test
  void aLeaseNoClientGrantedOrADeleteOfAKeyWithoutLeaseIsNotAttributed() {
    LeaseHistory other = new LeaseHistory(8, 2, 0, 10 * MS, List.of(), 10 * MS, null);
    assertEquals(List.of(), serverCalls(history(), other));
    WriteLog noLease = WriteLog.of(new WriteLog.Event(2, "c", "1", 0), new WriteLog.Event(3, "c", null, 0));
    assertTrue(ServerDeletes.of(noLease, List.of(), List.of(LEASE), new TreeMap<>(), 9_000 * MS).isEmpty());
  }

  private static List<Operation> withAll(List<Operation> a, List<Operation> b) {
    List<Operation> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }
}
