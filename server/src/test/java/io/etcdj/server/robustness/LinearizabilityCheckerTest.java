package io.etcdj.server.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.KvRequest.Compare;
import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvResponse.DeleteResult;
import io.etcdj.server.robustness.KvResponse.GetResult;
import io.etcdj.server.robustness.KvResponse.PutResult;
import io.etcdj.server.robustness.KvResponse.TxnResult;
import io.etcdj.server.robustness.LinearizabilityChecker.Result;
import io.etcdj.server.robustness.LinearizabilityChecker.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The checker on hand-made histories whose verdict is known, then on generated ones. */
class LinearizabilityCheckerTest {
  private static final Duration BUDGET = Duration.ofSeconds(20);

  private static Operation op(int client, long call, long ret, KvRequest req, KvResponse resp) {
    return new Operation(client, call, ret, req, resp);
  }

  private static KeyValue kv(String key, String value, long create, long mod, long version) {
    return new KeyValue(key, value, create, mod, version, 0);
  }

  private static Result check(Operation... ops) {
    return LinearizabilityChecker.check(List.of(ops), BUDGET);
  }

  private static void assertVerdict(Verdict want, Result r) {
    assertEquals(want, r.verdict(), r.explanation());
  }

  @Test
  void sequentialWritesAndReadsAreLinearizable() {
    Result r =
        check(
            op(1, 0, 1, new Put("x", "a"), new PutResult(2)),
            op(1, 2, 3, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1))),
            op(1, 4, 5, new Put("x", "b"), new PutResult(3)),
            op(1, 6, 7, new Get("x"), new GetResult(3, kv("x", "b", 2, 3, 2))),
            op(1, 8, 9, new Delete("x"), new DeleteResult(4, 1)),
            op(1, 10, 11, new Get("x"), new GetResult(4, null)));
    assertVerdict(Verdict.LINEARIZABLE, r);
    assertEquals(6, r.order().size());
  }

  @Test
  void staleReadAfterAcknowledgedWriteIsIllegal() {
    Result r =
        check(
            op(1, 0, 1, new Put("x", "a"), new PutResult(2)),
            op(2, 2, 3, new Get("x"), new GetResult(1, null)));
    assertVerdict(Verdict.ILLEGAL, r);
    assertTrue(r.explanation().contains("Get[key=x]"), r.explanation());
  }

  @Test
  void aReadConcurrentWithAWriteMaySeeEitherState() {
    Operation put = op(1, 0, 10, new Put("x", "a"), new PutResult(2));
    assertVerdict(Verdict.LINEARIZABLE, check(put, op(2, 1, 2, new Get("x"), new GetResult(1, null))));
    assertVerdict(Verdict.LINEARIZABLE, check(put, op(2, 1, 2, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1)))));
  }

  @Test
  void concurrentWritesAreOrderedByTheRevisionsTheyGot() {
    // b's put got revision 2, a's revision 3: only the order b, a explains the final read.
    Operation a = op(1, 0, 10, new Put("x", "a"), new PutResult(3));
    Operation b = op(2, 1, 9, new Put("x", "b"), new PutResult(2));
    Result r = check(a, b, op(3, 11, 12, new Get("x"), new GetResult(3, kv("x", "a", 2, 3, 2))));
    assertVerdict(Verdict.LINEARIZABLE, r);
    assertEquals(List.of(b, a), r.order().subList(0, 2));
    assertVerdict(Verdict.ILLEGAL, check(a, b, op(3, 11, 12, new Get("x"), new GetResult(3, kv("x", "b", 2, 3, 2)))));
  }

  @Test
  void twoWritesWithOneRevisionAreIllegal() {
    assertVerdict(
        Verdict.ILLEGAL,
        check(op(1, 0, 10, new Put("x", "a"), new PutResult(2)), op(2, 1, 9, new Put("y", "b"), new PutResult(2))));
  }

  @Test
  void realTimeOrderIsEnforced() {
    // The second put was called after the first returned, yet got the lower revision.
    assertVerdict(
        Verdict.ILLEGAL,
        check(op(1, 0, 1, new Put("x", "a"), new PutResult(3)), op(2, 2, 3, new Put("y", "b"), new PutResult(2))));
    // A read that returned before a write was called cannot see it.
    assertVerdict(
        Verdict.ILLEGAL,
        check(
            op(2, 0, 1, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1))),
            op(1, 2, 3, new Put("x", "a"), new PutResult(2))));
  }

  @Test
  void aValueNoClientWroteIsIllegal() {
    assertVerdict(
        Verdict.ILLEGAL,
        check(
            op(1, 0, 1, new Put("x", "a"), new PutResult(2)),
            op(2, 2, 3, new Get("x"), new GetResult(2, kv("x", "zzz", 2, 2, 1)))));
  }

  @Test
  void wrongMetadataIsIllegal() {
    Operation put1 = op(1, 0, 1, new Put("x", "a"), new PutResult(2));
    Operation put2 = op(1, 2, 3, new Put("x", "b"), new PutResult(3));
    assertVerdict(Verdict.LINEARIZABLE, check(put1, put2, op(2, 4, 5, new Get("x"), new GetResult(3, kv("x", "b", 2, 3, 2)))));
    assertVerdict(Verdict.ILLEGAL, check(put1, put2, op(2, 4, 5, new Get("x"), new GetResult(3, kv("x", "b", 3, 3, 1)))));
    assertVerdict(Verdict.ILLEGAL, check(put1, put2, op(2, 4, 5, new Get("x"), new GetResult(3, kv("x", "b", 2, 3, 1)))));
  }

  @Test
  void aWriteWithUnknownOutcomeMayHappenLaterOrNever() {
    Operation maybe = Operation.unknown(1, 0, new Put("x", "a"));
    // never seen: it did not happen (or happened after everything)
    assertVerdict(Verdict.LINEARIZABLE, check(maybe, op(2, 5, 6, new Get("x"), new GetResult(1, null))));
    // seen long after its client gave up on it
    assertVerdict(
        Verdict.LINEARIZABLE,
        check(maybe, op(2, 5, 6, new Get("x"), new GetResult(1, null)), op(2, 100, 101, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1)))));
    // seen, then gone without a delete: illegal
    assertVerdict(
        Verdict.ILLEGAL,
        check(maybe, op(2, 5, 6, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1))), op(2, 100, 101, new Get("x"), new GetResult(2, null))));
    // but not before it was called
    assertVerdict(
        Verdict.ILLEGAL,
        check(op(2, 0, 1, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1))), Operation.unknown(1, 5, new Put("x", "a"))));
  }

  @Test
  void aReadWithUnknownOutcomeIsIgnored() {
    Result r = check(op(1, 0, 1, new Put("x", "a"), new PutResult(2)), Operation.unknown(2, 2, new Get("x")));
    assertVerdict(Verdict.LINEARIZABLE, r);
    assertEquals(1, r.order().size());
  }

  @Test
  void txnBranchesFollowTheirCompares() {
    Operation put = op(1, 0, 1, new Put("x", "a"), new PutResult(2));
    Txn casHit =
        new Txn(
            List.of(new Compare("x", Compare.Target.MOD, Compare.Result.EQUAL, 2L)),
            List.of(new Put("x", "b"), new Put("y", "c"), new Get("x")),
            List.of(new Get("x")));
    TxnResult hit =
        new TxnResult(3, true, List.of(new KvResponse.Wrote(), new KvResponse.Wrote(), new KvResponse.Got(kv("x", "b", 2, 3, 2))));
    assertVerdict(Verdict.LINEARIZABLE, check(put, op(1, 2, 3, casHit, hit)));
    TxnResult miss = new TxnResult(2, false, List.of(new KvResponse.Got(kv("x", "a", 2, 2, 1))));
    assertVerdict(Verdict.ILLEGAL, check(put, op(1, 2, 3, casHit, miss)));
    // A value compare on a missing key is false, so the else branch runs and nothing changes.
    Txn onMissing =
        new Txn(
            List.of(new Compare("nope", Compare.Target.VALUE, Compare.Result.NOT_EQUAL, "a")),
            List.of(new Put("y", "z")),
            List.of(new Delete("nope")));
    assertVerdict(
        Verdict.LINEARIZABLE,
        check(put, op(1, 2, 3, onMissing, new TxnResult(2, false, List.of(new KvResponse.Deleted(0))))));
  }

  @Test
  void deletingAMissingKeyKeepsTheRevision() {
    assertVerdict(
        Verdict.LINEARIZABLE,
        check(op(1, 0, 1, new Delete("x"), new DeleteResult(1, 0)), op(1, 2, 3, new Put("x", "a"), new PutResult(2))));
    assertVerdict(Verdict.ILLEGAL, check(op(1, 0, 1, new Delete("x"), new DeleteResult(2, 0))));
  }

  /**
   * Generated histories: clients run random calls against the model in one hidden order, each
   * call's interval drawn around its place in that order. Such a history is linearizable by
   * construction; changing one read's value to one nobody wrote makes it illegal.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20})
  void generatedHistoriesAreLinearizableAndACorruptedReadIsCaught(int seed) {
    Random rnd = new Random(seed);
    List<Operation> history = Histories.generate(rnd, 4, 300, 0.03).history();
    Result r = LinearizabilityChecker.check(history, BUDGET);
    assertVerdict(Verdict.LINEARIZABLE, r);

    List<Integer> reads = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      if (history.get(i).response() instanceof GetResult g && g.kv() != null) {
        reads.add(i);
      }
    }
    int victim = reads.get(rnd.nextInt(reads.size()));
    Operation o = history.get(victim);
    GetResult g = (GetResult) o.response();
    KeyValue bad = new KeyValue(g.kv().key(), "never-written", g.kv().createRevision(), g.kv().modRevision(), g.kv().version(), 0);
    history.set(victim, new Operation(o.client(), o.call(), o.ret(), o.request(), new GetResult(g.revision(), bad)));
    assertVerdict(Verdict.ILLEGAL, LinearizabilityChecker.check(history, BUDGET));
  }

  @Test
  void aSearchOverItsBudgetSaysSoInsteadOfPassing() {
    List<Operation> history = Histories.generate(new Random(42), 8, 5_000, 0.0).history();
    assertVerdict(Verdict.TIMEOUT, LinearizabilityChecker.check(history, Duration.ZERO));
  }

  /**
   * An hour-long multi-fault run records about 400,000 calls. The memo used to keep a cloned bit
   * set of the placed calls per step (O(n²): 20 GB here); its Zobrist key keeps the search linear
   * on a history like this one, which must pass in well under its budget and heap.
   */
  @Test
  void anHourSizedHistoryIsCheckedInLinearTime() {
    Histories.Generated g = Histories.generate(new Random(7), 8, 400_000, 0.001);
    List<Operation> history = HistoryPatch.patch(g.history(), g.log());
    long started = System.nanoTime();
    Result r = LinearizabilityChecker.check(history, Duration.ofSeconds(60));
    assertVerdict(Verdict.LINEARIZABLE, r);
    assertEquals(history.size(), r.order().size());
    System.out.printf("checker: %d calls in %d ms%n", history.size(), (System.nanoTime() - started) / 1_000_000);
  }
}
