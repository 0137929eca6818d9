package io.etcdj.server.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvResponse.GetResult;
import io.etcdj.server.robustness.KvResponse.PutResult;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The revision checker on generated legal histories and on each kind of damage it must name. */
class RevisionCheckerTest {

  private static KeyValue kv(String key, String value, long create, long mod, long version) {
    return new KeyValue(key, value, create, mod, version, 0);
  }

  private static void assertViolation(String fragment, List<String> violations) {
    assertTrue(violations.stream().anyMatch(v -> v.contains(fragment)), fragment + " not in " + violations);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void generatedHistoriesPass(int seed) {
    Histories.Generated g = Histories.generate(new Random(seed), 6, 3_000, 0.05);
    assertEquals(List.of(), RevisionChecker.check(g.history(), g.log()));
    // The first checker agrees, on a shorter history it can search quickly.
    Histories.Generated small = Histories.generate(new Random(seed), 4, 200, 0.02);
    assertEquals(List.of(), RevisionChecker.check(small.history(), small.log()));
    assertTrue(LinearizabilityChecker.check(small.history(), java.time.Duration.ofSeconds(20)).ok());
  }

  @Test
  void aLostAcknowledgedWriteIsNamed() {
    List<Operation> h = List.of(new Operation(1, 0, 1, new Put("x", "a"), new PutResult(2)));
    assertViolation("is logged at revision 2 as [], expected [put x=a]", RevisionChecker.check(h, new WriteLog()));
  }

  @Test
  void aValueNoClientSentIsNamed() {
    List<Operation> h = List.of(new Operation(1, 0, 1, new Put("x", "a"), new PutResult(2)));
    WriteLog log = WriteLog.of(new WriteLog.Event(2, "x", "b", 0));
    List<String> v = RevisionChecker.check(h, log);
    assertViolation("put x=b, which no client sent", v);
    assertViolation("as [put x=b], expected [put x=a]", v);
  }

  @Test
  void aGapInTheLogIsNamed() {
    List<Operation> h =
        List.of(
            new Operation(1, 0, 1, new Put("x", "a"), new PutResult(2)),
            new Operation(1, 2, 3, new Put("x", "b"), new PutResult(4)));
    WriteLog log = WriteLog.of(new WriteLog.Event(2, "x", "a", 0), new WriteLog.Event(4, "x", "b", 0));
    assertViolation("revision 4 follows 2", RevisionChecker.check(h, log));
  }

  @Test
  void aStaleReadIsNamed() {
    WriteLog log = WriteLog.of(new WriteLog.Event(2, "x", "a", 0));
    List<Operation> h =
        List.of(
            new Operation(1, 0, 1, new Put("x", "a"), new PutResult(2)),
            // consistent with the log at revision 1, but called after the put returned
            new Operation(2, 5, 6, new Get("x"), new GetResult(1, null)));
    assertViolation("was called after", RevisionChecker.check(h, log));
  }

  @Test
  void aWrongAnswerAtItsOwnRevisionIsNamed() {
    WriteLog log = WriteLog.of(new WriteLog.Event(2, "x", "a", 0));
    List<Operation> h =
        List.of(
            new Operation(1, 0, 1, new Put("x", "a"), new PutResult(2)),
            new Operation(2, 5, 6, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 7))));
    assertViolation("but the log's state at revision 2 answers", RevisionChecker.check(h, log));
  }

  @Test
  void twoWritesAtOneRevisionAndAClientGoingBackAreNamed() {
    WriteLog log = WriteLog.of(new WriteLog.Event(2, "x", "a", 0), new WriteLog.Event(3, "y", "b", 0));
    List<Operation> h =
        List.of(
            new Operation(1, 0, 10, new Put("x", "a"), new PutResult(3)),
            new Operation(2, 1, 9, new Put("y", "b"), new PutResult(3)));
    assertViolation("two acknowledged writes at revision 3", RevisionChecker.check(h, log));
    List<Operation> back =
        List.of(
            new Operation(1, 0, 10, new Get("x"), new GetResult(3, kv("x", "a", 2, 2, 1))),
            new Operation(1, 11, 12, new Get("x"), new GetResult(2, kv("x", "a", 2, 2, 1))));
    assertViolation("went back from revision 3", RevisionChecker.check(back, log));
  }
}
