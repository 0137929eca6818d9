package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Tests that follow the Raft paper ("In Search of an Understandable Consensus Algorithm",
 * extended version) section by section, and Ongaro's thesis for §6 and §9.6 (etcd's
 * raft_paper_test.go). Classic Raft: PreVote and CheckQuorum are off unless stated.
 */
class RaftPaperTest {
  static final int ET = 10;
  static final int HB = 1;

  static MemoryStorage storage(long... voters) {
    ConfState.Builder cs = ConfState.newBuilder();
    for (long v : voters) {
      cs.addVoters(v);
    }
    return MemoryStorage.bootstrap(cs.build());
  }

  static Raft raft(long id, MemoryStorage s) {
    return new Raft(RaftConfig.defaults(id, id).withPreVote(false).withCheckQuorum(false).withTicks(ET, HB), s);
  }

  static Raft raft(long id, long... voters) {
    return raft(id, storage(voters));
  }

  /** Pretends the last Ready was persisted: self-addressed responses are stepped, others queued. */
  static void persist(Raft r) {
    while (!r.msgsAfterAppend.isEmpty()) {
      List<Message> after = new ArrayList<>(r.msgsAfterAppend);
      r.msgsAfterAppend.clear();
      for (Message m : after) {
        if (m.getTo() == r.id) {
          r.step(m);
        } else {
          r.msgs.add(m);
        }
      }
    }
  }

  static List<Message> read(Raft r) {
    persist(r);
    List<Message> out = new ArrayList<>(r.msgs);
    r.msgs.clear();
    return out;
  }

  static Message msg(MessageType t, long from, long to, long term) {
    return Message.newBuilder().setType(t).setFrom(from).setTo(to).setTerm(term).build();
  }

  static Message appResp(long from, long to, long term, long index) {
    return msg(MessageType.MSG_APP_RESP, from, to, term).toBuilder().setIndex(index).build();
  }

  static Message prop(long id, String data) {
    return Message.newBuilder()
        .setType(MessageType.MSG_PROP)
        .setFrom(id)
        .setTo(id)
        .addEntries(LogEntry.newBuilder().setData(ByteString.copyFromUtf8(data)))
        .build();
  }

  /** A leader of term 1 whose no-op entry is committed by every voter (etcd's commitNoopEntry). */
  static Raft leader(long id, long... voters) {
    Raft r = raft(id, voters);
    r.becomeCandidate();
    r.becomeLeader();
    persist(r);
    for (long v : voters) {
      if (v != id) {
        r.step(appResp(v, id, r.term, r.log.lastIndex()));
      }
    }
    assertEquals(r.log.lastIndex(), r.log.committed());
    read(r);
    return r;
  }

  /** §5.1: a server seeing a higher term updates its term and reverts to follower. */
  @ParameterizedTest
  @ValueSource(strings = {"FOLLOWER", "CANDIDATE", "LEADER"})
  void s51_updateTermFromMessage(String role) {
    Raft r = raft(1, 1, 2, 3);
    switch (StateRole.valueOf(role)) {
      case FOLLOWER -> r.becomeFollower(1, 2);
      case CANDIDATE -> r.becomeCandidate();
      default -> {
        r.becomeCandidate();
        r.becomeLeader();
      }
    }
    r.step(msg(MessageType.MSG_APP, 2, 1, 2));
    assertEquals(2, r.term);
    assertEquals(StateRole.FOLLOWER, r.state);
    assertEquals(2, r.lead);
  }

  /**
   * §5.1: a request with a stale term number is rejected: it changes nothing, and the answer
   * carries the current term so that the stale leader steps down.
   */
  @Test
  void s51_rejectStaleTermMessage() {
    Raft r = raft(1, 1, 2, 3);
    r.loadStateForTest(HardState.newBuilder().setTerm(2).build());
    r.step(msg(MessageType.MSG_APP, 2, 1, 1));
    assertEquals(2, r.term);
    assertEquals(0, r.lead);
    List<Message> out = read(r);
    assertEquals(1, out.size(), out.toString());
    assertEquals(MessageType.MSG_APP_RESP, out.get(0).getType());
    assertEquals(2, out.get(0).getTerm());
    assertEquals(2, out.get(0).getTo());
  }

  /** §5.2: servers start as followers. */
  @Test
  void s52_startAsFollower() {
    Raft r = raft(1, 1, 2, 3);
    assertEquals(StateRole.FOLLOWER, r.state);
  }

  /** §5.2: leaders send periodic heartbeats to maintain authority. */
  @Test
  void s52_leaderBroadcastsHeartbeats() {
    Raft r = raft(1, 1, 2, 3);
    r.becomeCandidate();
    r.becomeLeader();
    for (int i = 0; i < 10; i++) {
      r.appendEntry(List.of(LogEntry.newBuilder().setData(ByteString.copyFromUtf8("x")).build()));
    }
    read(r);
    for (int i = 0; i < HB; i++) {
      r.tick();
    }
    List<Message> ms = read(r);
    assertEquals(2, ms.size());
    for (Message m : ms) {
      assertEquals(MessageType.MSG_HEARTBEAT, m.getType());
      assertEquals(0, m.getCommit(), "commit = min(match, committed) = 0");
    }
  }

  /** §5.2: a follower that hears nothing for an election timeout becomes candidate and asks for votes. */
  @ParameterizedTest
  @ValueSource(strings = {"FOLLOWER", "CANDIDATE"})
  void s52_timeoutStartsElection(String role) {
    Raft r = raft(1, 1, 2, 3);
    if (role.equals("CANDIDATE")) {
      r.becomeCandidate();
    }
    long term = r.term;
    for (int i = 0; i < 2 * ET; i++) {
      r.tick();
    }
    assertEquals(term + 1, r.term);
    assertEquals(StateRole.CANDIDATE, r.state);
    assertEquals(1, r.vote, "votes for itself");
    persist(r);
    assertEquals(1, r.trk.grantedVotes());
    List<Message> ms = read(r);
    assertEquals(2, ms.size());
    for (Message m : ms) {
      assertEquals(MessageType.MSG_VOTE, m.getType());
      assertEquals(term + 1, m.getTerm());
    }
  }

  static Stream<Arguments> oneRoundCases() {
    // size, grants (id -> granted), expected state
    return Stream.of(
        Arguments.of(1, Map.of(), StateRole.LEADER),
        Arguments.of(3, Map.of(2L, true, 3L, true), StateRole.LEADER),
        Arguments.of(3, Map.of(2L, true), StateRole.LEADER),
        Arguments.of(5, Map.of(2L, true, 3L, true, 4L, true, 5L, true), StateRole.LEADER),
        Arguments.of(5, Map.of(2L, true, 3L, true, 4L, true), StateRole.LEADER),
        Arguments.of(5, Map.of(2L, true, 3L, true), StateRole.LEADER),
        // lost: a majority rejected
        Arguments.of(3, Map.of(2L, false, 3L, false), StateRole.FOLLOWER),
        Arguments.of(5, Map.of(2L, false, 3L, false, 4L, false, 5L, false), StateRole.FOLLOWER),
        Arguments.of(5, Map.of(2L, true, 3L, false, 4L, false, 5L, false), StateRole.FOLLOWER),
        // undecided: split votes, still a candidate (retries after a new timeout)
        Arguments.of(3, Map.of(), StateRole.CANDIDATE),
        Arguments.of(5, Map.of(2L, true), StateRole.CANDIDATE),
        Arguments.of(5, Map.of(2L, false, 3L, false), StateRole.CANDIDATE),
        Arguments.of(5, Map.of(2L, true, 3L, false, 4L, false), StateRole.CANDIDATE));
  }

  /** §5.2: a candidate wins with a majority, loses to rejections, or stays undecided (split vote). */
  @ParameterizedTest
  @MethodSource("oneRoundCases")
  void s52_leaderElectionInOneRound(int size, Map<Long, Boolean> votes, StateRole want) {
    long[] ids = new long[size];
    for (int i = 0; i < size; i++) {
      ids[i] = i + 1;
    }
    Raft r = raft(1, ids);
    r.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(1).build());
    persist(r);
    new TreeMap<>(votes)
        .forEach(
            (id, granted) ->
                r.step(
                    msg(MessageType.MSG_VOTE_RESP, id, 1, r.term).toBuilder().setReject(!granted).build()));
    assertEquals(want, r.state, "votes " + votes);
    assertEquals(1, r.term);
  }

  static Stream<Arguments> voteCases() {
    // existing vote, candidate, want reject
    return Stream.of(
        Arguments.of(0L, 2L, false),
        Arguments.of(0L, 3L, false),
        Arguments.of(2L, 2L, false),
        Arguments.of(3L, 3L, false),
        Arguments.of(2L, 3L, true),
        Arguments.of(3L, 2L, true));
  }

  /** §5.2: each server votes for at most one candidate in a term, first come first served. */
  @ParameterizedTest
  @MethodSource("voteCases")
  void s52_followerVotesOncePerTerm(long vote, long candidate, boolean wantReject) {
    Raft r = raft(1, 1, 2, 3);
    r.loadStateForTest(HardState.newBuilder().setTerm(1).setVote(vote).build());
    r.step(msg(MessageType.MSG_VOTE, candidate, 1, 1));
    List<Message> ms = read(r);
    assertEquals(1, ms.size());
    assertEquals(MessageType.MSG_VOTE_RESP, ms.get(0).getType());
    assertEquals(wantReject, ms.get(0).getReject());
  }

  /** §5.2: a candidate that hears from a leader of its term falls back to follower. */
  @Test
  void s52_candidateFallsBackOnLegitimateLeader() {
    Raft r = raft(1, 1, 2, 3);
    r.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(1).build());
    assertEquals(StateRole.CANDIDATE, r.state);
    r.step(msg(MessageType.MSG_APP, 2, 1, r.term));
    assertEquals(StateRole.FOLLOWER, r.state);
    assertEquals(2, r.lead);
    assertEquals(1, r.term);
  }

  /** §5.2: election timeouts are chosen randomly from [electionTimeout, 2 * electionTimeout). */
  @ParameterizedTest
  @ValueSource(strings = {"FOLLOWER", "CANDIDATE"})
  void s52_electionTimeoutRandomized(String role) {
    Set<Integer> seen = new HashSet<>();
    for (long seed = 1; seed <= 200; seed++) {
      Raft r = new Raft(RaftConfig.defaults(1, seed).withPreVote(false).withTicks(ET, HB), storage(1, 2, 3));
      if (role.equals("CANDIDATE")) {
        r.becomeCandidate();
      }
      long term = r.term;
      int ticks = 0;
      while (r.term == term) {
        r.tick();
        ticks++;
        assertTrue(ticks < 2 * ET, "seed " + seed + ": no election within 2*ET");
      }
      assertTrue(ticks >= ET, "seed " + seed + ": election after only " + ticks + " ticks");
      seen.add(ticks);
    }
    for (int t = ET; t < 2 * ET; t++) {
      assertTrue(seen.contains(t), "timeout " + t + " never drawn; seen " + seen);
    }
  }

  /** §5.2: randomized timeouts make it unlikely that several servers time out together. */
  @Test
  void s52_electionTimeoutsMostlyDoNotConflict() {
    int conflicts = 0;
    int rounds = 300;
    for (long seed = 1; seed <= rounds; seed++) {
      List<Raft> rs = new ArrayList<>();
      for (long id = 1; id <= 5; id++) {
        rs.add(new Raft(RaftConfig.defaults(id, seed * 7 + id).withPreVote(false).withTicks(ET, HB), storage(1, 2, 3, 4, 5)));
      }
      boolean done = false;
      for (int tick = 0; tick < 2 * ET && !done; tick++) {
        int timedOut = 0;
        for (Raft r : rs) {
          r.tick();
          if (r.state == StateRole.CANDIDATE) {
            timedOut++;
          }
        }
        if (timedOut > 0) {
          done = true;
          if (timedOut > 1) {
            conflicts++;
          }
        }
      }
    }
    assertTrue(conflicts <= rounds * 3 / 10, "conflicting timeouts in " + conflicts + " of " + rounds + " rounds");
  }

  /** §5.3: the leader appends the command and issues AppendEntries with the right prev index/term. */
  @Test
  void s53_leaderStartsReplication() {
    Raft r = leader(1, 1, 2, 3);
    long li = r.log.lastIndex();
    read(r);
    r.step(prop(1, "some data"));
    assertEquals(li + 1, r.log.lastIndex());
    assertEquals(li, r.log.committed());
    List<Message> ms = read(r);
    assertEquals(2, ms.size());
    for (Message m : ms) {
      assertEquals(MessageType.MSG_APP, m.getType());
      assertEquals(li, m.getIndex());
      assertEquals(1, m.getLogTerm());
      assertEquals(1, m.getEntriesCount());
      assertEquals(li + 1, m.getEntries(0).getIndex());
      assertEquals(1, m.getEntries(0).getTerm());
      assertEquals("some data", m.getEntries(0).getData().toStringUtf8());
    }
  }

  /** §5.3: an entry is committed once a majority stores it, and followers learn the commit index. */
  @Test
  void s53_leaderCommitsAfterMajority() {
    Raft r = leader(1, 1, 2, 3);
    long li = r.log.lastIndex();
    r.step(prop(1, "x"));
    List<Message> ms = read(r);
    for (Message m : ms) {
      r.step(appResp(m.getTo(), 1, m.getTerm(), m.getIndex() + m.getEntriesCount()));
    }
    assertEquals(li + 1, r.log.committed());
    List<Message> after = read(r);
    assertEquals(2, after.size());
    for (Message m : after) {
      assertEquals(MessageType.MSG_APP, m.getType());
      assertEquals(li + 1, m.getCommit());
    }
  }

  static Stream<Arguments> ackCases() {
    return Stream.of(
        Arguments.of(1, Set.of(), true),
        Arguments.of(3, Set.of(), false),
        Arguments.of(3, Set.of(2L), true),
        Arguments.of(3, Set.of(2L, 3L), true),
        Arguments.of(5, Set.of(), false),
        Arguments.of(5, Set.of(2L), false),
        Arguments.of(5, Set.of(2L, 3L), true),
        Arguments.of(5, Set.of(2L, 3L, 4L, 5L), true));
  }

  /** §5.3: the leader commits once it knows a majority (counting itself) replicated the entry. */
  @ParameterizedTest
  @MethodSource("ackCases")
  void s53_leaderAcknowledgeCommit(int size, Set<Long> acceptors, boolean wantCommitted) {
    long[] ids = new long[size];
    for (int i = 0; i < size; i++) {
      ids[i] = i + 1;
    }
    Raft r = leader(1, ids);
    long li = r.log.lastIndex();
    r.step(prop(1, "x"));
    for (Message m : read(r)) {
      if (acceptors.contains(m.getTo())) {
        r.step(appResp(m.getTo(), 1, m.getTerm(), m.getIndex() + m.getEntriesCount()));
      }
    }
    assertEquals(wantCommitted, r.log.committed() > li);
  }

  /** §5.3: committing an entry commits all preceding entries, including older terms' (once safe). */
  @Test
  void s53_leaderCommitsPrecedingEntries() {
    MemoryStorage s = storage(1, 2, 3);
    s.append(List.of(entry(1, 2), entry(2, 2)));
    s.setHardState(HardState.newBuilder().setTerm(2).build());
    Raft r = raft(1, s);
    r.becomeCandidate();
    r.becomeLeader();
    r.step(prop(1, "x"));
    for (Message m : read(r)) {
      r.step(appResp(m.getTo(), 1, m.getTerm(), m.getIndex() + m.getEntriesCount()));
    }
    assertEquals(4, r.log.committed());
    assertEquals(4, r.log.nextCommittedEntries().size());
  }

  /** §5.3: a follower applies entries up to the leader's commit index it learns. */
  @Test
  void s53_followerCommitsEntry() {
    Raft r = raft(1, 1, 2, 3);
    r.becomeFollower(1, 2);
    Message app =
        msg(MessageType.MSG_APP, 2, 1, 1).toBuilder()
            .addEntries(entry(1, 1))
            .addEntries(entry(2, 1))
            .setCommit(1)
            .build();
    r.step(app);
    assertEquals(1, r.log.committed());
    assertEquals(List.of(entry(1, 1)), r.log.nextCommittedEntries());
  }

  static Stream<Arguments> checkAppCases() {
    // follower log terms 1,2 at 1..2. (prev term, prev index) -> reject, hint index, hint term
    return Stream.of(
        Arguments.of(0L, 0L, false, 0L, 0L),
        Arguments.of(1L, 1L, false, 0L, 0L),
        Arguments.of(2L, 2L, false, 0L, 0L),
        Arguments.of(1L, 2L, true, 1L, 1L), // conflict: hint the last index with term <= 1
        Arguments.of(3L, 3L, true, 2L, 2L)); // missing entry: hint our last index
  }

  /** §5.3: the AppendEntries consistency check on (prevLogIndex, prevLogTerm). */
  @ParameterizedTest
  @MethodSource("checkAppCases")
  void s53_followerChecksMsgApp(long prevTerm, long prevIndex, boolean wantReject, long hint, long hintTerm) {
    MemoryStorage s = storage(1, 2, 3);
    s.append(List.of(entry(1, 1), entry(2, 2)));
    Raft r = raft(1, s);
    r.loadStateForTest(HardState.newBuilder().setCommit(1).build());
    r.becomeFollower(2, 2);
    r.step(msg(MessageType.MSG_APP, 2, 1, 2).toBuilder().setLogTerm(prevTerm).setIndex(prevIndex).build());
    List<Message> ms = read(r);
    assertEquals(1, ms.size());
    Message resp = ms.get(0);
    assertEquals(MessageType.MSG_APP_RESP, resp.getType());
    assertEquals(wantReject, resp.getReject());
    if (wantReject) {
      assertEquals(prevIndex, resp.getIndex());
      assertEquals(hint, resp.getRejectHint());
      assertEquals(hintTerm, resp.getLogTerm());
    }
  }

  static Stream<Arguments> followerAppendCases() {
    // prev index, prev term, new entries -> want log terms (indexes 1..), want unstable (first index)
    return Stream.of(
        Arguments.of(2L, 2L, List.of(entry(3, 3)), new long[] {1, 2, 3}),
        Arguments.of(1L, 1L, List.of(entry(2, 3), entry(3, 4)), new long[] {1, 3, 4}),
        Arguments.of(0L, 0L, List.of(entry(1, 1)), new long[] {1, 2}),
        Arguments.of(0L, 0L, List.of(entry(1, 3)), new long[] {3}));
  }

  /** §5.3: a conflicting entry and all that follow it are deleted, then new entries appended. */
  @ParameterizedTest
  @MethodSource("followerAppendCases")
  void s53_followerAppendsEntries(long index, long term, List<LogEntry> ents, long[] wantTerms) {
    MemoryStorage s = storage(1, 2, 3);
    s.append(List.of(entry(1, 1), entry(2, 2)));
    Raft r = raft(1, s);
    r.becomeFollower(2, 2);
    r.step(msg(MessageType.MSG_APP, 2, 1, 2).toBuilder().setLogTerm(term).setIndex(index).addAllEntries(ents).build());
    assertEquals(wantTerms.length, r.log.lastIndex());
    for (int i = 0; i < wantTerms.length; i++) {
      assertEquals(wantTerms[i], r.log.term(i + 1), "term at " + (i + 1));
    }
  }

  /** Figure 7's leader log (terms of indexes 1..10). */
  static final long[] FIG7_LEADER = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};

  static Stream<Arguments> figure7Followers() {
    return Stream.of(
        Arguments.of("a", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6}),
        Arguments.of("b", new long[] {1, 1, 1, 4}),
        Arguments.of("c", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6}),
        Arguments.of("d", new long[] {1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7}),
        Arguments.of("e", new long[] {1, 1, 1, 4, 4, 4, 4}),
        Arguments.of("f", new long[] {1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3}));
  }

  /** §5.3, Figure 7: the leader brings any follower's log into consistency with its own. */
  @ParameterizedTest(name = "follower {0}")
  @MethodSource("figure7Followers")
  void s53_leaderSyncsFollowerLog(String name, long[] followerTerms) {
    long term = 8;
    MemoryStorage ls = storage(1, 2, 3);
    ls.append(RaftLogTest.ents(1, FIG7_LEADER));
    ls.setHardState(HardState.newBuilder().setTerm(term).setCommit(FIG7_LEADER.length).build());
    MemoryStorage fs = storage(1, 2, 3);
    fs.append(RaftLogTest.ents(1, followerTerms));
    fs.setHardState(HardState.newBuilder().setTerm(term - 1).build());
    // A third, empty node: the leader needs its vote when the follower's log is more up to date.
    Map<Long, MemoryStorage> st = new TreeMap<>(Map.of(1L, ls, 2L, fs, 3L, storage(1, 2, 3)));
    Network net = new Network(1, st, c -> c.withPreVote(false).withCheckQuorum(false));
    net.campaign(1);
    assertEquals(1, net.leader(), "figure 7 follower " + name + ": " + net.describe());
    net.propose(1, "x");
    RaftLog leaderLog = net.node(1).raft().log;
    RaftLog followerLog = net.node(2).raft().log;
    assertEquals(leaderLog.lastIndex(), followerLog.lastIndex(), name);
    assertEquals(
        leaderLog.slice(1, leaderLog.lastIndex() + 1, Long.MAX_VALUE),
        followerLog.slice(1, followerLog.lastIndex() + 1, Long.MAX_VALUE),
        "follower " + name);
  }

  static Stream<Arguments> upToDateVoteCases() {
    // voter log terms 1..2 = {1,1}; candidate (logTerm, index) -> reject
    return Stream.of(
        Arguments.of(0L, 0L, true),
        Arguments.of(0L, 1L, true),
        Arguments.of(0L, 2L, true),
        Arguments.of(0L, 3L, true),
        Arguments.of(1L, 0L, true),
        Arguments.of(1L, 1L, true),
        Arguments.of(1L, 2L, false),
        Arguments.of(1L, 3L, false),
        Arguments.of(2L, 0L, false),
        Arguments.of(2L, 1L, false),
        Arguments.of(2L, 2L, false),
        Arguments.of(2L, 3L, false));
  }

  /** §5.4.1: a voter denies its vote if its own log is more up to date than the candidate's. */
  @ParameterizedTest
  @MethodSource("upToDateVoteCases")
  void s541_voterRejectsLessUpToDateCandidate(long logTerm, long index, boolean wantReject) {
    MemoryStorage s = storage(1, 2);
    s.append(List.of(entry(1, 1), entry(2, 1)));
    Raft r = raft(1, s);
    r.step(msg(MessageType.MSG_VOTE, 2, 1, 3).toBuilder().setLogTerm(logTerm).setIndex(index).build());
    List<Message> ms = read(r);
    assertEquals(1, ms.size());
    assertEquals(wantReject, ms.get(0).getReject());
  }

  static Stream<Arguments> currentTermCommitCases() {
    // acked index -> want committed index. Log: 1@t1, 2@t2, then the new leader's 3@t3.
    return Stream.of(Arguments.of(1L, 0L), Arguments.of(2L, 0L), Arguments.of(3L, 3L));
  }

  /** §5.4.2 (Figure 8): only entries of the current term are committed by counting replicas. */
  @ParameterizedTest
  @MethodSource("currentTermCommitCases")
  void s542_leaderOnlyCommitsLogFromCurrentTerm(long acked, long wantCommit) {
    MemoryStorage s = storage(1, 2);
    s.append(List.of(entry(1, 1), entry(2, 2)));
    s.setHardState(HardState.newBuilder().setTerm(2).build());
    Raft r = raft(1, s);
    r.becomeCandidate();
    r.becomeLeader();
    persist(r);
    assertEquals(3, r.term);
    r.step(appResp(2, 1, r.term, acked));
    assertEquals(wantCommit, r.log.committed());
  }

  /** §6 (thesis §4.1): a leader accepts one membership change at a time. */
  @Test
  void s6_leaderAcceptsOneConfChangeAtATime() {
    Raft r = leader(1, 1, 2, 3);
    long li = r.log.lastIndex();
    r.log.commitTo(li);
    r.log.appliedTo(li);
    LogEntry cc =
        LogEntry.newBuilder()
            .setType(EntryType.ENTRY_CONF_CHANGE)
            .setData(ConfChange.newBuilder().setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(4).build().toByteString())
            .build();
    r.step(prop(1, "").toBuilder().clearEntries().addEntries(cc).addEntries(cc).build());
    assertEquals(EntryType.ENTRY_CONF_CHANGE, r.log.slice(li + 1, li + 2, Long.MAX_VALUE).get(0).getType());
    LogEntry second = r.log.slice(li + 2, li + 3, Long.MAX_VALUE).get(0);
    assertEquals(EntryType.ENTRY_NORMAL, second.getType(), "the second change becomes a no-op");
    assertTrue(second.getData().isEmpty());
    assertEquals(li + 1, r.pendingConfIndex);
  }

  /** §9.6 (thesis): a PreVote neither changes the voter's term nor records a vote. */
  @Test
  void s96_preVoteDoesNotChangeVoterState() {
    Raft r = new Raft(RaftConfig.defaults(1, 1).withCheckQuorum(false), storage(1, 2, 3));
    r.step(msg(MessageType.MSG_PRE_VOTE, 2, 1, 5));
    assertEquals(0, r.term);
    assertEquals(0, r.vote);
    List<Message> ms = read(r);
    assertEquals(1, ms.size());
    assertEquals(MessageType.MSG_PRE_VOTE_RESP, ms.get(0).getType());
    assertEquals(5, ms.get(0).getTerm(), "answered in the candidate's future term");
    assertTrue(!ms.get(0).getReject());
  }

  /** §9.6 (thesis): a pre-candidate raises its term only after a quorum grants pre-votes. */
  @Test
  void s96_preCandidateKeepsTermUntilQuorum() {
    Raft r = new Raft(RaftConfig.defaults(1, 1).withTicks(ET, HB), storage(1, 2, 3));
    r.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(1).build());
    persist(r);
    assertEquals(StateRole.PRE_CANDIDATE, r.state);
    assertEquals(0, r.term);
    List<Message> ms = read(r);
    assertEquals(2, ms.size());
    assertEquals(MessageType.MSG_PRE_VOTE, ms.get(0).getType());
    assertEquals(1, ms.get(0).getTerm());
    r.step(msg(MessageType.MSG_PRE_VOTE_RESP, 2, 1, 1));
    assertEquals(StateRole.CANDIDATE, r.state);
    assertEquals(1, r.term);
  }

  /** §9.6 (thesis) CheckQuorum: without responses for an election timeout the leader steps down. */
  @Test
  void s96_checkQuorumLeaderStepsDown() {
    Raft r = new Raft(RaftConfig.defaults(1, 1).withTicks(ET, HB), storage(1, 2, 3));
    r.becomeCandidate();
    r.becomeLeader();
    for (int i = 0; i < 2 * ET; i++) {
      r.tick();
    }
    assertEquals(StateRole.FOLLOWER, r.state);
  }

  static LogEntry entry(long index, long term) {
    return RaftLogTest.e(index, term);
  }
}
