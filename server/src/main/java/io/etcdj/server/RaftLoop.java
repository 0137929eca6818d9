package io.etcdj.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.ProposalDroppedException;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RawNode;
import io.etcdj.raft.Ready;
import io.etcdj.raft.wal.Wal;
import io.etcdj.raft.wal.WalContents;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.storage.mvcc.KV;
import java.util.ArrayList;
import java.util.List;
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
 * the backend, records a WAL snapshot and releases older WAL segments and log entries.
 *
 * <p>Threading: {@link #propose} from any thread (a bounded, non-blocking offer); everything
 * else on the loop thread, or on the starting thread before the loop thread starts.
 */
final class RaftLoop implements Consensus, Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftLoop.class);
  private static final int INBOX_DRAIN_MAX = 4_096;
  /** Entries kept in memory after a snapshot so slow followers can catch up from the log. */
  static final long SNAPSHOT_CATCH_UP_ENTRIES = 5_000;

  /** A client write waiting to enter the log. */
  private record Proposal(long id, byte[] data) {}

  private final RawNode node;
  private final MemoryStorage storage;
  private final Wal wal;
  private final KV kv;
  private final ApplyLoop applyLoop;
  private final Wait wait;
  private final long memberId;
  private final long tickNanos;
  private final long snapshotCount;
  private final ArrayBlockingQueue<Object> inbox;
  private final Thread thread;
  private volatile boolean running;
  private volatile long term;
  private volatile long leader;
  private volatile long committedIndex;
  private HardState lastHardState;
  /** Conf change entries up to this index have been given to {@code node.applyConfChange}. */
  private long confChangesAppliedTo;
  private long snapshotIndex;
  private final boolean bootstrapped;

  private RaftLoop(
      RawNode node,
      MemoryStorage storage,
      Wal wal,
      KV kv,
      ApplyLoop applyLoop,
      Wait wait,
      long memberId,
      long tickMs,
      long snapshotCount,
      int inboxMax,
      HardState hardState,
      long confChangesAppliedTo,
      long snapshotIndex,
      boolean bootstrapped) {
    this.node = node;
    this.storage = storage;
    this.wal = wal;
    this.kv = kv;
    this.applyLoop = applyLoop;
    this.wait = wait;
    this.memberId = memberId;
    this.tickNanos = TimeUnit.MILLISECONDS.toNanos(tickMs);
    this.snapshotCount = snapshotCount;
    this.inbox = new ArrayBlockingQueue<>(inboxMax);
    this.lastHardState = hardState;
    this.term = hardState.getTerm();
    this.committedIndex = hardState.getCommit();
    this.confChangesAppliedTo = confChangesAppliedTo;
    this.snapshotIndex = snapshotIndex;
    this.bootstrapped = bootstrapped;
    this.thread = new Thread(this, "etcdj-raft-loop");
  }

  /** What a member needs to rebuild its raft state. */
  record Params(
      long memberId,
      List<Long> initialMembers,
      byte[] bootstrapContext,
      int electionTicks,
      int heartbeatTicks,
      long tickMs,
      long snapshotCount,
      int inboxMax) {}

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
      // The WAL dropped entries the backend claims not to have: synced backend data was lost.
      throw new IllegalStateException(
          "backend consistent index " + kv.consistentIndex() + " is behind the WAL snapshot at "
              + snapIndex + "; the data dir is damaged");
    }
    List<LogEntry> entries = contents.entries();
    HardState hs = contents.hardState() == null ? HardState.getDefaultInstance() : contents.hardState();
    boolean fresh = snap == null && entries.isEmpty() && hs.getTerm() == 0;
    long confAppliedTo;
    if (fresh) {
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
        node.applyConfChange(confChange(e));
      }
    }
    RaftLoop loop =
        new RaftLoop(node, storage, wal, kv, applyLoop, wait, p.memberId(), p.tickMs(),
            p.snapshotCount(), p.inboxMax(), hs, confAppliedTo, snapIndex, fresh);
    LOG.info(
        "raft state recovered: term {}, commit {}, applied {}, last index {}, voters {}",
        hs.getTerm(), hs.getCommit(), applied, storage.lastIndex(), node.confState().getVotersList());
    return loop;
  }

  /** True when this start created a new cluster (the WAL was empty). */
  boolean bootstrapped() {
    return bootstrapped;
  }

  private static List<LogEntry> bootstrapEntries(Params p) {
    List<Long> ids = new ArrayList<>(p.initialMembers());
    ids.sort(Long::compareUnsigned);
    List<LogEntry> out = new ArrayList<>();
    for (long id : ids) {
      ConfChange cc =
          ConfChange.newBuilder()
              .setType(ConfChangeType.CONF_CHANGE_ADD_NODE)
              .setNodeId(id)
              .setContext(id == p.memberId() ? ByteString.copyFrom(p.bootstrapContext()) : ByteString.EMPTY)
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

  private static ConfChange confChange(LogEntry e) {
    try {
      return ConfChange.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("undecodable conf change at index " + e.getIndex(), ex);
    }
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
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public boolean propose(long id, byte[] data) {
    return running && inbox.offer(new Proposal(id, data));
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
        long now = System.nanoTime();
        if (now - nextTick >= 0) {
          node.tick();
          // After a stall, tick once and move on rather than firing a burst of ticks.
          nextTick = now - nextTick > tickNanos ? now + tickNanos : nextTick + tickNanos;
        }
        while (node.hasReady()) {
          handleReady(node.ready());
        }
        maybeSnapshot();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      Fatal.stop(LOG, "raft loop failed", e);
    }
  }

  private void handle(Object o) {
    if (o instanceof Proposal p) {
      try {
        node.propose(p.data());
      } catch (ProposalDroppedException e) {
        wait.cancel(p.id(), EtcdError.PROPOSAL_DROPPED.exception());
      }
    } else {
      throw new IllegalStateException("unknown raft loop input " + o);
    }
  }

  private void handleReady(Ready rd) {
    if (rd.softState() != null) {
      if (rd.softState().lead() != leader) {
        LOG.info("leader is now {} (this member {} is {})", Long.toHexString(rd.softState().lead()),
            Long.toHexString(memberId), rd.softState().role());
      }
      leader = rd.softState().lead();
    }
    if (rd.snapshot() != null) {
      throw new IllegalStateException("installing a snapshot from a leader is not supported yet");
    }
    HardState hs = rd.hardState();
    if (hs != null || !rd.entries().isEmpty()) {
      FailPoints.hit(FailPoints.RAFT_BEFORE_SAVE);
      wal.append(hs, rd.entries());
      // As etcd's MustSync: new entries or a new term/vote must be durable before anything that
      // depends on them; a hard state that only moves the commit index rides on the next fsync.
      if (!rd.entries().isEmpty() || (hs != null && (hs.getTerm() != lastHardState.getTerm()
          || hs.getVote() != lastHardState.getVote()))) {
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
    if (!rd.committedEntries().isEmpty()) {
      for (LogEntry e : rd.committedEntries()) {
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE && e.getIndex() > confChangesAppliedTo) {
          node.applyConfChange(confChange(e));
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
    wal.releaseTo(applied.index());
    long compactTo = applied.index() - SNAPSHOT_CATCH_UP_ENTRIES;
    if (compactTo > storage.firstIndex()) {
      storage.compact(compactTo);
    }
    snapshotIndex = applied.index();
    LOG.info("snapshot at index {}: backend synced, WAL released", snapshotIndex);
  }
}
