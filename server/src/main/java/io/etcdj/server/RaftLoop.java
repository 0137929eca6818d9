package io.etcdj.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.ProposalDroppedException;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RawNode;
import io.etcdj.raft.Ready;
import io.etcdj.raft.StateRole;
import io.etcdj.raft.wal.Wal;
import io.etcdj.raft.wal.WalContents;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.transport.RaftHandler;
import io.etcdj.server.transport.Transport;
import io.etcdj.storage.failpoint.FailPoints;
import io.etcdj.storage.mvcc.KV;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raft loop (etcd's {@code raftNode}): the one thread that owns the {@link RawNode}. It turns
 * wall-clock time into ticks, feeds proposals into the node, and handles each {@link Ready} in
 * the order the contract requires: persist hard state and entries to the WAL (one fsync for the
 * whole Ready: group commit), append them to the in-memory raft storage, hand committed entries
 * to the apply loop, then {@code advance()}. Every {@code snapshotCount} applied entries it syncs
 * the backend, records a WAL snapshot and releases older WAL segments and log entries, keeping
 * {@code --experimental-snapshot-catchup-entries} for slow followers. A follower behind that gets
 * the store itself: MsgSnap goes to the apply loop, which makes the snapshot; a received snapshot
 * that raft accepts is kept on disk, recorded in the WAL, then installed by the apply loop.
 *
 * <p>Threading: {@link #propose}, {@link #proposeConfChange}, {@link #readIndex}, {@link #onLoop}
 * and the transport's {@link #handler()} from any thread: each is a bounded, non-blocking offer to
 * the inbox; the read-only getters too. Everything else on the loop thread, or on the starting
 * thread before the loop thread starts.
 */
final class RaftLoop implements Consensus, Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);

  /** etcd's raft library lines ("became leader at term N"), which scripts wait for. */
  private static final Logger RAFT_LOG = LoggerFactory.getLogger(io.etcdj.server.logging.Capnslog.RAFT_LOGGER);
  private static final int INBOX_DRAIN_MAX = 4_096;

  /**
   * A client write waiting to enter the log; without a leader it waits until its deadline (the
   * client's, or the request timeout). {@code accepted} runs on this thread once raft took it.
   */
  private record Proposal(long id, byte[] data, long deadlineNanos, Runnable accepted) {}

  /** A linearizable read waiting for a read index; failed with a timeout at its deadline. */
  private record ReadRequest(CompletableFuture<Long> index, long deadlineNanos) {}

  /** Transport feedback for the node. */
  private record Unreachable(long id) {}

  private record SnapshotStatus(long id, boolean ok) {}

  /** A snapshot the transport received whole: raft decides whether to install it. */
  private record ReceivedSnapshot(Message msgSnap, Path file, List<Member> members) {}

  /** A received snapshot file, and the members its header names (read once, when verified). */
  private record ReceivedFile(Path file, List<Member> members) {}

  /** A membership change waiting to enter the log; its waiter is keyed by the change's id. */
  private record ConfChangeProposal(ConfChange cc) {}

  /** Work that must run on the loop thread (it touches the node), with its answer. */
  private record LoopTask<T>(java.util.function.Function<RawNode, T> work, CompletableFuture<T> result) {}

  private final RawNode node;
  private final MemoryStorage storage;
  private final Wal wal;
  private final KV kv;
  private final ApplyLoop applyLoop;
  private final Wait wait;
  private final long memberId;
  private final long tickNanos;
  private final long snapshotCount;
  /** Entries kept in memory after a snapshot so slow followers can catch up from the log. */
  private final long snapshotCatchUpEntries;
  /** --max-wals: WAL segment files kept once released by a snapshot (0 keeps all). */
  private final long maxWals;
  private final ArrayBlockingQueue<Object> inbox;
  private final Thread thread;
  private volatile boolean running;
  private volatile long term;
  private volatile long leader;
  /** Whether this member led at the last soft state (raft loop thread only). */
  private boolean leading;

  /** The role last logged as etcd's raft does ("became candidate at term 3"); raft loop thread only. */
  private StateRole loggedRole = StateRole.FOLLOWER;

  private volatile Runnable onSteppedDown = () -> {};
  private volatile long committedIndex;
  /** Epoch millis when this member last became leader (etcd's leadElectedTime), 0 if never. */
  private volatile long leaderElectedMillis;
  private HardState lastHardState;
  /** Conf change entries up to this index have been given to {@code node.applyConfChange}. */
  private long confChangesAppliedTo;
  private long snapshotIndex;
  private final boolean bootstrapped;
  private final long requestTimeoutNanos;
  private Transport transport;
  private volatile boolean singleVoter;
  private long readSeq;
  private final List<ReadRequest> readsToSend = new ArrayList<>();
  /** Proposals raft refused for want of a leader, retried each round until their deadline. */
  private final java.util.ArrayDeque<Proposal> proposalsWithoutLeader = new java.util.ArrayDeque<>();
  /** Followers' proposals that arrived while this member could not take them (see the class). */
  private final HeldForwards heldForwards;
  private final Map<ByteString, List<ReadRequest>> readsInFlight = new HashMap<>();
  /** Membership changes raft refused for want of a leader, retried while someone waits. */
  private final java.util.ArrayDeque<ConfChangeProposal> confChangesWithoutLeader =
      new java.util.ArrayDeque<>();
  private static final int CONF_CHANGES_HELD_MAX = 1_024;
  /** Ids of the held changes, for other threads (see {@link #holdsConfChange}). */
  private final java.util.Set<Long> heldConfChangeIds =
      java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Received snapshot files by index, stepped into raft this round; deleted unless installed. */
  private final Map<Long, ReceivedFile> receivedSnapshots = new HashMap<>();
  private final Path snapDir;
  /** Counts each new leader this member sees (etcd_server_leader_changes_seen_total). */
  private final Runnable leaderChangeSeen;

  private RaftLoop(
      RawNode node,
      MemoryStorage storage,
      Wal wal,
      KV kv,
      ApplyLoop applyLoop,
      Wait wait,
      long memberId,
      long tickMs,
      long requestTimeoutMs,
      long snapshotCount,
      long snapshotCatchUpEntries,
      int inboxMax,
      HardState hardState,
      long confChangesAppliedTo,
      long snapshotIndex,
      boolean bootstrapped,
      Path snapDir,
      Runnable leaderChangeSeen,
      long maxWals) {
    this.node = node;
    this.maxWals = maxWals;
    this.snapDir = snapDir;
    this.leaderChangeSeen = leaderChangeSeen;
    this.storage = storage;
    this.wal = wal;
    this.kv = kv;
    this.applyLoop = applyLoop;
    this.wait = wait;
    this.memberId = memberId;
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMs);
    this.snapshotCount = snapshotCount;
    this.snapshotCatchUpEntries = snapshotCatchUpEntries;
    this.inbox = new ArrayBlockingQueue<>(inboxMax);
    this.lastHardState = hardState;
    this.term = hardState.getTerm();
    this.committedIndex = hardState.getCommit();
    this.confChangesAppliedTo = confChangesAppliedTo;
    this.snapshotIndex = snapshotIndex;
    this.bootstrapped = bootstrapped;
    this.requestTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(requestTimeoutMs);
    this.heldForwards = new HeldForwards(requestTimeoutNanos);
    this.singleVoter = isSingleVoter(node.confState(), memberId);
    this.thread = new Thread(this, "etcdj-raft-loop");
  }

  /** What a member needs to rebuild its raft state. */
  record Params(
      long memberId,
      List<Member> initialMembers,
      int electionTicks,
      int heartbeatTicks,
      long tickMs,
      long requestTimeoutMs,
      long snapshotCount,
      long snapshotCatchUpEntries,
      int inboxMax,
      Path snapDir,
      boolean joinExisting,
      Runnable leaderChangeSeen,
      long maxWals) {}

  /**
   * Rebuilds the raft state from the WAL (bootstrapping a new cluster when the WAL is empty) on
   * the calling thread. Nothing runs until {@link #start()}.
   */
  static RaftLoop recover(Wal wal, KV kv, ApplyLoop applyLoop, Wait wait, Params p) {
    WalContents contents = wal.contents();
    MemoryStorage storage = new MemoryStorage();
    SnapshotMetadata snap = contents.snapshot();
    long snapIndex = snap == null ? 0 : snap.getIndex();
    if (snap != null) {
      storage.applySnapshot(Snapshot.newBuilder().setMetadata(snap).build());
    }
    if (kv.consistentIndex() < snapIndex) {
      // Either a leader's snapshot was recorded but its store not yet installed and synced (its
      // file is kept for exactly this), or synced backend data was lost.
      Path kept = SnapshotData.file(p.snapDir(), snapIndex);
      if (!Files.exists(kept)) {
        throw new IllegalStateException(
            "backend consistent index " + kv.consistentIndex() + " is behind the WAL snapshot at "
                + snapIndex + " and no snapshot file " + kept + " is kept; the data dir is damaged");
      }
      LOG.info("installing the snapshot at index {} that was received before the restart", snapIndex);
      applyLoop.installSnapshot(snap, kept);
    }
    try {
      SnapshotData.deleteAllExcept(p.snapDir(), null); // half-received or never installed
    } catch (IOException e) {
      throw new UncheckedIOException("cannot clean " + p.snapDir(), e);
    }
    List<LogEntry> entries = contents.entries();
    HardState hs = contents.hardState() == null ? HardState.getDefaultInstance() : contents.hardState();
    if (snap != null && hs.getCommit() < snapIndex) {
      // A crash between the WAL's snapshot record (synced first, as etcd orders it) and the hard
      // state of the same Ready. A leader only sends committed state, so the snapshot's index is
      // committed; its term is at most the term this member had moved to (without voting in it).
      HardState.Builder fixed = hs.toBuilder().setCommit(snapIndex);
      if (hs.getTerm() < snap.getTerm()) {
        fixed.setTerm(snap.getTerm()).setVote(0);
      }
      LOG.info("the WAL's snapshot at index {} is ahead of its hard state {}: commit moved up to it",
          snapIndex, hs.toString().replace('\n', ' '));
      hs = fixed.build();
    }
    boolean fresh = snap == null && entries.isEmpty() && hs.getTerm() == 0;
    // A member joining a running cluster starts with an empty log and no configuration, as
    // etcd's RestartNode with no peers: the leader sends it the log from index 1, whose conf
    // changes build its configuration.
    boolean bootstrap = fresh && !p.joinExisting();
    long confAppliedTo;
    if (bootstrap) {
      // As etcd: the initial members are added by conf-change entries at term 1, committed from
      // the start and applied to the raft configuration before the first Ready.
      entries = bootstrapEntries(p);
      hs = HardState.newBuilder().setTerm(1).setCommit(entries.size()).build();
      wal.append(hs, entries);
      wal.sync();
      confAppliedTo = entries.size();
    } else {
      confAppliedTo = Math.min(kv.consistentIndex(), hs.getCommit());
    }
    long walEnd = Math.max(snapIndex, entries.isEmpty() ? 0 : entries.get(entries.size() - 1).getIndex());
    if (kv.consistentIndex() > walEnd) {
      // Entries reach the store only after their WAL fsync, so the WAL lost writes the disk had
      // acknowledged (a disk or mount that ignores fsync, then a power loss). Raft's log and the
      // store disagree; serving on would answer with data raft no longer knows (etcd's raft
      // panics here: applied out of range).
      throw new IllegalStateException(
          "the backend has applied the log up to index " + kv.consistentIndex() + " but the WAL"
              + " ends at index " + walEnd + ": the WAL lost entries that were synced "
              + "(does the disk honour fsync?); this member's data cannot be trusted: remove the "
              + "member and add it back with an empty data dir");
    }
    storage.append(entries);
    storage.setHardState(hs);
    long applied = fresh ? 0 : Math.max(snapIndex, Math.min(kv.consistentIndex(), hs.getCommit()));
    RaftConfig config =
        RaftConfig.defaults(p.memberId(), p.memberId() ^ System.nanoTime())
            .withTicks(p.electionTicks(), p.heartbeatTicks())
            .withAppliedIndex(applied);
    RawNode node = new RawNode(config, storage);
    for (LogEntry e : entries) {
      if (e.getType() == EntryType.ENTRY_CONF_CHANGE && e.getIndex() <= confAppliedTo) {
        node.applyConfChange(ApplyLoop.confChange(e));
      }
    }
    RaftLoop loop =
        new RaftLoop(node, storage, wal, kv, applyLoop, wait, p.memberId(), p.tickMs(),
            p.requestTimeoutMs(), p.snapshotCount(), p.snapshotCatchUpEntries(), p.inboxMax(), hs, confAppliedTo, snapIndex,
            bootstrap, p.snapDir(), p.leaderChangeSeen(), p.maxWals());
    LOG.info(
        "raft state recovered: term {}, commit {}, applied {}, last index {}, voters {}",
        hs.getTerm(), hs.getCommit(), applied, storage.lastIndex(), node.confState().getVotersList());
    return loop;
  }

  private static boolean isSingleVoter(ConfState cs, long self) {
    return cs.getVotersCount() == 1 && cs.getVoters(0) == self;
  }

  /**
   * Connects the loop to its peers; call before {@link #start()}. The transport feeds received
   * messages back through {@link #handler()}.
   */
  void attach(Transport transport) {
    this.transport = transport;
  }

  /** What the transport calls: it only enqueues to the loop (dropping when full, as raft allows). */
  RaftHandler handler() {
    return new RaftHandler() {
      @Override
      public void process(Message m) {
        inbox.offer(m);
      }

      @Override
      public void reportUnreachable(long id) {
        inbox.offer(new Unreachable(id));
      }

      @Override
      public void reportSnapshot(long id, boolean ok) {
        inbox.offer(new SnapshotStatus(id, ok));
      }

      @Override
      public void receiveSnapshot(Message msgSnap, Path dataFile) {
        // On the peer server's snapshot thread: read it all before raft can accept it.
        List<Member> members;
        try {
          members =
              SnapshotData.verify(dataFile, msgSnap.getSnapshot().getMetadata().getIndex())
                  .getMembersList();
        } catch (IOException | RuntimeException e) {
          deleteQuietly(dataFile);
          throw new IllegalStateException("invalid snapshot from "
              + Long.toHexString(msgSnap.getFrom()) + ": " + e.getMessage(), e);
        }
        if (!inbox.offer(new ReceivedSnapshot(msgSnap, dataFile, members))) {
          deleteQuietly(dataFile);
          throw new IllegalStateException("raft loop inbox full; the snapshot is refused");
        }
      }
    };
  }

  /**
   * True while this member is the cluster's only voter: then every applied write was answered
   * after it applied here, so a local read is linearizable without a read index round.
   */
  boolean singleVoter() {
    return singleVoter;
  }

  /**
   * A read index for a linearizable read (etcd's linearizableReadLoop): completes with the commit
   * index the leader confirmed by a heartbeat quorum; the caller then waits until it is applied.
   * Fails with "request timed out" when no leader answers in time.
   */
  CompletableFuture<Long> readIndex() {
    CompletableFuture<Long> f = new CompletableFuture<>();
    if (!running || !inbox.offer(new ReadRequest(f, System.nanoTime() + requestTimeoutNanos))) {
      f.completeExceptionally(
          (running ? EtcdError.TOO_MANY_REQUESTS : EtcdError.STOPPED).exception());
    }
    return f;
  }

  /** Queues a membership change; the waiter of {@code cc.id} gets the outcome. */
  boolean proposeConfChange(ConfChange cc) {
    return running && inbox.offer(new ConfChangeProposal(cc));
  }

  /**
   * True while the membership change {@code id} waits for a leader, never yet taken by raft
   * (etcd's ProposeConfChange still blocked). Any thread.
   */
  boolean holdsConfChange(long id) {
    return heldConfChangeIds.contains(id);
  }

  /** Runs {@code work} on the loop thread (e.g. reading the node's status, a leader transfer). */
  <T> CompletableFuture<T> onLoop(java.util.function.Function<RawNode, T> work) {
    CompletableFuture<T> f = new CompletableFuture<>();
    if (!running || !inbox.offer(new LoopTask<>(work, f))) {
      f.completeExceptionally(EtcdError.TOO_MANY_REQUESTS.exception());
    }
    return f;
  }

  /** True when this start created a new cluster (the WAL was empty and it did not join one). */
  boolean bootstrapped() {
    return bootstrapped;
  }

  private static List<LogEntry> bootstrapEntries(Params p) {
    List<Member> members = new ArrayList<>(p.initialMembers());
    members.sort((a, b) -> Long.compareUnsigned(a.getID(), b.getID()));
    List<LogEntry> out = new ArrayList<>();
    for (Member m : members) {
      ConfChange cc =
          ConfChange.newBuilder()
              .setType(ConfChangeType.CONF_CHANGE_ADD_NODE)
              .setNodeId(m.getID())
              .setContext(m.toByteString())
              .build();
      out.add(
          LogEntry.newBuilder()
              .setType(EntryType.ENTRY_CONF_CHANGE)
              .setTerm(1)
              .setIndex(out.size() + 1)
              .setData(cc.toByteString())
              .build());
    }
    return out;
  }

  /**
   * Starts the loop thread. A member that is the only voter elects itself at once (etcd fast-
   * forwards its election ticks the same way), so it serves as soon as it has started.
   */
  @Override
  public void start() {
    // Hand over what is committed but not applied first: raft refuses to campaign while a
    // committed conf change (such as the bootstrap ones) is still unapplied.
    while (node.hasReady()) {
      handleReady(node.ready());
    }
    List<Long> voters = node.confState().getVotersList();
    if (voters.size() == 1 && voters.get(0) == memberId) {
      node.campaign();
      while (node.hasReady()) {
        handleReady(node.ready());
      }
    }
    running = true;
    thread.start();
  }

  @Override
  public void stop() {
    running = false;
    Fatal.interruptAndJoin(thread);
  }

  @Override
  public boolean propose(long id, byte[] data, long deadlineNanos, Runnable accepted) {
    return running && inbox.offer(new Proposal(id, data, deadlineNanos, accepted));
  }

  /** Epoch millis when this member last became leader, 0 if it never did since it started. */
  long leaderElectedMillis() {
    return leaderElectedMillis;
  }

  @Override
  public long term() {
    return term;
  }

  @Override
  public long leaderId() {
    return leader;
  }

  @Override
  public long committedIndex() {
    return committedIndex;
  }

  @Override
  public void run() {
    List<Object> batch = new ArrayList<>();
    long nextTick = System.nanoTime() + tickNanos;
    try {
      while (running) {
        long waitNanos = nextTick - System.nanoTime();
        Object first = waitNanos > 0 ? inbox.poll(waitNanos, TimeUnit.NANOSECONDS) : inbox.poll();
        if (first != null) {
          batch.add(first);
          inbox.drainTo(batch, INBOX_DRAIN_MAX - 1);
          for (Object o : batch) {
            handle(o);
          }
          batch.clear();
        }
        sendReads();
        long now = System.nanoTime();
        retryProposals(now);
        heldForwards.retry(node, now);
        retryConfChanges();
        if (now - nextTick >= 0) {
          expireReads(now);
          node.tick();
          // After a stall, tick once and move on rather than firing a burst of ticks.
          nextTick = now - nextTick > tickNanos ? now + tickNanos : nextTick + tickNanos;
        }
        while (node.hasReady()) {
          handleReady(node.ready());
        }
        if (!receivedSnapshots.isEmpty()) {
          // Raft refused these (stale, or already covered by the log): nothing will read them.
          receivedSnapshots.values().forEach(f -> deleteQuietly(f.file()));
          receivedSnapshots.clear();
        }
        maybeSnapshot();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      Fatal.loopEnded(LOG, "raft loop failed", e, running);
    }
  }

  private void handle(Object o) {
    if (o instanceof Proposal p) {
      if (System.nanoTime() - p.deadlineNanos() >= 0) {
        // the client gave up while it queued: as etcd, it never enters the log
        wait.cancel(p.id(), EtcdError.CONTEXT_DEADLINE_EXCEEDED.exception());
      } else if (!proposalsWithoutLeader.isEmpty() || !tryPropose(p)) {
        proposalsWithoutLeader.add(p); // keep the order of proposals while there is no leader
      }
    } else if (o instanceof ConfChangeProposal c) {
      if (!wait.pending(c.cc().getId())) {
        return; // its caller gave up before raft saw it: etcd never proposes such a change
      }
      if (!confChangesWithoutLeader.isEmpty() || !tryProposeConfChange(c)) {
        holdConfChange(c);
      }
    } else if (o instanceof LoopTask<?> t) {
      runTask(t);
    } else if (o instanceof Message m) {
      if (m.getType() == io.etcdj.api.internal.MessageType.MSG_SNAP) {
        // Snapshots arrive whole through receiveSnapshot; one on the message stream has no data.
        LOG.warn("dropped a MsgSnap from {} that came without its data", Long.toHexString(m.getFrom()));
        return;
      }
      if (m.getType() == io.etcdj.api.internal.MessageType.MSG_PROP) {
        heldForwards.step(node, m, System.nanoTime());
        return;
      }
      node.step(m);
    } else if (o instanceof ReadRequest r) {
      readsToSend.add(r);
    } else if (o instanceof Unreachable u) {
      node.reportUnreachable(u.id());
    } else if (o instanceof SnapshotStatus st) {
      node.reportSnapshot(st.id(), st.ok());
    } else if (o instanceof ReceivedSnapshot r) {
      ReceivedFile older =
          receivedSnapshots.put(
              r.msgSnap().getSnapshot().getMetadata().getIndex(),
              new ReceivedFile(r.file(), r.members()));
      if (older != null) {
        deleteQuietly(older.file());
      }
      node.step(r.msgSnap());
    } else {
      throw new IllegalStateException("unknown raft loop input " + o);
    }
  }

  private boolean tryPropose(Proposal p) {
    try {
      node.propose(p.data());
      p.accepted().run();
      return true;
    } catch (ProposalDroppedException e) {
      return false;
    }
  }

  /**
   * Retries proposals held while there was no leader. As etcd (whose raft node blocks such a
   * proposal until its context ends), one that finds no leader by its deadline never enters the
   * log and fails with the raw "context deadline exceeded" (gRPC Unknown), checked live.
   */
  private void retryProposals(long now) {
    while (!proposalsWithoutLeader.isEmpty()) {
      Proposal p = proposalsWithoutLeader.peek();
      if (now - p.deadlineNanos() >= 0) {
        proposalsWithoutLeader.poll();
        wait.cancel(p.id(), EtcdError.CONTEXT_DEADLINE_EXCEEDED.exception());
      } else if (tryPropose(p)) {
        proposalsWithoutLeader.poll();
      } else {
        return;
      }
    }
  }

  private boolean tryProposeConfChange(ConfChangeProposal c) {
    try {
      node.proposeConfChange(c.cc());
      return true;
    } catch (ProposalDroppedException e) {
      return false;
    }
  }

  private void holdConfChange(ConfChangeProposal c) {
    if (confChangesWithoutLeader.size() >= CONF_CHANGES_HELD_MAX) {
      wait.cancel(c.cc().getId(), EtcdError.TOO_MANY_REQUESTS.exception());
    } else {
      confChangesWithoutLeader.add(c);
      heldConfChangeIds.add(c.cc().getId());
    }
  }

  /**
   * Retries the membership changes raft refused (no leader, or a leader transfer). As etcd's
   * ProposeConfChange, which blocks until a leader takes it, they have no deadline of their own:
   * one is dropped once nobody waits for it (its caller gave up).
   */
  private void retryConfChanges() {
    while (!confChangesWithoutLeader.isEmpty()) {
      ConfChangeProposal c = confChangesWithoutLeader.peek();
      if (wait.pending(c.cc().getId()) && !tryProposeConfChange(c)) {
        return;
      }
      confChangesWithoutLeader.poll();
      heldConfChangeIds.remove(c.cc().getId());
    }
  }

  private <T> void runTask(LoopTask<T> t) {
    try {
      t.result().complete(t.work().apply(node));
    } catch (RuntimeException e) {
      t.result().completeExceptionally(e);
    }
  }

  /** One read index request for every read queued since the last one (they share the answer). */
  private void sendReads() {
    if (readsToSend.isEmpty()) {
      return;
    }
    // Unique across members: raft keys pending reads by context, and followers' reads are
    // forwarded to the leader, where they meet the leader's own.
    ByteString ctx =
        ByteString.copyFrom(
            java.nio.ByteBuffer.allocate(16).putLong(memberId).putLong(++readSeq).array());
    try {
      node.readIndex(ctx.toByteArray());
    } catch (ProposalDroppedException e) {
      return; // no leader yet: keep them queued, retry on the next round until their deadline
    }
    readsInFlight.put(ctx, new ArrayList<>(readsToSend));
    readsToSend.clear();
  }

  private void expireReads(long now) {
    readsToSend.removeIf(r -> expire(r, now));
    readsInFlight.values().removeIf(list -> {
      list.removeIf(r -> expire(r, now));
      return list.isEmpty();
    });
  }

  private static boolean expire(ReadRequest r, long now) {
    if (now - r.deadlineNanos() < 0) {
      return false;
    }
    r.index().completeExceptionally(EtcdError.TIMEOUT.exception());
    return true;
  }

  /** The lines etcd's raft library logs when this member's role or leader changes, in its words. */
  private void logRaftState(Ready rd, long lead) {
    long atTerm = rd.hardState() != null ? rd.hardState().getTerm() : term;
    String self = Long.toHexString(memberId);
    StateRole now = rd.softState().role();
    if (now != loggedRole) {
      String name =
          switch (now) {
            case FOLLOWER -> "follower";
            case PRE_CANDIDATE -> "pre-candidate";
            case CANDIDATE -> "candidate";
            case LEADER -> "leader";
          };
      RAFT_LOG.info("{} became {} at term {}", self, name, atTerm);
      loggedRole = now;
    }
    if (lead != leader && lead != 0) {
      RAFT_LOG.info("raft.node: {} elected leader {} at term {}", self, Long.toHexString(lead), atTerm);
    } else if (lead != leader) {
      RAFT_LOG.info("raft.node: {} lost leader {} at term {}", self, Long.toHexString(leader), atTerm);
    }
  }

  private void handleReady(Ready rd) {
    if (rd.softState() != null) {
      long lead = rd.softState().lead();
      logRaftState(rd, lead);
      if (lead != leader) {
        LOG.info("leader is now {} (this member {} is {})", Long.toHexString(lead),
            Long.toHexString(memberId), rd.softState().role());
        if (lead != 0) {
          leaderChangeSeen.run(); // etcd_server_leader_changes_seen_total
          onNewLeader(lead);
        }
      }
      leader = lead;
      boolean wasLeading = leading;
      leading = rd.softState().role() == StateRole.LEADER;
      if (wasLeading && !leading) {
        onSteppedDown.run(); // after publishing the new leader: see LeaseFront.steppedDown
      }
    }
    if (rd.snapshot() != null) {
      saveSnapshot(rd.snapshot());
    }
    send(rd.messages()); // a leader may send appends while it persists them itself
    HardState hs = rd.hardState();
    if (hs != null || !rd.entries().isEmpty()) {
      FailPoints.hit(FailPoints.RAFT_BEFORE_SAVE);
      wal.append(hs, rd.entries());
      // As etcd's MustSync: new entries or a new term/vote must be durable before anything that
      // depends on them; a hard state that only moves the commit index rides on the next fsync.
      if ((!rd.entries().isEmpty() || (hs != null && (hs.getTerm() != lastHardState.getTerm()
          || hs.getVote() != lastHardState.getVote())))
          && !FailPoints.on(FailPoints.BUG_ACK_BEFORE_FSYNC)) {
        wal.sync();
      }
      FailPoints.hit(FailPoints.RAFT_AFTER_SAVE);
      storage.append(rd.entries());
      if (hs != null) {
        storage.setHardState(hs);
        lastHardState = hs;
        term = hs.getTerm();
      }
    }
    send(rd.messagesAfterPersist()); // votes and append acks only once durable
    for (io.etcdj.raft.ReadState rs : rd.readStates()) {
      List<ReadRequest> reads = readsInFlight.remove(rs.requestCtx());
      if (reads != null) {
        for (ReadRequest r : reads) {
          r.index().complete(rs.index());
        }
      }
    }
    if (!rd.committedEntries().isEmpty()) {
      for (LogEntry e : rd.committedEntries()) {
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE && e.getIndex() > confChangesAppliedTo) {
          applyConfChangeToRaft(ApplyLoop.confChange(e));
          confChangesAppliedTo = e.getIndex();
        }
      }
      try {
        applyLoop.submit(rd.committedEntries());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while handing committed entries over", e);
      }
      committedIndex = rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex();
    }
    node.advance();
  }

  /**
   * Raft accepted a leader's snapshot (etcd's order): keep its file under its index, record it in
   * the WAL (synced), install it in raft's storage, bring the transport's peers in line with the
   * snapshot's members, and queue the store's replacement behind everything applied so far.
   */
  private void saveSnapshot(Snapshot snap) {
    SnapshotMetadata md = snap.getMetadata();
    ReceivedFile received = receivedSnapshots.remove(md.getIndex());
    if (received == null) {
      throw new IllegalStateException("raft installs a snapshot at index " + md.getIndex()
          + " that this member did not receive");
    }
    FailPoints.hit(FailPoints.RAFT_BEFORE_SAVE_SNAP);
    List<Member> members = received.members();
    Path kept;
    try {
      kept = SnapshotData.keep(snapDir, received.file(), md.getIndex());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot keep the snapshot at index " + md.getIndex(), e);
    }
    wal.saveSnapshot(md);
    FailPoints.hit(FailPoints.RAFT_AFTER_SAVE_SNAP);
    storage.applySnapshot(snap);
    snapshotIndex = md.getIndex();
    confChangesAppliedTo = md.getIndex();
    singleVoter = isSingleVoter(md.getConfState(), memberId);
    syncPeers(members);
    committedIndex = md.getIndex();
    try {
      applyLoop.submitSnapshot(md, kept);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while handing a snapshot over", e);
    }
    LOG.info("accepted snapshot at index {} (term {}) from the leader", md.getIndex(), md.getTerm());
  }

  /** Adds, updates and removes transport peers so they are exactly {@code members} (but this one). */
  private void syncPeers(List<Member> members) {
    if (transport == null) {
      return;
    }
    Map<Long, List<java.net.URI>> known = transport.peers();
    for (Member m : members) {
      if (m.getID() == memberId) {
        continue;
      }
      List<java.net.URI> urls = urls(m);
      List<java.net.URI> old = known.remove(m.getID());
      if (old == null) {
        transport.addPeer(m.getID(), urls);
      } else if (!old.equals(urls)) {
        transport.updatePeer(m.getID(), urls);
      }
    }
    known.keySet().forEach(transport::removePeer);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", file, e.toString());
    }
  }

  /**
   * As etcd's updateLeadership and linearizableReadLoop: reads waiting for a read index when a new
   * leader appears fail with "leader changed" (the client retries them), and this member notes
   * when it was itself elected, to explain proposals that time out around an election.
   */
  /** What to run on the raft loop when this member stops leading (the lessor's demotion). */
  void onSteppedDown(Runnable action) {
    this.onSteppedDown = action;
  }

  private void onNewLeader(long lead) {
    if (lead == memberId) {
      leaderElectedMillis = System.currentTimeMillis();
    }
    for (ReadRequest r : readsToSend) {
      r.index().completeExceptionally(EtcdError.LEADER_CHANGED.exception());
    }
    readsToSend.clear();
    for (List<ReadRequest> reads : readsInFlight.values()) {
      for (ReadRequest r : reads) {
        r.index().completeExceptionally(EtcdError.LEADER_CHANGED.exception());
      }
    }
    readsInFlight.clear();
  }

  private void applyConfChangeToRaft(ConfChange cc) {
    ConfState cs = node.applyConfChange(cc);
    singleVoter = isSingleVoter(cs, memberId);
    if (transport == null || cc.getNodeId() == memberId) {
      return;
    }
    switch (cc.getType()) {
      case CONF_CHANGE_ADD_NODE, CONF_CHANGE_ADD_LEARNER_NODE ->
          transport.addPeer(cc.getNodeId(), urls(ApplyLoop.memberOf(cc)));
      case CONF_CHANGE_UPDATE_NODE ->
          transport.updatePeer(cc.getNodeId(), urls(ApplyLoop.memberOf(cc)));
      case CONF_CHANGE_REMOVE_NODE -> transport.removePeer(cc.getNodeId());
      default -> { }
    }
  }

  static List<java.net.URI> urls(Member m) {
    List<java.net.URI> out = new ArrayList<>();
    for (String u : m.getPeerURLsList()) {
      out.add(java.net.URI.create(u));
    }
    return out;
  }

  private void send(List<Message> messages) {
    if (messages.isEmpty() || transport == null) {
      return;
    }
    List<Message> out = new ArrayList<>(messages.size());
    for (Message m : messages) {
      if (m.getType() == io.etcdj.api.internal.MessageType.MSG_SNAP) {
        // The apply thread makes the snapshot (at its applied index, as etcd's merged snapshot)
        // and hands it to the transport, which reports the outcome back to raft.
        if (!applyLoop.requestSnapshot(m, snapshotOut)) {
          node.reportSnapshot(m.getTo(), false);
        }
        continue;
      }
      out.add(m);
    }
    transport.send(out);
  }

  /** Where the apply thread's snapshots go; failures come back through the inbox. */
  private final ApplyLoop.SnapshotOut snapshotOut =
      new ApplyLoop.SnapshotOut() {
        @Override
        public void send(Message msgSnap, io.etcdj.server.transport.SnapshotSource data, Runnable done) {
          transport.sendSnapshot(msgSnap, data).whenComplete((ok, err) -> done.run());
        }

        @Override
        public void refuse(long to) {
          handler().reportSnapshot(to, false);
        }
      };

  /**
   * Every {@code snapshotCount} applied entries: make the backend durable, record a snapshot of
   * the raft state at the applied index, and drop the WAL segments and in-memory entries it covers
   * (keeping a tail for followers to catch up from).
   */
  private void maybeSnapshot() {
    ApplyLoop.Applied applied = applyLoop.applied();
    if (applied.index() - snapshotIndex < snapshotCount) {
      return;
    }
    kv.sync(); // covers at least `applied`, which was read before the sync began
    ConfState cs = node.confState();
    Snapshot snap = storage.createSnapshot(applied.index(), cs, ByteString.EMPTY);
    wal.saveSnapshot(snap.getMetadata());
    wal.releaseTo(applied.index(), maxWals); // --max-wals: etcd's purge of unlocked WAL files
    long compactTo = applied.index() - snapshotCatchUpEntries;
    if (compactTo > storage.firstIndex()) {
      storage.compact(compactTo);
    }
    snapshotIndex = applied.index();
    LOG.info("snapshot at index {}: backend synced, WAL released", snapshotIndex);
  }
}
