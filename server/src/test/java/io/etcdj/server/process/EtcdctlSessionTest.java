package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The parts of the differential harness that need no process: script parsing, line diff. Not tagged process. */
class EtcdctlSessionTest {

  @Test
  void parsesSessionsFlagsQuotesStdinAndRepeat() {
    String text =
        String.join(
            "\n",
            "# comment",
            "=== first --max-txn-ops 3",
            "put \"\" 'a b' \"q\\\"x\"",
            "",
            "txn <<EOF",
            "value(\"k\") = \"v\"",
            "",
            "put k ${repeat:x:3}",
            "EOF",
            "=== second",
            "get k --prefix");
    List<EtcdctlSession> sessions = EtcdctlSession.parse(text);
    assertEquals(2, sessions.size());
    EtcdctlSession first = sessions.get(0);
    assertEquals("first", first.name());
    assertEquals(List.of("--max-txn-ops", "3"), first.serverFlags());
    assertEquals(List.of("put", "", "a b", "q\"x"), first.commands().get(0).args());
    assertEquals(List.of("txn"), first.commands().get(1).args());
    assertEquals("value(\"k\") = \"v\"\n\nput k xxx\n", first.commands().get(1).stdin());
    assertEquals(List.of("get", "k", "--prefix"), sessions.get(1).commands().get(0).args());
  }

  @Test
  void rejectsUnclosedStdinAndQuotes() {
    assertThrows(IllegalArgumentException.class, () -> EtcdctlSession.parse("=== s\ntxn <<EOF\nput a b\n"));
    assertThrows(IllegalArgumentException.class, () -> EtcdctlSession.parse("=== s\nput 'a b\n"));
    assertThrows(IllegalArgumentException.class, () -> EtcdctlSession.parse("put a b\n"));
  }

  @Test
  void sessionsFileParses() {
    List<EtcdctlSession> sessions = EtcdctlSession.load(EtcdctlDifferentialTest.SESSIONS);
    assertTrue(sessions.size() >= 9, "sessions: " + sessions);
    for (EtcdctlSession s : sessions) {
      assertFalse(s.commands().isEmpty(), s.name());
    }
  }

  @Test
  void diffShowsOnlyChangedLinesWithContext() {
    List<String> a = List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    List<String> b = List.of("1", "2", "3", "4", "5", "six", "7", "8", "9", "10");
    assertEquals("", LineDiff.diff(a, a, "a", "b"));
    String d = LineDiff.diff(a, b, "a", "b");
    assertEquals("--- a\n+++ b\n@@\n  3\n  4\n  5\n- 6\n+ six\n  7\n  8\n  9\n", d);
  }

  @Test
  void outputFormatFromFlags() {
    assertEquals("json", EtcdctlNormalizer.outputFormat(List.of("get", "a", "-w", "json")));
    assertEquals("table", EtcdctlNormalizer.outputFormat(List.of("--write-out=table", "endpoint", "status")));
    assertEquals("simple", EtcdctlNormalizer.outputFormat(List.of("get", "a")));
  }
}
