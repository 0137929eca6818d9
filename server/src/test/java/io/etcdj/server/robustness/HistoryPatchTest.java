package io.etcdj.server.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.KvRequest.Compare;
import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HistoryPatchTest {
  private static final WriteLog LOG = WriteLog.of(new WriteLog.Event(2, "x", "a", 0), new WriteLog.Event(3, "y", "t", 0));

  @Test
  void aLoggedPutGetsItsAnswerAndAnUnloggedOneIsDropped() {
    Operation logged = Operation.unknown(1, 0, new Put("x", "a"));
    Operation lost = Operation.unknown(2, 0, new Put("x", "never"));
    List<Operation> patched = HistoryPatch.patch(List.of(logged, lost), LOG);
    assertEquals(List.of(new Operation(1, 0, Long.MAX_VALUE, new Put("x", "a"), new KvResponse.PutResult(2))), patched);
  }

  @Test
  void aCasTxnIsSettledByItsPutAndDeletesStayUnknown() {
    Txn cas =
        new Txn(List.of(new Compare("y", Compare.Target.MOD, Compare.Result.EQUAL, 0L)), List.of(new Put("y", "t")), List.of(new Get("y")));
    Txn missed =
        new Txn(List.of(new Compare("y", Compare.Target.MOD, Compare.Result.EQUAL, 0L)), List.of(new Put("y", "u")), List.of(new Get("y")));
    Operation delete = Operation.unknown(3, 0, new Delete("x"));
    List<Operation> patched =
        HistoryPatch.patch(List.of(Operation.unknown(1, 0, cas), Operation.unknown(2, 0, missed), delete), LOG);
    assertEquals(
        List.of(
            new Operation(1, 0, Long.MAX_VALUE, cas, new KvResponse.TxnResult(3, true, List.of(new KvResponse.Wrote()))),
            delete),
        patched);
  }

  @Test
  void patchedHistoriesWithManyFailedWritesStayQuickToCheck() {
    // A fifth of the writes failed at their client; unpatched, the search may take minutes.
    for (int seed = 1; seed <= 5; seed++) {
      Histories.Generated g = Histories.generate(new Random(seed), 4, 400, 0.2);
      List<Operation> patched = HistoryPatch.patch(g.history(), g.log());
      LinearizabilityChecker.Result r = LinearizabilityChecker.check(patched, Duration.ofSeconds(20));
      assertTrue(r.ok(), r.explanation());
    }
  }
}
