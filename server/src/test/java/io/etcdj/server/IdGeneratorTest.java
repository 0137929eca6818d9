package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdGeneratorTest {

  /** The bug the robustness harness found: members started in the same millisecond shared request ids. */
  @Test
  void membersStartedInTheSameMillisecondNeverShareAnId() {
    long now = System.currentTimeMillis();
    IdGenerator a = new IdGenerator(0x8e9e05c52164694dL, now);
    IdGenerator b = new IdGenerator(0x91bc3c398fb3c146L, now);
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      assertTrue(seen.add(a.next()));
      assertTrue(seen.add(b.next()));
    }
  }

  @Test
  void etcdsLayoutMemberBitsOnTopThenStartTimeThenCount() {
    IdGenerator g = new IdGenerator(0x1234_5678_9abc_def0L, 0x10);
    assertEquals(0xdef0_0000_0000_1001L, g.next());
    assertEquals(0xdef0_0000_0000_1002L, g.next());
  }

  @Test
  void aRestartAMillisecondLaterStartsAboveTheIdsOfTheLastRun() {
    IdGenerator before = new IdGenerator(7, 1_000);
    long last = 0;
    for (int i = 0; i < 200; i++) {
      last = before.next();
    }
    assertTrue(new IdGenerator(7, 1_001).next() > last);
  }
}
