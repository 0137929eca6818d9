package io.etcdj.raft;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.raft.tracker.Progress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One Raft node, driven by a single loop (etcd's {@code RawNode}). Inputs: {@link #tick()},
 * {@link #step(Message)}, {@link #propose(byte[])} and friends. Output: {@link #ready()}, which
 * the application processes as documented on {@link Ready} and then acknowledges with {@link
 * #advance()}. Between {@code ready()} and {@code advance()} the application may keep stepping
 * messages and ticking, but must not call {@code ready()} again.
 *
 * <p>Restart: build a new {@code RawNode} over the same storage (persisted entries, snapshot and
 * hard state) with {@link RaftConfig#appliedIndex()} set to what the state machine has applied.
 *
 * <p>Not thread-safe: confine it (and its storage) to one thread.
 */
public final class RawNode {
  private final Raft raft;
  private SoftState prevSoftState;
  private HardState prevHardState;
  /** The Ready handed out and not yet advanced, or null. */
  private Ready pending;
  /** Messages to self (our own vote, our own append ack) stepped once the Ready is durable. */
  private final List<Message> stepsOnAdvance = new ArrayList<>();

  public RawNode(RaftConfig config, RaftStorage storage) {
    this.raft = new Raft(config, storage);
    this.prevSoftState = raft.softState();
    this.prevHardState = raft.hardState();
  }

  /** Advances the logical clock by one tick (election and heartbeat timeouts count ticks). */
  public void tick() {
    raft.tick();
  }

  /** Starts an election now (a PreVote round first when enabled). */
  public void campaign() {
    raft.step(Message.newBuilder().setType(MessageType.MSG_HUP).setFrom(raft.id).build());
  }

  /**
   * Proposes {@code data} for the log. On a follower the proposal is forwarded to the leader;
   * acceptance is not a promise of commitment (the entry may be lost on a leader change).
   *
   * @throws ProposalDroppedException when there is no leader or a leadership transfer runs
   */
  public void propose(byte[] data) {
    LogEntry e = LogEntry.newBuilder().setType(EntryType.ENTRY_NORMAL).setData(ByteString.copyFrom(data)).build();
    raft.step(
        Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id).addEntries(e).build());
  }

  /**
   * Proposes a membership change. Once committed, the application must call {@link
   * #applyConfChange(ConfChange)} when applying it.
   *
   * @throws ProposalDroppedException as {@link #propose}, or when this node leads and an earlier
   *     conf change is not yet applied
   */
  public void proposeConfChange(ConfChange cc) {
    if (raft.state == StateRole.LEADER && raft.pendingConfIndex > raft.log.applied()) {
      throw new ProposalDroppedException(
          "conf change pending at index " + raft.pendingConfIndex + " (applied " + raft.log.applied() + ")");
    }
    LogEntry e =
        LogEntry.newBuilder().setType(EntryType.ENTRY_CONF_CHANGE).setData(cc.toByteString()).build();
    raft.step(
        Message.newBuilder().setType(MessageType.MSG_PROP).setFrom(raft.id).addEntries(e).build());
  }

  /**
   * Steps a message received from a peer. Local-only message types are refused; responses from
   * unknown peers and proposals that a non-leader cannot forward are silently dropped, as a lossy
   * network would.
   */
  public void step(Message m) {
    switch (m.getType()) {
      case MSG_HUP, MSG_BEAT, MSG_UNREACHABLE, MSG_SNAP_STATUS, MSG_CHECK_QUORUM ->
          throw new IllegalArgumentException("raft: cannot step raft local message " + m.getType());
      default -> {}
    }
    if (m.getFrom() == Raft.NONE) {
      throw new IllegalArgumentException("raft: message without sender: " + m.getType());
    }
    if (isResponse(m.getType()) && raft.trk.progress(m.getFrom()) == null) {
      return;
    }
    if (malformedRequest(m)) {
      return; // a peer's bug, not this node's: dropped, where the invariant check would stop the node
    }
    try {
      raft.step(m);
    } catch (ProposalDroppedException e) {
      // A forwarded proposal reached a node that lost leadership: the proposer times out and
      // retries, as with any lost message.
    }
  }

  /**
   * Steps a proposal a peer forwarded ({@code MsgProp}), like {@link #step}, but says whether this
   * node took it: false when it would drop it now (no leader known, a leadership transfer under
   * way, this leader removed, too much uncommitted), with nothing changed. Raft itself drops such
   * a proposal, as a lossy network would, and the proposer's client waits out its deadline; the
   * caller may instead hold it and step it again once the node has a leader that takes it.
   */
  public boolean stepForwardedProposal(Message m) {
    if (m.getType() != MessageType.MSG_PROP || m.getFrom() == Raft.NONE) {
      throw new IllegalArgumentException("raft: not a forwarded proposal: " + m.getType());
    }
    if (malformedRequest(m)) {
      return true; // nothing to hold: dropped, as step drops it
    }
    try {
      raft.step(m);
      return true;
    } catch (ProposalDroppedException e) {
      return false;
    }
  }

  /**
   * A proposal without entries or a read index without exactly one (its context): raft's own
   * requests never look like that, and its invariant checks would stop the node on them; from a
   * peer they are dropped instead, so a buggy or hostile member cannot stop this one.
   */
  private static boolean malformedRequest(Message m) {
    return (m.getType() == MessageType.MSG_PROP && m.getEntriesCount() == 0)
        || (m.getType() == MessageType.MSG_READ_INDEX && m.getEntriesCount() != 1);
  }

  private static boolean isResponse(MessageType t) {
    return t == MessageType.MSG_APP_RESP
        || t == MessageType.MSG_VOTE_RESP
        || t == MessageType.MSG_HEARTBEAT_RESP
        || t == MessageType.MSG_PRE_VOTE_RESP;
  }

  /**
   * Requests a linearizable read point. The answer arrives as a {@link ReadState} with the same
   * context in a later {@link Ready}; {@code ctx} must be unique per request.
   *
   * @throws ProposalDroppedException when there is no known leader
   */
  public void readIndex(byte[] ctx) {
    LogEntry e = LogEntry.newBuilder().setData(ByteString.copyFrom(ctx)).build();
    raft.step(
        Message.newBuilder()
            .setType(MessageType.MSG_READ_INDEX)
            .setFrom(raft.id)
            .addEntries(e)
            .build());
  }

  /**
   * Asks the leader to hand leadership to {@code transferee}; the leader catches it up, then
   * tells it to campaign at once. The transfer is abandoned after an election timeout.
   */
  public void transferLeader(long transferee) {
    raft.step(
        Message.newBuilder()
            .setType(MessageType.MSG_TRANSFER_LEADER)
            .setFrom(transferee)
            .setTo(raft.id)
            .build());
  }

  /** The transport failed to deliver to {@code id}: stop optimistic streaming to it. */
  public void reportUnreachable(long id) {
    raft.step(
        Message.newBuilder().setType(MessageType.MSG_UNREACHABLE).setFrom(id).build());
  }

  /** The outcome of sending a snapshot to {@code id}. */
  public void reportSnapshot(long id, boolean ok) {
    raft.step(
        Message.newBuilder()
            .setType(MessageType.MSG_SNAP_STATUS)
            .setFrom(id)
            .setReject(!ok)
            .build());
  }

  /** Applies a committed conf change and returns the new membership. */
  public ConfState applyConfChange(ConfChange cc) {
    return raft.applyConfChange(cc);
  }

  public boolean hasReady() {
    if (pending != null) {
      return false;
    }
    if (!raft.softState().equals(prevSoftState)) {
      return true;
    }
    HardState hs = raft.hardState();
    if (!Entries.isEmpty(hs) && !hs.equals(prevHardState)) {
      return true;
    }
    return raft.log.unstableSnapshot() != null
        || !raft.log.unstableEntries().isEmpty()
        || !raft.msgs.isEmpty()
        || !raft.msgsAfterAppend.isEmpty()
        || raft.log.hasNextCommittedEntries()
        || !raft.readStates.isEmpty();
  }

  /**
   * The pending work. Must be followed by {@link #advance()} before the next call.
   *
   * @throws IllegalStateException if the previous Ready was not advanced
   */
  public Ready ready() {
    if (pending != null) {
      throw new IllegalStateException("ready() called again before advance()");
    }
    SoftState ss = raft.softState();
    SoftState softState = ss.equals(prevSoftState) ? null : ss;
    HardState hs = raft.hardState();
    HardState hardState = hs.equals(prevHardState) ? null : hs;
    List<Message> afterPersist = new ArrayList<>();
    for (Message m : raft.msgsAfterAppend) {
      if (m.getTo() == raft.id) {
        stepsOnAdvance.add(m);
      } else {
        afterPersist.add(m);
      }
    }
    List<LogEntry> committed = raft.log.nextCommittedEntries();
    for (int i = committed.size() - 1; i >= 0; i--) {
      if (committed.get(i).getType() == EntryType.ENTRY_CONF_CHANGE) {
        raft.applyingConfIndex = committed.get(i).getIndex();
        break;
      }
    }
    Ready rd =
        new Ready(
            softState,
            hardState,
            raft.log.unstableEntries(),
            raft.log.unstableSnapshot(),
            committed,
            raft.msgs,
            afterPersist,
            raft.readStates);
    raft.msgs.clear();
    raft.msgsAfterAppend.clear();
    raft.readStates.clear();
    prevSoftState = ss;
    if (hardState != null) {
      prevHardState = hardState;
    }
    pending = rd;
    return rd;
  }

  /**
   * Acknowledges the last {@link Ready}: its entries, hard state and snapshot are persisted and
   * its committed entries applied.
   */
  public void advance() {
    Ready rd = pending;
    if (rd == null) {
      throw new IllegalStateException("advance() without a pending ready()");
    }
    pending = null;
    if (!rd.entries().isEmpty()) {
      LogEntry last = rd.entries().get(rd.entries().size() - 1);
      raft.log.stableTo(last.getIndex(), last.getTerm());
    }
    Snapshot snap = rd.snapshot();
    if (snap != null) {
      raft.log.stableSnapTo(snap.getMetadata().getIndex());
      raft.log.appliedTo(snap.getMetadata().getIndex());
    }
    if (!rd.committedEntries().isEmpty()) {
      raft.log.appliedTo(rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex());
    }
    List<Message> self = new ArrayList<>(stepsOnAdvance);
    stepsOnAdvance.clear();
    for (Message m : self) {
      raft.step(m);
    }
  }

  public Status status() {
    Map<Long, Status.PeerProgress> prs = new HashMap<>();
    if (raft.state == StateRole.LEADER) {
      for (Map.Entry<Long, Progress> e : raft.trk.progressMap().entrySet()) {
        Progress p = e.getValue();
        prs.put(
            e.getKey(),
            new Status.PeerProgress(
                p.match(),
                p.next(),
                p.state(),
                p.isLearner(),
                p.recentActive(),
                p.isPaused(),
                p.inflights().count(),
                p.pendingSnapshot()));
      }
    }
    return new Status(
        raft.id,
        raft.term,
        raft.vote,
        raft.log.committed(),
        raft.log.applied(),
        raft.lead,
        raft.state,
        raft.leadTransferee,
        prs);
  }

  /** The membership this node currently acts on. */
  public ConfState confState() {
    return raft.trk.confState();
  }

  /** For tests in this package. */
  Raft raft() {
    return raft;
  }
}
