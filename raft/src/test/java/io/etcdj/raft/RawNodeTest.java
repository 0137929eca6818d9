package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Ready / advance contract of {@link RawNode} (etcd's rawnode_test.go). */
class RawNodeTest {
  private static MemoryStorage storage(long... voters) {
    ConfState.Builder cs = ConfState.newBuilder();
    for (long v : voters) {
      cs.addVoters(v);
    }
    return MemoryStorage.bootstrap(cs.build());
  }

  /** Persists and applies Readys until there are none; returns all committed entries seen. */
  private static List<LogEntry> drain(RawNode n, MemoryStorage s, List<Message> sent) {
    List<LogEntry> committed = new ArrayList<>();
    while (n.hasReady()) {
      Ready rd = n.ready();
      sent.addAll(rd.messages());
      s.append(rd.entries());
      if (rd.hardState() != null) {
        s.setHardState(rd.hardState());
      }
      sent.addAll(rd.messagesAfterPersist());
      committed.addAll(rd.committedEntries());
      n.advance();
    }
    return committed;
  }

  @Test
  void singleNodeCampaignsProposesAndCommitsOnlyPersistedEntries() {
    MemoryStorage s = storage(1);
    RawNode n = new RawNode(RaftConfig.defaults(1, 1), s);
    assertFalse(n.hasReady());
    n.campaign();
    List<Message> sent = new ArrayList<>();
    drain(n, s, sent);
    assertEquals(StateRole.LEADER, n.status().role());
    assertTrue(sent.isEmpty(), "a single node sends nothing: " + sent);

    n.propose("foo".getBytes(StandardCharsets.UTF_8));
    Ready rd = n.ready();
    assertEquals(1, rd.entries().size());
    assertTrue(rd.committedEntries().isEmpty(), "committed before the leader's own fsync");
    s.append(rd.entries());
    n.advance();
    rd = n.ready();
    assertEquals(1, rd.committedEntries().size());
    assertEquals("foo", rd.committedEntries().get(0).getData().toStringUtf8());
    assertEquals(rd.committedEntries().get(0).getIndex(), rd.hardState().getCommit());
    s.setHardState(rd.hardState());
    n.advance();
    assertFalse(n.hasReady());
    assertEquals(n.status().commit(), n.status().applied());
  }

  @Test
  void leaderCountsItselfOnlyAfterAdvance() {
    MemoryStorage s = storage(1, 2, 3);
    RawNode n = new RawNode(RaftConfig.defaults(1, 1), s);
    n.campaign();
    List<Message> sent = new ArrayList<>();
    drain(n, s, sent);
    for (Message m : sent) {
      if (m.getType() == MessageType.MSG_PRE_VOTE) {
        n.step(Message.newBuilder().setType(MessageType.MSG_PRE_VOTE_RESP).setFrom(m.getTo()).setTo(1).setTerm(m.getTerm()).build());
      }
    }
    sent.clear();
    drain(n, s, sent);
    for (Message m : sent) {
      if (m.getType() == MessageType.MSG_VOTE) {
        n.step(Message.newBuilder().setType(MessageType.MSG_VOTE_RESP).setFrom(m.getTo()).setTo(1).setTerm(m.getTerm()).build());
      }
    }
    assertEquals(StateRole.LEADER, n.status().role());
    Ready rd = n.ready();
    long noop = rd.entries().get(0).getIndex();
    // MsgApps may go out before the leader's own write.
    assertTrue(rd.messages().stream().anyMatch(m -> m.getType() == MessageType.MSG_APP));
    // Follower 2 acks before the leader persisted: 1 of 3 is not a quorum.
    n.step(Message.newBuilder().setType(MessageType.MSG_APP_RESP).setFrom(2).setTo(1).setTerm(1).setIndex(noop).build());
    assertEquals(0, n.status().commit());
    s.append(rd.entries());
    n.advance();
    assertEquals(noop, n.status().commit(), "leader's own ack arrives on advance");
  }

  @Test
  void voteResponseWaitsForPersistence() {
    RawNode n = new RawNode(RaftConfig.defaults(2, 1).withPreVote(false), storage(1, 2, 3));
    n.step(Message.newBuilder().setType(MessageType.MSG_VOTE).setFrom(1).setTo(2).setTerm(1).build());
    Ready rd = n.ready();
    assertNotNull(rd.hardState());
    assertEquals(1, rd.hardState().getVote());
    assertTrue(rd.messages().isEmpty());
    assertEquals(1, rd.messagesAfterPersist().size());
    assertEquals(MessageType.MSG_VOTE_RESP, rd.messagesAfterPersist().get(0).getType());
    assertTrue(rd.mustSync());
    n.advance();
  }

  @Test
  void readyContractIsEnforced() {
    MemoryStorage s = storage(1);
    RawNode n = new RawNode(RaftConfig.defaults(1, 1), s);
    assertThrows(IllegalStateException.class, n::advance);
    n.campaign();
    n.ready();
    assertThrows(IllegalStateException.class, n::ready);
    assertFalse(n.hasReady());
    n.advance();
    assertThrows(
        IllegalArgumentException.class,
        () -> n.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(1).build()));
  }

  @Test
  void softAndHardStateOnlyReportedOnChange() {
    MemoryStorage s = storage(1);
    RawNode n = new RawNode(RaftConfig.defaults(1, 1), s);
    n.campaign();
    Ready first = n.ready();
    assertEquals(new SoftState(0, StateRole.PRE_CANDIDATE), first.softState());
    n.advance();
    drain(n, s, new ArrayList<>());
    n.tick();
    if (n.hasReady()) {
      Ready rd = n.ready();
      assertNull(rd.softState());
      assertNull(rd.hardState());
      n.advance();
    }
  }

  @Test
  void proposalWithoutLeaderIsDropped() {
    RawNode n = new RawNode(RaftConfig.defaults(1, 1), storage(1, 2, 3));
    assertThrows(ProposalDroppedException.class, () -> n.propose(new byte[] {1}));
  }

  @Test
  void restartHonoursAppliedIndexAndPersistedState() {
    MemoryStorage s = storage(1);
    RawNode n = new RawNode(RaftConfig.defaults(1, 1), s);
    n.campaign();
    drain(n, s, new ArrayList<>());
    for (int i = 0; i < 3; i++) {
      n.propose(new byte[] {(byte) i});
    }
    List<LogEntry> applied = drain(n, s, new ArrayList<>());
    assertEquals(3, applied.size());
    long appliedIndex = applied.get(applied.size() - 1).getIndex();
    long term = n.status().term();

    // Restart having applied only up to the second proposal.
    RawNode r = new RawNode(RaftConfig.defaults(1, 1).withAppliedIndex(appliedIndex - 1), s);
    assertEquals(term, r.status().term());
    assertEquals(1, r.status().vote());
    assertEquals(StateRole.FOLLOWER, r.status().role());
    Ready rd = r.ready();
    assertEquals(1, rd.committedEntries().size());
    assertEquals(appliedIndex, rd.committedEntries().get(0).getIndex());
    r.advance();
  }

  @Test
  void configIsValidated() {
    assertThrows(IllegalArgumentException.class, () -> RaftConfig.defaults(0, 1));
    assertThrows(IllegalArgumentException.class, () -> RaftConfig.defaults(1, 1).withTicks(1, 1));
    assertThrows(IllegalArgumentException.class, () -> RaftConfig.defaults(1, 1).withLimits(0, 1));
    assertThrows(IllegalArgumentException.class, () -> RaftConfig.defaults(1, 1).withLimits(1, 0));
    assertThrows(IllegalArgumentException.class, () -> RaftConfig.defaults(1, 1).withAppliedIndex(-1));
  }

  @Test
  void flowControlBoundsInflightAppends() {
    Network net = new Network(5, 3, c -> c.withLimits(1, 2));
    net.campaign(1);
    net.cut(1, 3);
    net.drop(3, 1, 1.0);
    for (int i = 0; i < 10; i++) {
      net.propose(1, "v" + i);
    }
    Status.PeerProgress p3 = net.node(1).status().progress().get(3L);
    assertEquals(2, p3.inflight(), "window of 2 unacknowledged appends: " + p3);
    assertTrue(p3.paused(), "full window pauses replication: " + p3);
    assertEquals(io.etcdj.raft.tracker.ProgressState.REPLICATE, p3.state());
    net.recover();
    net.tickAll(3);
    assertEquals(net.node(1).applied, net.node(3).applied, net.describe());
    for (Message m : net.delivered) {
      if (m.getType() == MessageType.MSG_APP) {
        assertTrue(m.getEntriesCount() <= 1, "maxSizePerMsg=1 byte still allows one entry per MsgApp");
      }
    }
  }

  @Test
  void malformedRequestsFromAPeerAreDroppedNotFatal() {
    MemoryStorage s = storage(1, 2);
    RawNode n = new RawNode(RaftConfig.defaults(1, 1).withPreVote(false), s);
    n.campaign();
    List<Message> sent = new ArrayList<>();
    drain(n, s, sent);
    n.step(Message.newBuilder().setType(MessageType.MSG_VOTE_RESP).setFrom(2).setTo(1).setTerm(n.status().term()).build());
    drain(n, s, sent);
    assertEquals(StateRole.LEADER, n.status().role());
    long last = s.lastIndex();
    Message empty = Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(2).setTo(1).build();
    n.step(empty); // raft's invariant check would throw "stepped empty MsgProp"
    assertTrue(n.stepForwardedProposal(empty), "nothing to hold");
    LogEntry ctx = LogEntry.newBuilder().setData(com.google.protobuf.ByteString.copyFromUtf8("c")).build();
    n.step(Message.newBuilder().setType(MessageType.MSG_READ_INDEX).setFrom(2).setTo(1).build());
    n.step(Message.newBuilder().setType(MessageType.MSG_READ_INDEX).setFrom(2).setTo(1)
        .addEntries(ctx).addEntries(ctx).build());
    drain(n, s, sent);
    assertEquals(last, s.lastIndex(), "nothing appended");
    assertEquals(StateRole.LEADER, n.status().role());
  }
}
