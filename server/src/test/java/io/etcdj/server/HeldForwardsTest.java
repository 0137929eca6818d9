package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RawNode;
import io.etcdj.raft.Ready;
import io.etcdj.raft.StateRole;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link HeldForwards} with a real {@link RawNode}: a fresh member knows no leader, so raft would
 * drop a proposal forwarded to it; held, it is appended once the member leads (a single voter
 * campaigning), in arrival order, unless its client's deadline passed or the bound was full.
 */
class HeldForwardsTest {
  private static final long HOLD_NANOS = TimeUnit.SECONDS.toNanos(7);

  private final MemoryStorage storage =
      MemoryStorage.bootstrap(ConfState.newBuilder().addVoters(1).build());
  private final RawNode node = new RawNode(RaftConfig.defaults(1, 1), storage);
  private final HeldForwards held = new HeldForwards(HOLD_NANOS);

  private static Message forwarded(String data) {
    return Message.newBuilder()
        .setType(MessageType.MSG_PROP)
        .setFrom(2)
        .setTo(1)
        .addEntries(LogEntry.newBuilder().setData(ByteString.copyFromUtf8(data)))
        .build();
  }

  /** Persists and applies Readys until there are none; returns the data of the entries committed. */
  private List<String> drain() {
    List<String> committed = new ArrayList<>();
    while (node.hasReady()) {
      Ready rd = node.ready();
      storage.append(rd.entries());
      if (rd.hardState() != null) {
        storage.setHardState(rd.hardState());
      }
      for (LogEntry e : rd.committedEntries()) {
        if (!e.getData().isEmpty()) {
          committed.add(e.getData().toStringUtf8());
        }
      }
      node.advance();
    }
    return committed;
  }

  private void lead() {
    node.campaign();
    drain();
    assertEquals(StateRole.LEADER, node.status().role());
  }

  @Test
  void heldWhileNoLeaderThenAppendedInArrivalOrder() {
    held.step(node, forwarded("a"), 0);
    held.step(node, forwarded("b"), 1);
    assertEquals(List.of(), drain(), "nothing appended without a leader");
    lead();
    held.retry(node, 2);
    assertEquals(List.of("a", "b"), drain());
    held.retry(node, 3);
    assertEquals(List.of(), drain(), "each stepped once");
  }

  @Test
  void aProposalTheNodeTakesIsNotHeld() {
    lead();
    held.step(node, forwarded("now"), 0);
    assertEquals(List.of("now"), drain());
    held.retry(node, 1);
    assertEquals(List.of(), drain());
  }

  @Test
  void laterArrivalsWaitBehindHeldOnes() {
    held.step(node, forwarded("first"), 0);
    lead();
    // The node would take it, but "first" is still held: stepping it now would reorder them.
    held.step(node, forwarded("second"), 1);
    assertEquals(List.of(), drain());
    held.retry(node, 2);
    assertEquals(List.of("first", "second"), drain());
  }

  @Test
  void aProposalPastItsClientsDeadlineIsDropped() {
    held.step(node, forwarded("late"), 0);
    held.step(node, forwarded("in time"), HOLD_NANOS / 2);
    lead();
    held.retry(node, HOLD_NANOS);
    assertEquals(List.of("in time"), drain());
  }

  @Test
  void beyondTheBoundAProposalIsDroppedAsRaftWould() {
    for (int i = 0; i <= HeldForwards.MAX; i++) {
      held.step(node, forwarded("p" + i), 0);
    }
    lead();
    held.retry(node, 1);
    List<String> appended = drain();
    assertEquals(HeldForwards.MAX, appended.size());
    assertEquals("p0", appended.get(0));
    assertEquals("p" + (HeldForwards.MAX - 1), appended.get(appended.size() - 1));
    assertTrue(!appended.contains("p" + HeldForwards.MAX), "the one over the bound was dropped");
  }
}
