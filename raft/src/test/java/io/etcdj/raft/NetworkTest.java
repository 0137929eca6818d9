package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.Snapshot;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Cluster behaviour over the in-memory {@link Network} (etcd's raft_test.go network tests). */
class NetworkTest {
  private static final int ET = RaftConfig.ELECTION_TICKS_DEFAULT;

  private static Network elected(long seed, int size, long leader) {
    Network net = Network.of(seed, size);
    net.campaign(leader);
    assertEquals(leader, net.leader(), net.describe());
    return net;
  }

  private static ConfChange cc(ConfChangeType t, long node) {
    return ConfChange.newBuilder().setType(t).setNodeId(node).build();
  }

  @ParameterizedTest(name = "size={0}")
  @ValueSource(ints = {1, 3, 5})
  void campaignElectsLeaderAndEveryoneFollows(int size) {
    Network net = elected(1, size, 1);
    for (Network.Node n : net.nodes.values()) {
      assertEquals(1, n.status().lead(), net.describe());
      assertEquals(1, n.status().term(), "PreVote must not raise the term: " + net.describe());
    }
    net.propose(1, "a");
    for (Network.Node n : net.nodes.values()) {
      assertEquals(List.of("a"), n.applied, net.describe());
    }
  }

  @ParameterizedTest(name = "seed={0}")
  @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
  void ticksAloneElectExactlyOneLeader(long seed) {
    for (int size : new int[] {3, 5}) {
      Network net = Network.of(seed, size);
      net.tickAll(4 * ET);
      long lead = net.leader();
      assertNotEquals(0, lead, net.describe());
      for (Network.Node n : net.nodes.values()) {
        assertEquals(lead, n.status().lead(), net.describe());
      }
    }
  }

  @Test
  void reelectionAfterIsolatingLeader() {
    Network net = elected(7, 3, 1);
    net.isolate(1);
    net.tickAll(4 * ET);
    long lead = net.leader();
    assertTrue(lead == 2 || lead == 3, net.describe());
    // CheckQuorum: the isolated old leader stepped down on its own (and now pre-campaigns in vain).
    assertNotEquals(StateRole.LEADER, net.node(1).status().role(), net.describe());
    assertEquals(1, net.node(1).status().term(), net.describe());
    net.propose(lead, "x");
    net.recover();
    net.tickAll(2 * ET);
    assertEquals(lead, net.node(1).status().lead(), net.describe());
    assertEquals(List.of("x"), net.node(1).applied, net.describe());
  }

  @Test
  void noLeaderWithoutQuorum() {
    Network net = Network.of(3, 3);
    net.cut(1, 2);
    net.cut(1, 3);
    net.cut(2, 3);
    net.tickAll(6 * ET);
    assertEquals(0, net.leader(), net.describe());
    for (Network.Node n : net.nodes.values()) {
      // §9.6 PreVote: losing pre-elections never raises the term.
      assertEquals(0, n.status().term(), net.describe());
    }
    assertThrows(ProposalDroppedException.class, () -> net.node(1).raw.propose(new byte[] {1}));
  }

  /** Thesis §9.6: a partitioned node that rejoins does not disrupt a healthy leader. */
  @Test
  void preVotePreventsRejoiningNodeFromDisrupting() {
    Network net = elected(11, 3, 1);
    long term = net.node(1).status().term();
    net.isolate(3);
    net.tickAll(10 * ET);
    assertEquals(term, net.node(3).status().term(), "isolated node raised its term: " + net.describe());
    assertEquals(StateRole.PRE_CANDIDATE, net.node(3).status().role(), net.describe());
    net.recover();
    net.tickAll(2 * ET);
    assertEquals(1, net.leader(), net.describe());
    for (Network.Node n : net.nodes.values()) {
      assertEquals(term, n.status().term(), net.describe());
      assertEquals(1, n.status().lead(), net.describe());
    }
  }

  /**
   * Issue 18: an old leader killed and restarted on its data dir, whose peers cannot reach it yet (their streams to it
   * are not up) while its own messages get through, times out (its clock also advanced as etcd's adjustTicks does) and
   * pre-campaigns again and again at its stale term. The new leader keeps its place: its followers are in lease and the
   * leader itself rejects; once reachable, the restarted member follows it without a term change.
   */
  @Test
  void restartedOldLeaderThatCannotHearTheNewLeaderDoesNotDeposeIt() {
    Network net = elected(103, 3, 1);
    net.propose(1, "a");
    net.isolate(1); // killed: neither ticks nor hears anything
    long lead = 0;
    for (int i = 0; i < 4 * ET && lead < 2; i++) {
      net.tick(2, 1);
      net.tick(3, 1);
      lead = net.leader();
    }
    assertTrue(lead == 2 || lead == 3, net.describe());
    long term = net.node(lead).status().term();
    net.propose(lead, "b");

    Network.Node restarted = net.restart(1);
    net.recover();
    net.drop(2, 1, 1.0);
    net.drop(3, 1, 1.0);
    net.tick(1, ET - 2); // the election clock advanced once its own streams are up
    net.tickAll(6 * ET);
    assertTrue(net.delivered.stream().anyMatch(m -> m.getFrom() == 1 && m.getType() == MessageType.MSG_PRE_VOTE),
        "the restarted member never pre-campaigned: " + net.describe());
    for (long id : List.of(2L, 3L)) {
      assertEquals(term, net.node(id).status().term(), net.describe());
      assertEquals(lead, net.node(id).status().lead(), net.describe());
    }

    net.recover();
    net.tickAll(2 * ET);
    assertEquals(lead, restarted.status().lead(), net.describe());
    assertEquals(term, restarted.status().term(), net.describe());
    assertEquals(List.of("a", "b"), restarted.applied, net.describe());
  }

  /** Contrast: without PreVote and CheckQuorum the rejoining node's higher term deposes the leader. */
  @Test
  void withoutPreVoteRejoiningNodeDisrupts() {
    Network net = new Network(11, 3, c -> c.withPreVote(false).withCheckQuorum(false));
    net.campaign(1);
    long term = net.node(1).status().term();
    net.isolate(3);
    net.tickAll(10 * ET);
    assertTrue(net.node(3).status().term() > term, net.describe());
    net.recover();
    net.tickAll(4 * ET);
    assertTrue(net.node(1).status().term() > term, "expected disruption: " + net.describe());
  }

  /** Thesis §6.2 / §9.6: CheckQuorum makes a leader without an active quorum step down. */
  @Test
  void checkQuorumMakesIsolatedLeaderStepDown() {
    Network net = elected(13, 5, 1);
    net.isolate(1);
    // Up to two election timeouts: activity is checked once per timeout.
    net.tick(1, 2 * ET);
    assertEquals(StateRole.FOLLOWER, net.node(1).status().role(), net.describe());
    assertThrows(ProposalDroppedException.class, () -> net.node(1).raw.propose(new byte[] {1}));
  }

  @Test
  void followerIgnoresVotesWhileLeaseHolds() {
    Network net = elected(17, 3, 1);
    long term = net.node(1).status().term();
    // Node 3 forces an election (no PreVote for a forced campaign is irrelevant: the others
    // heard from the leader recently and ignore its votes).
    net.node(3).raw.raft().campaign(Raft.CampaignType.ELECTION);
    net.stabilize();
    assertEquals(term, net.node(1).status().term(), net.describe());
    assertEquals(1, net.node(2).status().lead(), net.describe());
  }

  @Test
  void logCatchUpAfterPartitionHeals() {
    Network net = elected(19, 3, 1);
    net.isolate(3);
    for (int i = 0; i < 20; i++) {
      net.propose(1, "v" + i);
    }
    assertEquals(0, net.node(3).applied.size());
    net.recover();
    net.tickAll(2);
    assertEquals(net.node(1).applied, net.node(3).applied, net.describe());
    assertEquals(20, net.node(3).applied.size());
  }

  @Test
  void divergentFollowerLogIsRepaired() {
    // Node 3 leads term 1 alone and appends entries nobody else sees, then 1 leads term 2+.
    Network net = elected(23, 3, 3);
    net.isolate(3);
    for (int i = 0; i < 5; i++) {
      net.node(3).raw.propose(("lost" + i).getBytes(StandardCharsets.UTF_8));
      net.stabilize();
    }
    net.tickAll(4 * ET);
    long lead = net.leader();
    assertTrue(lead == 1 || lead == 2, net.describe());
    for (int i = 0; i < 3; i++) {
      net.propose(lead, "kept" + i);
    }
    net.recover();
    net.tickAll(2 * ET);
    assertEquals(List.of("kept0", "kept1", "kept2"), net.node(3).applied, net.describe());
    assertEquals(net.node(lead).raft().log.lastIndex(), net.node(3).raft().log.lastIndex());
  }

  @Test
  void snapshotCatchUpOfFarBehindFollower() {
    Network net = elected(29, 3, 1);
    net.isolate(3);
    for (int i = 0; i < 30; i++) {
      net.propose(1, "v" + i);
    }
    Network.Node leader = net.node(1);
    long applied = leader.appliedIndex;
    leader.storage.createSnapshot(applied, leader.raw.confState(), ByteString.copyFromUtf8("state"));
    leader.storage.compact(applied);
    net.recover();
    net.tickAll(2 * ET);
    Network.Node n3 = net.node(3);
    assertEquals("snapshot@" + applied, n3.applied.get(0), net.describe());
    assertEquals(applied, n3.storage.snapshot().getMetadata().getIndex());
    net.propose(1, "after");
    assertEquals("after", n3.applied.get(n3.applied.size() - 1), net.describe());
    assertEquals(
        io.etcdj.raft.tracker.ProgressState.REPLICATE, leader.status().progress().get(3L).state());
  }

  @Test
  void snapshotStatusFailureProbesAgain() {
    Network net = elected(31, 3, 1);
    net.isolate(3);
    for (int i = 0; i < 5; i++) {
      net.propose(1, "v" + i);
    }
    Network.Node leader = net.node(1);
    leader.storage.createSnapshot(leader.appliedIndex, leader.raw.confState(), ByteString.EMPTY);
    leader.storage.compact(leader.appliedIndex);
    net.recover();
    net.ignore(MessageType.MSG_SNAP);
    net.tick(1, 1);
    assertEquals(io.etcdj.raft.tracker.ProgressState.SNAPSHOT, leader.status().progress().get(3L).state());
    leader.raw.reportSnapshot(3, false);
    assertEquals(io.etcdj.raft.tracker.ProgressState.PROBE, leader.status().progress().get(3L).state());
    net.recover();
    net.tickAll(2);
    assertEquals(leader.raft().log.lastIndex(), net.node(3).raft().log.lastIndex(), net.describe());
  }

  @Test
  void readIndexOnLeaderAndViaFollower() {
    Network net = elected(37, 3, 1);
    net.propose(1, "a");
    long commit = net.node(1).status().commit();
    net.node(1).raw.readIndex("r1".getBytes(StandardCharsets.UTF_8));
    net.stabilize();
    assertEquals(List.of(new ReadState(commit, ByteString.copyFromUtf8("r1"))), net.node(1).readStates);
    net.node(2).raw.readIndex("r2".getBytes(StandardCharsets.UTF_8));
    net.stabilize();
    assertEquals(List.of(new ReadState(commit, ByteString.copyFromUtf8("r2"))), net.node(2).readStates);
  }

  @Test
  void readIndexNeedsHeartbeatQuorum() {
    Network net = elected(41, 3, 1);
    net.isolate(1);
    net.node(1).raw.readIndex("r".getBytes(StandardCharsets.UTF_8));
    net.stabilize();
    assertTrue(net.node(1).readStates.isEmpty(), "read released without a quorum");
    net.recover();
    net.tick(1, 1); // the next heartbeat carries the pending read's context
    assertEquals(1, net.node(1).readStates.size(), net.describe());
  }

  @Test
  void newLeaderServesReadsOnlyAfterCommittingInItsTerm() {
    Network net = Network.of(43, 3);
    net.ignore(MessageType.MSG_APP_RESP);
    net.campaign(1);
    assertEquals(1, net.leader());
    assertEquals(0, net.node(1).status().commit(), net.describe());
    net.node(1).raw.readIndex("r".getBytes(StandardCharsets.UTF_8));
    net.stabilize();
    assertTrue(net.node(1).readStates.isEmpty(), "read served before committing in term");
    net.recover();
    net.tick(1, 1);
    assertEquals(1, net.node(1).readStates.size(), net.describe());
    assertEquals(net.node(1).status().commit(), net.node(1).readStates.get(0).index());
  }

  @Test
  void readIndexWithoutLeaderIsDropped() {
    Network net = Network.of(47, 3);
    assertThrows(ProposalDroppedException.class, () -> net.node(1).raw.readIndex(new byte[] {1}));
  }

  @Test
  void leaderTransferToUpToDateFollower() {
    Network net = elected(53, 3, 1);
    net.propose(1, "a");
    net.node(1).raw.transferLeader(2);
    net.stabilize();
    assertEquals(2, net.leader(), net.describe());
    net.propose(2, "b");
    assertEquals(List.of("a", "b"), net.node(1).applied);
  }

  @Test
  void leaderTransferCatchesUpLaggingTransferee() {
    Network net = elected(59, 3, 1);
    net.isolate(3);
    for (int i = 0; i < 5; i++) {
      net.propose(1, "v" + i);
    }
    net.recover();
    net.node(1).raw.transferLeader(3);
    net.stabilize();
    assertEquals(3, net.leader(), net.describe());
    assertEquals(5, net.node(3).applied.size());
  }

  @Test
  void leaderTransferRefusesProposalsAndAbortsAfterElectionTimeout() {
    Network net = elected(61, 3, 1);
    net.isolate(3);
    net.node(1).raw.transferLeader(3);
    net.stabilize();
    assertEquals(3, net.node(1).status().leadTransferee());
    assertThrows(ProposalDroppedException.class, () -> net.node(1).raw.propose(new byte[] {1}));
    net.tick(1, ET);
    assertEquals(0, net.node(1).status().leadTransferee(), net.describe());
    assertEquals(1, net.leader());
    net.propose(1, "ok");
    assertEquals(List.of("ok"), net.node(2).applied);
  }

  /**
   * A proposal a follower forwards during a leadership transfer is refused without a trace, so
   * the server can hold it and step it again (HeldForwards); raft's own step drops it.
   */
  @Test
  void forwardedProposalIsRefusedUntouchedDuringATransferAndTakenAfterIt() {
    Network net = elected(73, 3, 1);
    net.isolate(3);
    net.node(1).raw.transferLeader(3);
    net.stabilize();
    io.etcdj.api.internal.Message forwarded =
        io.etcdj.api.internal.Message.newBuilder()
            .setType(MessageType.MSG_PROP)
            .setFrom(2)
            .setTo(1)
            .addEntries(io.etcdj.api.internal.LogEntry.newBuilder().setData(ByteString.copyFromUtf8("held")))
            .build();
    long last = net.node(1).raft().log.lastIndex();
    assertTrue(!net.node(1).raw.stepForwardedProposal(forwarded), "taken during a transfer");
    assertEquals(last, net.node(1).raft().log.lastIndex(), "a refused proposal changed the log");

    net.tick(1, ET); // the transfer to the isolated member times out
    assertEquals(0, net.node(1).status().leadTransferee(), net.describe());
    assertTrue(net.node(1).raw.stepForwardedProposal(forwarded), "refused once the transfer ended");
    net.stabilize();
    assertEquals(List.of("held"), net.node(2).applied, net.describe());
  }

  @Test
  void followerForwardsProposalsToLeader() {
    Network net = elected(67, 3, 1);
    net.propose(3, "from-follower");
    for (Network.Node n : net.nodes.values()) {
      assertEquals(List.of("from-follower"), n.applied, net.describe());
    }
  }

  @Test
  void addVoterCatchesUpAndCounts() {
    Network net = elected(71, 3, 1);
    net.propose(1, "a");
    net.add(4, MemoryStorage.bootstrap(net.node(1).storage.initialState().confState()), c -> c);
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_ADD_NODE, 4));
    net.tickAll(2);
    assertEquals(List.of(1L, 2L, 3L, 4L), net.node(1).raw.confState().getVotersList());
    assertEquals(List.of(1L, 2L, 3L, 4L), net.node(4).raw.confState().getVotersList());
    assertEquals(List.of("a"), net.node(4).applied, net.describe());
    // Quorum is now 3 of 4: with two nodes cut off nothing commits.
    net.isolate(3);
    net.isolate(4);
    long commit = net.node(1).status().commit();
    net.propose(1, "b");
    assertEquals(commit, net.node(1).status().commit(), net.describe());
  }

  @Test
  void removeVoterShrinksQuorum() {
    Network net = elected(73, 3, 1);
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_REMOVE_NODE, 3));
    assertEquals(List.of(1L, 2L), net.node(1).raw.confState().getVotersList());
    net.isolate(3);
    net.propose(1, "x");
    assertEquals(List.of("x"), net.node(2).applied, net.describe());
    assertEquals(List.of("x"), net.node(1).applied, net.describe());
  }

  @Test
  void removedLeaderStepsDown() {
    Network net = elected(79, 3, 1);
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_REMOVE_NODE, 1));
    assertEquals(StateRole.FOLLOWER, net.node(1).status().role(), net.describe());
    net.isolate(1);
    net.tickAll(4 * ET);
    long lead = net.leader();
    assertTrue(lead == 2 || lead == 3, net.describe());
  }

  @Test
  void learnerReplicatesWithoutCountingThenIsPromoted() {
    Network net = elected(83, 3, 1);
    net.add(4, MemoryStorage.bootstrap(net.node(1).storage.initialState().confState()), c -> c);
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 4));
    net.propose(1, "a");
    assertEquals(List.of(4L), net.node(1).raw.confState().getLearnersList());
    assertEquals(List.of("a"), net.node(4).applied, net.describe());
    // The learner never campaigns.
    net.isolate(4);
    net.tick(4, 5 * ET);
    assertEquals(StateRole.FOLLOWER, net.node(4).status().role());
    net.recover();
    // The learner does not count: with 2 and 3 cut off nothing commits.
    net.isolate(2);
    net.isolate(3);
    long commit = net.node(1).status().commit();
    net.propose(1, "b");
    assertEquals(commit, net.node(1).status().commit(), net.describe());
    net.recover();
    net.tickAll(2);
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_ADD_NODE, 4));
    assertEquals(List.of(1L, 2L, 3L, 4L), net.node(4).raw.confState().getVotersList());
    assertTrue(net.node(4).raw.confState().getLearnersList().isEmpty());
  }

  @Test
  void secondConfChangeRefusedUntilFirstApplied() {
    Network net = elected(89, 3, 1);
    net.ignore(MessageType.MSG_APP);
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 4));
    assertThrows(
        ProposalDroppedException.class,
        () -> net.node(1).raw.proposeConfChange(cc(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 5)));
    net.recover();
    net.tickAll(2);
    assertEquals(List.of(4L), net.node(1).raw.confState().getLearnersList());
    net.proposeConfChange(1, cc(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE, 5));
    assertEquals(List.of(4L, 5L), net.node(1).raw.confState().getLearnersList());
  }

  @Test
  void restartKeepsTermVoteAndLog() {
    Network net = elected(97, 3, 1);
    for (int i = 0; i < 3; i++) {
      net.propose(1, "v" + i);
    }
    Status before = net.node(2).status();
    Network.Node n2 = net.restart(2);
    Status after = n2.status();
    assertEquals(before.term(), after.term());
    assertEquals(before.vote(), after.vote());
    assertEquals(before.commit(), after.commit());
    assertEquals(before.applied(), after.applied());
    net.propose(1, "v3");
    assertEquals(List.of("v0", "v1", "v2", "v3"), n2.applied, net.describe());
    // And the leader itself can crash: the others elect a new one that has every entry.
    net.restart(1);
    net.isolate(1);
    net.tickAll(4 * ET);
    long lead = net.leader();
    assertTrue(lead == 2 || lead == 3, net.describe());
    net.recover();
    net.tickAll(2); // a heartbeat round unpauses the probe to node 1
    net.propose(lead, "v4");
    assertEquals(List.of("v0", "v1", "v2", "v3", "v4"), net.node(1).applied, net.describe());
  }

  @Test
  void snapshotInstalledOnRestartedNode() {
    Network net = elected(101, 3, 1);
    net.isolate(3);
    for (int i = 0; i < 10; i++) {
      net.propose(1, "v" + i);
    }
    Network.Node leader = net.node(1);
    Snapshot snap =
        leader.storage.createSnapshot(leader.appliedIndex, leader.raw.confState(), ByteString.EMPTY);
    leader.storage.compact(leader.appliedIndex);
    net.recover();
    net.tickAll(2);
    Network.Node n3 = net.restart(3);
    assertEquals(snap.getMetadata().getIndex(), n3.status().commit());
    net.propose(1, "after");
    assertEquals("after", n3.applied.get(n3.applied.size() - 1), net.describe());
  }
}
