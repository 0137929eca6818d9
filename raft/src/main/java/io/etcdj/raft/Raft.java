package io.etcdj.raft;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.raft.quorum.VoteResult;
import io.etcdj.raft.tracker.Progress;
import io.etcdj.raft.tracker.ProgressState;
import io.etcdj.raft.tracker.ProgressTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The Raft state machine (etcd's {@code raft} struct in {@code raft.go}). Package-private: the
 * application drives it through {@link RawNode}. Every method runs to completion on the caller's
 * thread; output accumulates in {@link #msgs}, {@link #msgsAfterAppend} and {@link #readStates}
 * until {@link RawNode#ready()} collects it.
 */
final class Raft {
  static final long NONE = 0;
  /** Context of a MsgVote caused by a leadership transfer: bypasses the leader lease. */
  static final ByteString CAMPAIGN_TRANSFER = ByteString.copyFromUtf8("CampaignTransfer");

  enum CampaignType {
    PRE_ELECTION,
    ELECTION,
    TRANSFER
  }

  final long id;
  long term;
  long vote;
  final RaftLog log;
  final ProgressTracker trk;
  StateRole state = StateRole.FOLLOWER;
  boolean isLearner;
  long lead = NONE;
  /** Id of the leader-transfer target while a transfer is in progress. */
  long leadTransferee = NONE;
  /**
   * The last index that may hold an unapplied conf change; a new one is accepted only once
   * applied beyond it (one change at a time).
   */
  long pendingConfIndex;
  /**
   * The highest index of a conf change handed out in a Ready for applying; while it is above the
   * applied index the application has yet to call {@link #applyConfChange} for it.
   */
  long applyingConfIndex;
  ReadOnly readOnly = new ReadOnly();
  /** ReadIndex requests received before this leader committed an entry of its term. */
  final List<Message> pendingReadIndexMessages = new ArrayList<>();

  final List<Message> msgs = new ArrayList<>();
  /** Responses that promise durable state: sent (or, to self, stepped) after persistence. */
  final List<Message> msgsAfterAppend = new ArrayList<>();
  final List<ReadState> readStates = new ArrayList<>();

  private final long maxMsgSizeBytes;
  private final boolean checkQuorum;
  private final boolean preVote;
  private final int heartbeatTimeout;
  private final int electionTimeout;
  private int randomizedElectionTimeout;
  /**
   * Ticks since the last election timeout (leader, candidate) or since the last valid message
   * from the leader (follower).
   */
  int electionElapsed;
  private int heartbeatElapsed;
  private final SplittableRandom random;

  Raft(RaftConfig c, RaftStorage storage) {
    this.id = c.id();
    this.log = new RaftLog(storage, c.maxSizePerMsgBytes());
    this.trk = new ProgressTracker(c.maxInflightMsgs());
    this.maxMsgSizeBytes = c.maxSizePerMsgBytes();
    this.checkQuorum = c.checkQuorum();
    this.preVote = c.preVote();
    this.heartbeatTimeout = c.heartbeatTicks();
    this.electionTimeout = c.electionTicks();
    this.random = new SplittableRandom(c.randomSeed());

    RaftStorage.InitialState is = storage.initialState();
    trk.restore(is.confState(), log.lastIndex());
    Progress self = trk.progress(id);
    isLearner = self != null && self.isLearner();
    if (!Entries.isEmpty(is.hardState())) {
      loadState(is.hardState());
    }
    if (c.appliedIndex() > 0) {
      log.appliedTo(c.appliedIndex());
    }
    becomeFollower(term, NONE);
  }

  private void loadState(HardState hs) {
    if (hs.getCommit() < log.committed() || hs.getCommit() > log.lastIndex()) {
      throw new IllegalStateException(
          id + " state.commit " + hs.getCommit() + " is out of range [" + log.committed() + ", " + log.lastIndex() + "]");
    }
    log.commitTo(hs.getCommit());
    term = hs.getTerm();
    vote = hs.getVote();
  }

  /** Tests only: installs a hard state as if read from storage. */
  void loadStateForTest(HardState hs) {
    loadState(hs);
  }

  SoftState softState() {
    return new SoftState(lead, state);
  }

  HardState hardState() {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(log.committed()).build();
  }

  // ------------------------------------------------------------------------------ sending

  private static boolean isVoteType(MessageType t) {
    return t == MessageType.MSG_VOTE
        || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_PRE_VOTE
        || t == MessageType.MSG_PRE_VOTE_RESP;
  }

  /**
   * Stamps {@code m} with our id (unless it already names a sender: a request forwarded to the
   * leader keeps its origin, so that a transfer goes to the named transferee and a read answer to
   * the node that asked) and, except for votes and forwarded requests, our term.
   */
  private void send(Message.Builder m) {
    if (m.getFrom() == NONE) {
      m.setFrom(id);
    }
    MessageType t = m.getType();
    if (isVoteType(t)) {
      // Vote messages carry the term of the election (a PreVote's is in the future).
      if (m.getTerm() == 0) {
        throw new IllegalStateException("term should be set when sending " + t);
      }
    } else {
      if (m.getTerm() != 0) {
        throw new IllegalStateException("term should not be set when sending " + t + " (was " + m.getTerm() + ")");
      }
      // MsgProp and MsgReadIndex are forwarded to the leader as local requests: no term.
      if (t != MessageType.MSG_PROP && t != MessageType.MSG_READ_INDEX) {
        m.setTerm(term);
      }
    }
    if (t == MessageType.MSG_APP_RESP || t == MessageType.MSG_VOTE_RESP || t == MessageType.MSG_PRE_VOTE_RESP) {
      // These promise that our log / vote is durable: they wait for the Ready to be persisted.
      msgsAfterAppend.add(m.build());
    } else {
      if (m.getTo() == id) {
        throw new IllegalStateException("message should not be self-addressed when sending " + t);
      }
      msgs.add(m.build());
    }
  }

  private static Message.Builder msg(MessageType type, long to) {
    return Message.newBuilder().setType(type).setTo(to);
  }

  /** Sends a MsgApp (or a MsgSnap) to {@code to} with entries from its next index, even if empty. */
  void sendAppend(long to) {
    maybeSendAppend(to, true);
  }

  /**
   * Sends a MsgApp to {@code to} unless its flow is paused or, with {@code sendIfEmpty} false,
   * there is nothing new. Falls back to a snapshot when the needed entries are compacted.
   * Returns whether a message was sent.
   */
  boolean maybeSendAppend(long to, boolean sendIfEmpty) {
    Progress pr = trk.progress(to);
    if (pr.isPaused()) {
      return false;
    }
    long prevIndex = pr.next() - 1;
    long prevTerm;
    List<LogEntry> ents = List.of();
    try {
      prevTerm = log.term(prevIndex);
      if (pr.state() != ProgressState.REPLICATE || !pr.inflights().full()) {
        ents = log.entries(pr.next(), maxMsgSizeBytes);
      }
    } catch (RaftStorageException e) {
      // The follower needs entries we no longer have.
      return maybeSendSnapshot(to, pr);
    }
    if (ents.isEmpty() && !sendIfEmpty) {
      return false;
    }
    send(
        msg(MessageType.MSG_APP, to)
            .setIndex(prevIndex)
            .setLogTerm(prevTerm)
            .addAllEntries(ents)
            .setCommit(log.committed()));
    pr.sentEntries(ents.size(), Entries.sizeBytes(ents));
    return true;
  }

  private boolean maybeSendSnapshot(long to, Progress pr) {
    if (!pr.recentActive()) {
      // Do not ship a (large) snapshot to a follower that may be down.
      return false;
    }
    Snapshot snap;
    try {
      snap = log.snapshot();
    } catch (SnapshotTemporarilyUnavailableException e) {
      return false;
    }
    if (Entries.isEmpty(snap)) {
      throw new IllegalStateException("need non-empty snapshot to catch up follower " + to);
    }
    pr.becomeSnapshot(snap.getMetadata().getIndex());
    send(msg(MessageType.MSG_SNAP, to).setSnapshot(snap));
    return true;
  }

  private void sendHeartbeat(long to, ByteString ctx) {
    // The follower might not have the leader's whole committed log yet: it must never be told a
    // commit index beyond what it is known to match.
    long commit = Math.min(trk.progress(to).match(), log.committed());
    send(msg(MessageType.MSG_HEARTBEAT, to).setCommit(commit).setContext(ctx));
  }

  void bcastAppend() {
    for (long to : trk.progressMap().keySet()) {
      if (to != id) {
        sendAppend(to);
      }
    }
  }

  void bcastHeartbeat() {
    bcastHeartbeatWithCtx(readOnly.lastPendingRequestCtx());
  }

  private void bcastHeartbeatWithCtx(ByteString ctx) {
    for (long to : trk.progressMap().keySet()) {
      if (to != id) {
        sendHeartbeat(to, ctx);
      }
    }
  }

  private void sendTimeoutNow(long to) {
    send(msg(MessageType.MSG_TIMEOUT_NOW, to));
  }

  // ------------------------------------------------------------------------------ role changes

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      vote = NONE;
    }
    lead = NONE;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    resetRandomizedElectionTimeout();
    abortLeaderTransfer();
    trk.resetVotes();
    trk.resetProgress(id, log.lastIndex());
    pendingConfIndex = 0;
    readOnly = new ReadOnly();
    pendingReadIndexMessages.clear();
  }

  private void resetRandomizedElectionTimeout() {
    randomizedElectionTimeout = electionTimeout + random.nextInt(electionTimeout);
  }

  void becomeFollower(long newTerm, long newLead) {
    reset(newTerm);
    lead = newLead;
    state = StateRole.FOLLOWER;
  }

  void becomeCandidate() {
    if (state == StateRole.LEADER) {
      throw new IllegalStateException("invalid transition [leader -> candidate]");
    }
    reset(term + 1);
    vote = id;
    state = StateRole.CANDIDATE;
  }

  void becomePreCandidate() {
    if (state == StateRole.LEADER) {
      throw new IllegalStateException("invalid transition [leader -> pre-candidate]");
    }
    // A PreVote round changes neither term nor vote: a partitioned node that keeps losing
    // pre-elections never disturbs the cluster's term.
    trk.resetVotes();
    lead = NONE;
    state = StateRole.PRE_CANDIDATE;
  }

  void becomeLeader() {
    if (state == StateRole.FOLLOWER) {
      throw new IllegalStateException("invalid transition [follower -> leader]");
    }
    reset(term);
    lead = id;
    state = StateRole.LEADER;
    Progress self = trk.progress(id);
    self.becomeReplicate();
    self.setRecentActive(true);
    // Any conf change in the uncommitted tail may be pending; refuse new ones until applied.
    pendingConfIndex = log.lastIndex();
    // An empty entry of the new term: committing it commits everything before (§5.4.2) and
    // unblocks ReadIndex.
    appendEntry(List.of(LogEntry.getDefaultInstance()));
  }

  // ------------------------------------------------------------------------------ ticks

  void tick() {
    if (state == StateRole.LEADER) {
      tickHeartbeat();
    } else {
      tickElection();
    }
  }

  private void tickElection() {
    electionElapsed++;
    if (promotable() && electionElapsed >= randomizedElectionTimeout) {
      electionElapsed = 0;
      step(localMsg(MessageType.MSG_HUP));
    }
  }

  private void tickHeartbeat() {
    heartbeatElapsed++;
    electionElapsed++;
    if (electionElapsed >= electionTimeout) {
      electionElapsed = 0;
      if (checkQuorum) {
        step(localMsg(MessageType.MSG_CHECK_QUORUM));
      }
      // A transfer that did not finish within an election timeout is abandoned.
      if (state == StateRole.LEADER && leadTransferee != NONE) {
        abortLeaderTransfer();
      }
    }
    if (state != StateRole.LEADER) {
      return;
    }
    if (heartbeatElapsed >= heartbeatTimeout) {
      heartbeatElapsed = 0;
      step(localMsg(MessageType.MSG_BEAT));
    }
  }

  private Message localMsg(MessageType t) {
    return Message.newBuilder().setType(t).setFrom(id).build();
  }

  /** Whether this node may become leader: a voter with no snapshot waiting to be applied. */
  boolean promotable() {
    Progress pr = trk.progress(id);
    return pr != null && !pr.isLearner() && log.unstableSnapshot() == null;
  }

  // ------------------------------------------------------------------------------ elections

  private void hup(CampaignType t) {
    if (state == StateRole.LEADER) {
      return;
    }
    if (!promotable()) {
      return;
    }
    if (hasUnappliedConfChanges()) {
      // The configuration we would campaign under may be stale.
      return;
    }
    campaign(t);
  }

  private boolean hasUnappliedConfChanges() {
    if (log.applied() >= log.committed()) {
      return false;
    }
    long lo = log.applied() + 1;
    long hi = log.committed() + 1;
    while (lo < hi) {
      List<LogEntry> ents = log.slice(lo, hi, maxMsgSizeBytes);
      for (LogEntry e : ents) {
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
          return true;
        }
      }
      lo += ents.size();
    }
    return false;
  }

  void campaign(CampaignType t) {
    if (!promotable()) {
      return;
    }
    long electionTerm;
    MessageType voteMsg;
    if (t == CampaignType.PRE_ELECTION) {
      becomePreCandidate();
      voteMsg = MessageType.MSG_PRE_VOTE;
      electionTerm = term + 1;
    } else {
      becomeCandidate();
      voteMsg = MessageType.MSG_VOTE;
      electionTerm = term;
    }
    RaftLog.EntryId last = log.lastEntryId();
    for (long peer : trk.voters()) {
      if (peer == id) {
        // The self-vote counts once it is durable: it comes back through advance().
        send(msg(voteRespType(voteMsg), id).setTerm(electionTerm));
        continue;
      }
      Message.Builder m =
          msg(voteMsg, peer).setTerm(electionTerm).setIndex(last.index()).setLogTerm(last.term());
      if (t == CampaignType.TRANSFER) {
        m.setContext(CAMPAIGN_TRANSFER);
      }
      send(m);
    }
  }

  private static MessageType voteRespType(MessageType t) {
    return switch (t) {
      case MSG_VOTE -> MessageType.MSG_VOTE_RESP;
      case MSG_PRE_VOTE -> MessageType.MSG_PRE_VOTE_RESP;
      default -> throw new IllegalStateException("not a vote message: " + t);
    };
  }

  private VoteResult poll(long from, boolean granted) {
    trk.recordVote(from, granted);
    return trk.tallyVotes();
  }

  // ------------------------------------------------------------------------------ step

  /** Steps one message; throws {@link ProposalDroppedException} for refused requests. */
  void step(Message m) {
    MessageType type = m.getType();
    if (m.getTerm() == 0) {
      // Local message.
    } else if (m.getTerm() > term) {
      if (type == MessageType.MSG_VOTE || type == MessageType.MSG_PRE_VOTE) {
        boolean force = CAMPAIGN_TRANSFER.equals(m.getContext());
        boolean inLease = checkQuorum && lead != NONE && electionElapsed < electionTimeout;
        if (!force && inLease) {
          // Heard from a leader within the minimum election timeout: neither update the term
          // nor grant the vote (thesis §4.2.3, the leader lease that makes CheckQuorum useful).
          return;
        }
      }
      if (type == MessageType.MSG_PRE_VOTE) {
        // Never change the term in response to a PreVote.
      } else if (type == MessageType.MSG_PRE_VOTE_RESP && !m.getReject()) {
        // Granted pre-votes carry the future term; the term rises only when a quorum grants.
      } else if (type == MessageType.MSG_APP || type == MessageType.MSG_HEARTBEAT || type == MessageType.MSG_SNAP) {
        becomeFollower(m.getTerm(), m.getFrom());
      } else {
        becomeFollower(m.getTerm(), NONE);
      }
    } else if (m.getTerm() < term) {
      if (type == MessageType.MSG_HEARTBEAT || type == MessageType.MSG_APP) {
        // A stale leader (or we raised our term while partitioned and cannot win): answer with
        // our term so that the old leader steps down and the cluster can move on (§5.1: reject
        // with the current term). etcd answers only with CheckQuorum or PreVote on and otherwise
        // relies on our MsgVote reaching the leader; but a member whose configuration is stale
        // (it never learned the leader joined) campaigns only among the members it knows, and
        // then neither side ever learns of the other's term: the cluster stays split for good.
        send(msg(MessageType.MSG_APP_RESP, m.getFrom()));
      } else if (type == MessageType.MSG_PRE_VOTE) {
        send(msg(MessageType.MSG_PRE_VOTE_RESP, m.getFrom()).setTerm(term).setReject(true));
      }
      // Other stale messages are ignored.
      return;
    }

    switch (type) {
      case MSG_HUP -> hup(preVote ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
      case MSG_VOTE, MSG_PRE_VOTE -> handleVote(m);
      default -> {
        switch (state) {
          case LEADER -> stepLeader(m);
          case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
          case FOLLOWER -> stepFollower(m);
        }
      }
    }
  }

  private void handleVote(Message m) {
    // A repeat of our vote, or no vote and no leader in this term, or a PreVote for a future term.
    boolean canVote =
        vote == m.getFrom()
            || (vote == NONE && lead == NONE)
            || (m.getType() == MessageType.MSG_PRE_VOTE && m.getTerm() > term);
    // Learners vote too: the candidate may know a config in which we were promoted.
    if (canVote && log.isUpToDate(m.getIndex(), m.getLogTerm())) {
      // Answer with the message's term: a PreVote's is ahead of ours and the candidate ignores
      // responses from older terms.
      send(msg(voteRespType(m.getType()), m.getFrom()).setTerm(m.getTerm()));
      if (m.getType() == MessageType.MSG_VOTE) {
        electionElapsed = 0;
        vote = m.getFrom();
      }
    } else {
      send(msg(voteRespType(m.getType()), m.getFrom()).setTerm(term).setReject(true));
    }
  }

  private void stepLeader(Message m) {
    switch (m.getType()) {
      case MSG_BEAT -> {
        bcastHeartbeat();
        return;
      }
      case MSG_CHECK_QUORUM -> {
        if (!trk.quorumActive()) {
          becomeFollower(term, NONE);
        }
        for (Map.Entry<Long, Progress> e : trk.progressMap().entrySet()) {
          if (e.getKey() != id) {
            e.getValue().setRecentActive(false);
          }
        }
        return;
      }
      case MSG_PROP -> {
        stepLeaderProp(m);
        return;
      }
      case MSG_READ_INDEX -> {
        stepLeaderReadIndex(m);
        return;
      }
      default -> {}
    }

    Progress pr = trk.progress(m.getFrom());
    if (pr == null) {
      return;
    }
    switch (m.getType()) {
      case MSG_APP_RESP -> handleAppendResponse(m, pr);
      case MSG_HEARTBEAT_RESP -> handleHeartbeatResponse(m, pr);
      case MSG_SNAP_STATUS -> {
        if (pr.state() != ProgressState.SNAPSHOT) {
          return;
        }
        if (m.getReject()) {
          // Probe from match + 1 again instead of assuming the snapshot arrived.
          pr.resetPendingSnapshot();
        }
        pr.becomeProbe();
        // Wait for a heartbeat response (or an append ack) before probing again.
        pr.setMsgAppProbesPaused(true);
      }
      case MSG_UNREACHABLE -> {
        // Optimistic streaming to an unreachable follower would only lose messages.
        if (pr.state() == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
      }
      case MSG_TRANSFER_LEADER -> handleTransferLeader(m, pr);
      default -> {}
    }
  }

  private void stepLeaderProp(Message m) {
    if (m.getEntriesCount() == 0) {
      throw new IllegalStateException(id + " stepped empty MsgProp");
    }
    if (trk.progress(id) == null) {
      throw new ProposalDroppedException("leader " + id + " was removed from the configuration");
    }
    if (leadTransferee != NONE) {
      throw new ProposalDroppedException("leadership transfer to " + leadTransferee + " in progress");
    }
    List<LogEntry> ents = new ArrayList<>(m.getEntriesList());
    for (int i = 0; i < ents.size(); i++) {
      if (ents.get(i).getType() != EntryType.ENTRY_CONF_CHANGE) {
        continue;
      }
      if (pendingConfIndex > log.applied()) {
        // One change at a time: keep the slot (so indexes of the batch stay valid) but make it
        // a no-op, as etcd does. Local proposals are refused earlier by RawNode.
        ents.set(i, LogEntry.newBuilder().setType(EntryType.ENTRY_NORMAL).build());
      } else {
        pendingConfIndex = log.lastIndex() + i + 1;
      }
    }
    appendEntry(ents);
    bcastAppend();
  }

  private void stepLeaderReadIndex(Message m) {
    if (m.getEntriesCount() != 1) {
      throw new IllegalStateException("MsgReadIndex must carry exactly one entry: " + m.getEntriesCount());
    }
    if (trk.isSingleton()) {
      // The only voter: its commit index is the cluster's.
      respondToReadIndex(m, log.committed());
      return;
    }
    if (!committedEntryInCurrentTerm()) {
      // A new leader does not know the latest commit index until it commits an entry of its own
      // term (etcd #7331): park the request.
      pendingReadIndexMessages.add(m);
      return;
    }
    startReadIndex(m);
  }

  /** Records the read at the current commit index and confirms leadership with a heartbeat round. */
  private void startReadIndex(Message m) {
    if (!readOnly.addRequest(log.committed(), m)) {
      if (isLocal(m)) {
        throw new ProposalDroppedException("too many pending read-index requests");
      }
      return;
    }
    ByteString ctx = m.getEntries(0).getData();
    readOnly.recvAck(id, ctx);
    bcastHeartbeatWithCtx(ctx);
  }

  private boolean isLocal(Message m) {
    return m.getFrom() == NONE || m.getFrom() == id;
  }

  private void respondToReadIndex(Message req, long readIndex) {
    if (isLocal(req)) {
      readStates.add(new ReadState(readIndex, req.getEntries(0).getData()));
      return;
    }
    send(
        msg(MessageType.MSG_READ_INDEX_RESP, req.getFrom())
            .setIndex(readIndex)
            .addAllEntries(req.getEntriesList()));
  }

  boolean committedEntryInCurrentTerm() {
    return log.termOrZero(log.committed()) == term;
  }

  private void releasePendingReadIndexMessages() {
    if (pendingReadIndexMessages.isEmpty()) {
      return;
    }
    if (!committedEntryInCurrentTerm()) {
      throw new IllegalStateException("releasing pending reads before committing in term " + term);
    }
    List<Message> parked = new ArrayList<>(pendingReadIndexMessages);
    pendingReadIndexMessages.clear();
    for (Message m : parked) {
      startReadIndex(m);
    }
  }

  private void handleAppendResponse(Message m, Progress pr) {
    pr.setRecentActive(true);
    long from = m.getFrom();
    if (m.getReject()) {
      // rejectHint is the follower's guess of the last index that might match; logTerm its term
      // there. Skip every index whose term in our log is above that term: none can match.
      long nextProbeIdx = m.getRejectHint();
      if (m.getLogTerm() > 0) {
        nextProbeIdx = log.findConflictByTerm(m.getRejectHint(), m.getLogTerm()).index();
      }
      if (pr.maybeDecrTo(m.getIndex(), nextProbeIdx)) {
        if (pr.state() == ProgressState.REPLICATE) {
          pr.becomeProbe();
        }
        sendAppend(from);
      }
      return;
    }
    boolean advanced = pr.maybeUpdate(m.getIndex());
    if (!advanced && !(pr.match() == m.getIndex() && pr.state() == ProgressState.PROBE)) {
      return;
    }
    switch (pr.state()) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        // The follower caught up past the point where it needed the snapshot.
        if (pr.match() + 1 >= log.firstIndex()) {
          pr.becomeProbe();
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights().freeLE(m.getIndex());
    }
    if (maybeCommit()) {
      releasePendingReadIndexMessages();
      bcastAppend();
    } else if (from != id) {
      // Freed window: send as much as flow control allows, without empty appends.
      while (maybeSendAppend(from, false)) {
        // keep sending
      }
    }
    if (from == leadTransferee && pr.match() == log.lastIndex()) {
      sendTimeoutNow(from);
    }
  }

  private void handleHeartbeatResponse(Message m, Progress pr) {
    pr.setRecentActive(true);
    pr.setMsgAppProbesPaused(false);
    // Even a full window gets an (empty) append: all the messages that filled it may be lost.
    if (pr.match() < log.lastIndex() || pr.state() == ProgressState.PROBE) {
      sendAppend(m.getFrom());
    }
    if (m.getContext().isEmpty()) {
      return;
    }
    Map<Long, Boolean> acks = readOnly.recvAck(m.getFrom(), m.getContext());
    if (acks == null || trk.voteResult(acks) != VoteResult.WON) {
      return;
    }
    for (ReadOnly.Pending p : readOnly.advance(m.getContext())) {
      respondToReadIndex(p.req(), p.index());
    }
  }

  private void handleTransferLeader(Message m, Progress pr) {
    if (pr.isLearner()) {
      return;
    }
    long transferee = m.getFrom();
    if (leadTransferee != NONE) {
      if (leadTransferee == transferee) {
        return;
      }
      abortLeaderTransfer();
    }
    if (transferee == id) {
      return;
    }
    // The transfer must complete within one election timeout.
    electionElapsed = 0;
    leadTransferee = transferee;
    if (pr.match() == log.lastIndex()) {
      sendTimeoutNow(transferee);
    } else {
      sendAppend(transferee);
    }
  }

  void abortLeaderTransfer() {
    leadTransferee = NONE;
  }

  private void stepCandidate(Message m) {
    MessageType myVoteResp =
        state == StateRole.PRE_CANDIDATE ? MessageType.MSG_PRE_VOTE_RESP : MessageType.MSG_VOTE_RESP;
    MessageType type = m.getType();
    switch (type) {
      case MSG_PROP -> throw new ProposalDroppedException("no leader at term " + term);
      case MSG_READ_INDEX -> {
        if (isLocal(m)) {
          throw new ProposalDroppedException("no leader at term " + term);
        }
      }
      case MSG_APP -> {
        becomeFollower(m.getTerm(), m.getFrom());
        handleAppendEntries(m);
      }
      case MSG_HEARTBEAT -> {
        becomeFollower(m.getTerm(), m.getFrom());
        handleHeartbeat(m);
      }
      case MSG_SNAP -> {
        becomeFollower(m.getTerm(), m.getFrom());
        handleSnapshot(m);
      }
      case MSG_TIMEOUT_NOW -> {
        // Already campaigning.
      }
      default -> {
        if (type != myVoteResp) {
          return;
        }
        VoteResult res = poll(m.getFrom(), !m.getReject());
        if (res == VoteResult.WON) {
          if (state == StateRole.PRE_CANDIDATE) {
            campaign(CampaignType.ELECTION);
          } else {
            becomeLeader();
            bcastAppend();
          }
        } else if (res == VoteResult.LOST) {
          // A rejection from a higher term already made us a follower in step().
          becomeFollower(term, NONE);
        }
      }
    }
  }

  private void stepFollower(Message m) {
    switch (m.getType()) {
      case MSG_PROP -> {
        if (lead == NONE) {
          throw new ProposalDroppedException("no leader at term " + term);
        }
        send(m.toBuilder().setTo(lead).setTerm(0));
      }
      case MSG_APP -> {
        electionElapsed = 0;
        lead = m.getFrom();
        handleAppendEntries(m);
      }
      case MSG_HEARTBEAT -> {
        electionElapsed = 0;
        lead = m.getFrom();
        handleHeartbeat(m);
      }
      case MSG_SNAP -> {
        electionElapsed = 0;
        lead = m.getFrom();
        handleSnapshot(m);
      }
      case MSG_TRANSFER_LEADER -> {
        if (lead == NONE || m.getFrom() == lead) {
          // Dropped, as in etcd: a transfer is only a hint. A transfer to the current leader is
          // a no-op, and relaying it would put a message from the leader to itself on the wire.
          return;
        }
        send(m.toBuilder().setTo(lead).setTerm(0));
      }
      case MSG_TIMEOUT_NOW -> hup(CampaignType.TRANSFER);
      case MSG_READ_INDEX -> {
        if (lead == NONE) {
          if (isLocal(m)) {
            throw new ProposalDroppedException("no leader at term " + term + "; cannot serve read index");
          }
          return;
        }
        send(m.toBuilder().setTo(lead).setTerm(0));
      }
      case MSG_READ_INDEX_RESP -> {
        if (m.getEntriesCount() != 1) {
          return;
        }
        readStates.add(new ReadState(m.getIndex(), m.getEntries(0).getData()));
      }
      default -> {}
    }
  }

  // ------------------------------------------------------------------------------ follower side

  private void handleAppendEntries(Message m) {
    if (m.getIndex() < log.committed()) {
      // Everything up to our commit index is known to match; tell the leader where we are.
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(log.committed()));
      return;
    }
    long lastNew = log.maybeAppend(m.getIndex(), m.getLogTerm(), m.getCommit(), m.getEntriesList());
    if (lastNew >= 0) {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(lastNew));
      return;
    }
    // Reject with a hint: the last index <= the probed one whose term is <= the leader's term
    // there. The leader skips every index in between (fast back-off).
    long hintIndex = Math.min(m.getIndex(), log.lastIndex());
    RaftLog.EntryId hint = log.findConflictByTerm(hintIndex, m.getLogTerm());
    send(
        msg(MessageType.MSG_APP_RESP, m.getFrom())
            .setIndex(m.getIndex())
            .setReject(true)
            .setRejectHint(hint.index())
            .setLogTerm(hint.term()));
  }

  private void handleHeartbeat(Message m) {
    log.commitTo(m.getCommit());
    send(msg(MessageType.MSG_HEARTBEAT_RESP, m.getFrom()).setContext(m.getContext()));
  }

  private void handleSnapshot(Message m) {
    Snapshot s = m.getSnapshot();
    if (restore(s)) {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(log.lastIndex()));
    } else {
      send(msg(MessageType.MSG_APP_RESP, m.getFrom()).setIndex(log.committed()));
    }
  }

  /** Installs {@code s} unless it is stale or already covered by the log. */
  boolean restore(Snapshot s) {
    long index = s.getMetadata().getIndex();
    long snapTerm = s.getMetadata().getTerm();
    if (index <= log.committed()) {
      return false;
    }
    if (state != StateRole.FOLLOWER) {
      // Only a leader of this term may send snapshots, so we cannot be leader or candidate in
      // this term: a defensive step down, as etcd does.
      becomeFollower(term + 1, NONE);
      return false;
    }
    ConfState cs = s.getMetadata().getConfState();
    if (!cs.getVotersList().contains(id) && !cs.getLearnersList().contains(id)) {
      // Not a member in the snapshot's config: it is probably from a stale leader or we were
      // removed; installing it could make us campaign under a config we are not part of.
      return false;
    }
    if (log.matchTerm(index, snapTerm)) {
      // We already have the log up to the snapshot: just fast-forward the commit index.
      log.commitTo(index);
      return false;
    }
    if (applyingConfIndex > log.applied()) {
      // A conf change from before the snapshot is being applied: the application would then
      // apply it on top of the snapshot's newer configuration. Refuse; the leader retries.
      return false;
    }
    log.restore(s);
    trk.restore(cs, log.lastIndex());
    Progress self = trk.progress(id);
    self.maybeUpdate(self.next() - 1);
    isLearner = self.isLearner();
    return true;
  }

  // ------------------------------------------------------------------------------ leader side

  /** Appends entries stamped with our term; the leader's own ack arrives after persistence. */
  void appendEntry(List<LogEntry> es) {
    long li = log.lastIndex();
    List<LogEntry> stamped = new ArrayList<>(es.size());
    for (int i = 0; i < es.size(); i++) {
      stamped.add(es.get(i).toBuilder().setTerm(term).setIndex(li + 1 + i).build());
    }
    li = log.append(stamped);
    // Self-ack once durable (committed means persisted on a quorum including the leader).
    send(msg(MessageType.MSG_APP_RESP, id).setIndex(li));
  }

  /** Raises the commit index to what a quorum acknowledged, if that entry is of our term. */
  boolean maybeCommit() {
    return log.maybeCommit(trk.committed(), term);
  }

  // ------------------------------------------------------------------------------ membership

  ConfState applyConfChange(ConfChange cc) {
    long node = cc.getNodeId();
    if (node == NONE) {
      return trk.confState();
    }
    long last = log.lastIndex();
    switch (cc.getType()) {
      case CONF_CHANGE_ADD_NODE -> trk.addVoter(node, last);
      case CONF_CHANGE_ADD_LEARNER_NODE -> {
        if (trk.voters().contains(node) && trk.voters().size() == 1) {
          throw new IllegalArgumentException("cannot demote the last voter " + node);
        }
        trk.addLearner(node, last);
      }
      case CONF_CHANGE_REMOVE_NODE -> {
        if (trk.voters().contains(node) && trk.voters().size() == 1) {
          throw new IllegalArgumentException("cannot remove the last voter " + node);
        }
        trk.remove(node);
      }
      case CONF_CHANGE_UPDATE_NODE -> {}
      default -> throw new IllegalArgumentException("unknown conf change type " + cc.getType());
    }
    return switchToConfig();
  }

  private ConfState switchToConfig() {
    ConfState cs = trk.confState();
    Progress self = trk.progress(id);
    isLearner = self != null && self.isLearner();
    if ((self == null || isLearner) && state == StateRole.LEADER) {
      // Removed or demoted: a non-voter must not lead (etcd's StepDownOnRemoval).
      becomeFollower(term, NONE);
      return cs;
    }
    if (state != StateRole.LEADER || cs.getVotersCount() == 0) {
      return cs;
    }
    // A smaller quorum may commit more now; new members get probed right away.
    if (maybeCommit()) {
      releasePendingReadIndexMessages();
      bcastAppend();
    } else {
      for (long peer : trk.progressMap().keySet()) {
        if (peer != id) {
          maybeSendAppend(peer, false);
        }
      }
    }
    if (leadTransferee != NONE && !trk.voters().contains(leadTransferee)) {
      abortLeaderTransfer();
    }
    return cs;
  }

  static ConfChange decodeConfChange(LogEntry e) {
    try {
      return ConfChange.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("corrupt conf change entry at index " + e.getIndex(), ex);
    }
  }
}
