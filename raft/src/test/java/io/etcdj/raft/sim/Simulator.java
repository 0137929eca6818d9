package io.etcdj.raft.sim;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import io.etcdj.raft.MemoryStorage;
import io.etcdj.raft.ProposalDroppedException;
import io.etcdj.raft.RaftConfig;
import io.etcdj.raft.RawNode;
import io.etcdj.raft.ReadState;
import io.etcdj.raft.Ready;
import io.etcdj.raft.StateRole;
import io.etcdj.raft.Status;
import io.etcdj.raft.sim.SafetyChecker.SimViolation;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A seeded discrete-event simulation of a Raft cluster built from {@link RawNode}s: a virtual
 * clock in microseconds, per-node tick timers with clock skew, a network that drops, delays,
 * reorders, duplicates and partitions messages, disks with write latency, crashes that lose
 * everything not yet persisted, and clients that propose, read, reconfigure, transfer leadership
 * and compact. Every random choice comes from one {@code java.util.Random(seed)}, so a run is
 * reproducible from its seed alone.
 *
 * <p>A run has two phases: chaos (faults and client traffic for {@code chaosMicros}), then heal
 * (every fault removed, crashed members restarted): within {@link #HEAL_BOUND_MICROS} a leader
 * must commit a final write and every member must converge on the same applied state.
 *
 * <p>Ready handling follows the contract: {@code messages} are sent at once, the snapshot,
 * entries and hard state are written to the node's {@link MemoryStorage} (its disk) after a disk
 * latency, and only then are {@code messagesAfterPersist} sent, entries applied and the Ready
 * advanced. A crash in between discards the Ready. A restarted node starts from its disk with the
 * applied index of its durable snapshot (the simulated state machine is durable only there) and
 * re-applies the rest.
 *
 * <p>Single-threaded; one instance per run.
 */
final class Simulator {
  /** Cluster shapes: initial voters and learners. */
  enum Shape {
    THREE(3, 0),
    FIVE(5, 0),
    THREE_AND_LEARNER(3, 1);

    final int voters;
    final int learners;

    Shape(int voters, int learners) {
      this.voters = voters;
      this.learners = learners;
    }
  }

  static final long TICK_MICROS = 10_000;
  static final long HEAL_BOUND_MICROS = 4_000_000;
  private static final int VOTERS_MIN = 3;
  private static final int VOTERS_MAX = 5;
  private static final int LEARNERS_MAX = 2;
  private static final int NODES_MAX = 12;

  /** Counters summed over runs, to show the runs exercise what they claim to. */
  static final class Stats {
    long runs;
    long events;
    long elections;
    long applied;
    long crashes;
    long snapshotsSent;
    long snapshotsRestored;
    long readsServed;
    long confChangesApplied;
    long transfers;
    long compactions;
    long droppedMessages;
    long duplicatedMessages;
    long virtualMicros;

    synchronized void add(Stats o) {
      runs += o.runs;
      events += o.events;
      elections += o.elections;
      applied += o.applied;
      crashes += o.crashes;
      snapshotsSent += o.snapshotsSent;
      snapshotsRestored += o.snapshotsRestored;
      readsServed += o.readsServed;
      confChangesApplied += o.confChangesApplied;
      transfers += o.transfers;
      compactions += o.compactions;
      droppedMessages += o.droppedMessages;
      duplicatedMessages += o.duplicatedMessages;
      virtualMicros += o.virtualMicros;
    }

    @Override
    public synchronized String toString() {
      return String.format(
          "runs=%d events=%d virtual=%.1fs elections=%d applied=%d crashes=%d snapshotsSent=%d"
              + " snapshotsRestored=%d readsServed=%d confChanges=%d transfers=%d compactions=%d"
              + " dropped=%d duplicated=%d",
          runs, events, virtualMicros / 1e6, elections, applied, crashes, snapshotsSent,
          snapshotsRestored, readsServed, confChangesApplied, transfers, compactions,
          droppedMessages, duplicatedMessages);
    }
  }

  /** A failed run: the violation, the seed and the recent events. */
  static final class SimFailure extends AssertionError {
    private static final long serialVersionUID = 1L;
    final long seed;

    SimFailure(long seed, String message, Throwable cause) {
      super(message, cause);
      this.seed = seed;
    }
  }

  private enum Kind {
    TICK,
    DELIVER,
    PERSIST,
    CLIENT,
    NEMESIS,
    RESTART,
    REPORT_SNAP,
    REPORT_UNREACHABLE,
    SHUTDOWN,
    HEAL,
    CONVERGE
  }

  private static final class Event {
    final long time;
    final long seq;
    final Kind kind;
    final long node;
    final int incarnation;
    final Message msg;
    final long arg;

    Event(long time, long seq, Kind kind, long node, int incarnation, Message msg, long arg) {
      this.time = time;
      this.seq = seq;
      this.kind = kind;
      this.node = node;
      this.incarnation = incarnation;
      this.msg = msg;
      this.arg = arg;
    }
  }

  /** One member process: its disk survives crashes, everything else does not. */
  private final class SimNode {
    final long id;
    final MemoryStorage disk;
    final long tickMicros;
    RawNode raw;
    boolean up;
    boolean removed;
    int incarnation;
    Ready pending;
    // State machine (volatile; durable only through snapshots).
    long smApplied;
    long smHash;
    ConfState smConf;
    // Observation.
    long leaderTerm;
    long completenessTerm;
    long lastCommit;

    SimNode(long id, MemoryStorage disk, long tickMicros) {
      this.id = id;
      this.disk = disk;
      this.tickMicros = tickMicros;
    }
  }

  private record PendingRead(long node, long requiredIndex) {}

  private final long seed;
  private final Random rnd;
  private final Shape shape;
  private final long chaosMicros;
  private final int electionTicks;
  private final int heartbeatTicks;
  private final boolean preVote;
  private final boolean checkQuorum;
  private final long maxMsgBytes;
  private final int maxInflight;
  private final ConfState genesis;

  private final PriorityQueue<Event> queue =
      new PriorityQueue<>((a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final TreeMap<Long, SimNode> nodes = new TreeMap<>();
  private final SafetyChecker checker = new SafetyChecker();
  private final SimTrace trace = new SimTrace();
  final Stats stats = new Stats();
  private long now;
  private long seq;
  private long nextNodeId;
  private boolean healed;
  private long healStart;
  private boolean converged;

  // Network and disk faults.
  private final Set<Long> blocked = new HashSet<>();
  private double dropRate;
  private double dupRate;
  private int latencyMode;
  private int diskMode;

  // Clients.
  private long proposalSeq;
  private long readSeq;
  private final Map<ByteString, PendingRead> reads = new HashMap<>();
  private String marker;
  private long markerProposedAt = -1;
  /** Where the final write was first applied (so committed), or 0. */
  private long markerIndex;

  Simulator(long seed, long chaosMicros) {
    this.seed = seed;
    this.rnd = new Random(seed);
    this.chaosMicros = chaosMicros;
    this.shape = Shape.values()[rnd.nextInt(Shape.values().length)];
    this.electionTicks = 10;
    this.heartbeatTicks = 1 + rnd.nextInt(3);
    int mode = rnd.nextInt(8);
    this.preVote = mode != 0 && mode != 1;
    this.checkQuorum = mode != 0 && mode != 2;
    this.maxMsgBytes = rnd.nextBoolean() ? RaftConfig.MAX_SIZE_PER_MSG_BYTES_DEFAULT : 64 + rnd.nextInt(256);
    this.maxInflight = rnd.nextBoolean() ? 256 : 1 + rnd.nextInt(4);
    ConfState.Builder cs = ConfState.newBuilder();
    long id = 1;
    for (int i = 0; i < shape.voters; i++) {
      cs.addVoters(id++);
    }
    for (int i = 0; i < shape.learners; i++) {
      cs.addLearners(id++);
    }
    this.genesis = cs.build();
    this.nextNodeId = id;
  }

  String describeConfig() {
    return String.format(
        "shape=%s heartbeatTicks=%d electionTicks=%d preVote=%s checkQuorum=%s maxMsgBytes=%d maxInflight=%d chaos=%dms",
        shape, heartbeatTicks, electionTicks, preVote, checkQuorum, maxMsgBytes, maxInflight, chaosMicros / 1000);
  }

  // ====================================================================== driver

  /** Runs to convergence; throws {@link SimFailure} with the seed and trace on any violation. */
  Stats run() {
    try {
      for (long id = 1; id < nextNodeId; id++) {
        createNode(id);
      }
      schedule(rnd.nextInt(50_000), Kind.NEMESIS, 0, 0, null, 0);
      schedule(rnd.nextInt(20_000), Kind.CLIENT, 0, 0, null, 0);
      schedule(chaosMicros, Kind.HEAL, 0, 0, null, 0);
      while (!converged) {
        Event ev = queue.poll();
        if (ev == null) {
          throw new SimViolation("event queue ran dry");
        }
        now = ev.time;
        stats.events++;
        handle(ev);
      }
      stats.runs = 1;
      stats.virtualMicros = now;
      return stats;
    } catch (SimViolation | IllegalStateException | IllegalArgumentException | IndexOutOfBoundsException e) {
      throw new SimFailure(seed, failureMessage(e), e);
    }
  }

  private String failureMessage(Throwable e) {
    return "raft simulation failed: seed="
        + seed
        + " at t="
        + now / 1000.0
        + "ms ("
        + describeConfig()
        + ")\n  "
        + e
        + "\nrerun: ./mvnw -B -q -pl raft test -Dtest=RaftSimulationTest#seeds -Detcdj.sim.seed="
        + seed
        + (chaosMicros != RaftSimulationTest.CHAOS_MICROS_DEFAULT ? " -Detcdj.sim.chaosMs=" + chaosMicros / 1000 : "")
        + "\nnodes:"
        + describeNodes()
        + "\nlast events:"
        + trace.format();
  }

  private String describeNodes() {
    StringBuilder sb = new StringBuilder();
    for (SimNode n : nodes.values()) {
      sb.append(String.format("%n  n%d %s", n.id, n.up ? "up" : (n.removed ? "removed" : "down")));
      if (n.up) {
        Status s = n.raw.status();
        sb.append(String.format(
            " %s term=%d lead=%d commit=%d applied=%d", s.role(), s.term(), s.lead(), s.commit(), s.applied()));
      }
      sb.append(String.format(
          " disk=[%d..%d] snap=%d hs={%s} sm=%d conf={%s}%s",
          n.disk.firstIndex(), n.disk.lastIndex(), n.disk.snapshot().getMetadata().getIndex(),
          SimTrace.describe(n.disk.hardState()), n.smApplied, SimTrace.describe(n.smConf),
          n.pending != null ? " pendingReady" : ""));
    }
    return sb.toString();
  }

  private void schedule(long at, Kind kind, long node, int incarnation, Message msg, long arg) {
    queue.add(new Event(at, seq++, kind, node, incarnation, msg, arg));
  }

  private void handle(Event ev) {
    switch (ev.kind) {
      case TICK -> {
        SimNode n = live(ev.node, ev.incarnation);
        if (n != null) {
          n.raw.tick();
          afterEvent(n);
          long jitter = n.tickMicros / 50;
          schedule(now + n.tickMicros - jitter + rnd.nextInt((int) (2 * jitter + 1)), Kind.TICK, n.id, n.incarnation, null, 0);
        }
      }
      case DELIVER -> deliver(ev.msg);
      case PERSIST -> {
        SimNode n = live(ev.node, ev.incarnation);
        if (n != null && n.pending != null) {
          completeReady(n);
          afterEvent(n);
        }
      }
      case CLIENT -> {
        if (!healed) {
          client();
          schedule(now + 2_000 + rnd.nextInt(25_000), Kind.CLIENT, 0, 0, null, 0);
        }
      }
      case NEMESIS -> {
        if (!healed) {
          nemesis();
          schedule(now + 20_000 + rnd.nextInt(250_000), Kind.NEMESIS, 0, 0, null, 0);
        }
      }
      case RESTART -> {
        SimNode n = nodes.get(ev.node);
        if (!n.up && !n.removed) {
          restart(n);
        }
      }
      case REPORT_SNAP -> {
        SimNode n = live(ev.node, ev.incarnation);
        if (n != null) {
          trace.add(now, "snapReport", n.id, "to " + ev.arg + (ev.msg == null ? " ok" : " failed"));
          n.raw.reportSnapshot(ev.arg, ev.msg == null);
          afterEvent(n);
        }
      }
      case REPORT_UNREACHABLE -> {
        SimNode n = live(ev.node, ev.incarnation);
        if (n != null) {
          n.raw.reportUnreachable(ev.arg);
          afterEvent(n);
        }
      }
      case SHUTDOWN -> {
        SimNode n = nodes.get(ev.node);
        if (n.up) {
          crash(n, "removed");
        }
        n.removed = true;
      }
      case HEAL -> heal();
      case CONVERGE -> {
        checkConvergence();
        if (!converged) {
          if (now - healStart > HEAL_BOUND_MICROS) {
            throw new SimViolation(
                "liveness: no convergence within " + HEAL_BOUND_MICROS / 1000 + "ms of virtual time after healing");
          }
          schedule(now + 10_000, Kind.CONVERGE, 0, 0, null, 0);
        }
      }
    }
  }

  private SimNode live(long id, int incarnation) {
    SimNode n = nodes.get(id);
    return n != null && n.up && n.incarnation == incarnation ? n : null;
  }

  // ====================================================================== nodes

  private SimNode createNode(long id) {
    // Every member starts from the same genesis configuration (as the bootstrap conf changes at
    // the head of etcd's log); a node added later learns newer configurations by replaying the
    // log from the leader or from a snapshot.
    long skewed = TICK_MICROS * (90 + rnd.nextInt(21)) / 100;
    SimNode n = new SimNode(id, MemoryStorage.bootstrap(genesis), skewed);
    nodes.put(id, n);
    start(n);
    return n;
  }

  private RaftConfig config(long id, long applied) {
    return RaftConfig.defaults(id, rnd.nextLong())
        .withTicks(electionTicks, heartbeatTicks)
        .withLimits(maxMsgBytes, maxInflight)
        .withPreVote(preVote)
        .withCheckQuorum(checkQuorum)
        .withAppliedIndex(applied);
  }

  private void start(SimNode n) {
    Snapshot snap = n.disk.snapshot();
    long snapIndex = snap.getMetadata().getIndex();
    n.raw = new RawNode(config(n.id, snapIndex), n.disk);
    n.up = true;
    n.incarnation++;
    n.pending = null;
    n.smApplied = snapIndex;
    n.smHash = snapIndex == 0 ? 0 : decodeSnapshotHash(snap);
    n.smConf = snap.getMetadata().getConfState();
    n.leaderTerm = 0;
    n.completenessTerm = 0;
    n.lastCommit = n.raw.status().commit();
    trace.add(now, "start", n.id, "applied=" + snapIndex + " hs={" + SimTrace.describe(n.disk.hardState()) + "}");
    schedule(now + rnd.nextInt((int) n.tickMicros), Kind.TICK, n.id, n.incarnation, null, 0);
    afterEvent(n);
  }

  private void crash(SimNode n, String why) {
    trace.add(now, "crash", n.id, why + (n.pending != null ? " (unpersisted Ready lost)" : ""));
    n.up = false;
    n.raw = null;
    n.pending = null;
    n.completenessTerm = 0;
    stats.crashes++;
  }

  private void restart(SimNode n) {
    start(n);
  }

  // ====================================================================== Ready handling

  private void afterEvent(SimNode n) {
    while (n.up && n.pending == null) {
      observe(n);
      if (!n.raw.hasReady()) {
        return;
      }
      Ready rd = n.raw.ready();
      n.pending = rd;
      for (Message m : rd.messages()) {
        send(m);
      }
      if (rd.mustSync()) {
        schedule(now + diskLatency(), Kind.PERSIST, n.id, n.incarnation, null, 0);
        return;
      }
      completeReady(n);
    }
    if (n.up) {
      observe(n);
    }
  }

  private void observe(SimNode n) {
    Status s = n.raw.status();
    checker.observeCommit(s.term(), s.commit());
    if (s.commit() < n.lastCommit) {
      throw new SimViolation("node " + n.id + " commit index went back from " + n.lastCommit + " to " + s.commit());
    }
    n.lastCommit = s.commit();
    if (s.role() == StateRole.LEADER) {
      checker.observeLeader(s.term(), n.id);
      if (n.leaderTerm != s.term()) {
        n.leaderTerm = s.term();
        n.completenessTerm = s.term();
        stats.elections++;
        trace.add(now, "leader", n.id, "term " + s.term());
      }
    } else if (n.completenessTerm != 0 && s.term() != n.completenessTerm) {
      n.completenessTerm = 0;
    }
  }

  private void completeReady(SimNode n) {
    Ready rd = n.pending;
    MemoryStorage disk = n.disk;
    // 1. Persist: snapshot, then entries, then hard state.
    if (rd.snapshot() != null) {
      disk.applySnapshot(rd.snapshot());
    }
    if (!rd.entries().isEmpty()) {
      disk.append(rd.entries());
      checker.onPersistEntries(n.id, disk, rd.entries());
    }
    if (rd.hardState() != null) {
      checker.onPersistHardState(n.id, disk.hardState(), rd.hardState(), disk);
      disk.setHardState(rd.hardState());
    }
    if (n.completenessTerm != 0 && disk.lastIndex() > 0 && disk.term(disk.lastIndex()) == n.completenessTerm) {
      checker.checkLeaderCompleteness(n.id, n.completenessTerm, disk);
      n.completenessTerm = 0;
    }
    // 2. Only now the acknowledgements that promise durability.
    for (Message m : rd.messagesAfterPersist()) {
      send(m);
    }
    // 3. Apply.
    if (rd.snapshot() != null) {
      Snapshot snap = rd.snapshot();
      long index = snap.getMetadata().getIndex();
      long hash = decodeSnapshotHash(snap);
      checker.onSnapshotRestore(n.id, index, hash);
      n.smApplied = index;
      n.smHash = hash;
      n.smConf = snap.getMetadata().getConfState();
      stats.snapshotsRestored++;
      trace.add(now, "restore", n.id, "snapshot " + index);
    }
    for (LogEntry e : rd.committedEntries()) {
      n.smHash = checker.onApply(n.id, n.smApplied, n.smHash, e);
      n.smApplied = e.getIndex();
      stats.applied++;
      if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
        applyConfChange(n, e);
      } else if (marker != null && markerIndex == 0 && e.getData().toStringUtf8().equals(marker)) {
        markerIndex = e.getIndex();
      }
    }
    // 4. Reads, now that the state machine is up to their index (checked on arrival).
    for (ReadState rs : rd.readStates()) {
      PendingRead pr = reads.get(rs.requestCtx());
      if (pr == null || pr.node() != n.id) {
        throw new SimViolation("node " + n.id + " got a read state for unknown request " + rs.requestCtx().toStringUtf8());
      }
      checker.onReadState(n.id, rs.requestCtx(), rs.index(), pr.requiredIndex());
      if (n.smApplied < rs.index()) {
        // Served later in a real server; nothing more to check here: the state machine at
        // rs.index() includes every entry up to it (state machine safety).
        trace.add(now, "readWait", n.id, rs.requestCtx().toStringUtf8() + " at " + rs.index());
      }
      stats.readsServed++;
    }
    n.pending = null;
    n.raw.advance();
  }

  private void applyConfChange(SimNode n, LogEntry e) {
    ConfChange cc;
    try {
      cc = ConfChange.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new SimViolation("corrupt conf change at " + e.getIndex());
    }
    n.smConf = n.raw.applyConfChange(cc);
    stats.confChangesApplied++;
    trace.add(now, "confChange", n.id, cc.getType() + " " + cc.getNodeId() + " at " + e.getIndex());
    if (cc.getType() == ConfChangeType.CONF_CHANGE_REMOVE_NODE) {
      SimNode gone = nodes.get(cc.getNodeId());
      if (gone != null && !gone.removed) {
        gone.removed = true;
        // A removed member shuts itself down (or is stopped by an operator).
        schedule(now + 1 + rnd.nextInt(50_000), Kind.SHUTDOWN, gone.id, 0, null, 0);
      }
    }
  }

  // ====================================================================== snapshots

  private static ByteString encodeSnapshotHash(long hash) {
    return ByteString.copyFrom(ByteBuffer.allocate(8).putLong(hash).array());
  }

  private static long decodeSnapshotHash(Snapshot s) {
    return ByteBuffer.wrap(s.getData().toByteArray()).getLong();
  }

  /**
   * Like etcd's {@code createMergedSnapshotMessage}: the leader's application ships its state
   * machine as of its applied index (with that index's membership) instead of the older stored
   * snapshot. Without it, a member added after the last stored snapshot and whose missing entries
   * were compacted could never catch up: the stored snapshot's configuration does not include it,
   * so it must refuse that snapshot.
   */
  private Message mergedSnapshot(Message m) {
    SimNode from = nodes.get(m.getFrom());
    long index = m.getSnapshot().getMetadata().getIndex();
    if (from == null || !from.up || from.smApplied <= index) {
      return m;
    }
    Snapshot merged =
        Snapshot.newBuilder()
            .setMetadata(
                SnapshotMetadata.newBuilder()
                    .setIndex(from.smApplied)
                    .setTerm(from.disk.term(from.smApplied))
                    .setConfState(from.smConf))
            .setData(encodeSnapshotHash(from.smHash))
            .build();
    return m.toBuilder().setSnapshot(merged).build();
  }

  /** The application snapshots its state machine and compacts the log behind it. */
  private void compact(SimNode n) {
    long snapIndex = n.disk.snapshot().getMetadata().getIndex();
    if (n.pending != null && n.pending.snapshot() != null) {
      return;
    }
    if (n.smApplied <= snapIndex || n.smApplied - snapIndex < 1 + rnd.nextInt(8)) {
      return;
    }
    n.disk.createSnapshot(n.smApplied, n.smConf, encodeSnapshotHash(n.smHash));
    // Keep a few entries behind the snapshot for slow followers, sometimes none.
    long keep = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(6);
    long compactTo = n.smApplied - keep;
    if (compactTo >= n.disk.firstIndex()) {
      n.disk.compact(compactTo);
    }
    stats.compactions++;
    trace.add(now, "compact", n.id, "snapshot " + n.smApplied + ", log from " + n.disk.firstIndex());
  }

  // ====================================================================== network

  private static long link(long from, long to) {
    return from * 1_000 + to;
  }

  private boolean isBlocked(long from, long to) {
    return !blocked.isEmpty() && blocked.contains(link(from, to));
  }

  private long latency() {
    return switch (latencyMode) {
      case 0 -> 200 + rnd.nextInt(2_000);
      case 1 -> 1_000 + rnd.nextInt(20_000);
      default -> rnd.nextInt(20) == 0 ? 20_000 + rnd.nextInt(80_000) : 300 + rnd.nextInt(2_000);
    };
  }

  private long diskLatency() {
    return diskMode == 0 ? 20 + rnd.nextInt(500) : 500 + rnd.nextInt(10_000);
  }

  private void send(Message m) {
    // A relayed proposal or read keeps its origin and may come back to it (it leads now).
    boolean relayed = m.getType() == MessageType.MSG_PROP || m.getType() == MessageType.MSG_READ_INDEX;
    if ((m.getTo() == m.getFrom() && !relayed) || m.getTo() == 0) {
      throw new SimViolation("bad message address " + SimTrace.describe(m));
    }
    if (m.getType() == MessageType.MSG_SNAP) {
      stats.snapshotsSent++;
      m = mergedSnapshot(m);
    }
    if (isBlocked(m.getFrom(), m.getTo()) || rnd.nextDouble() < dropRate) {
      dropped(m);
      return;
    }
    schedule(now + latency(), Kind.DELIVER, m.getTo(), 0, m, 0);
    if (dupRate > 0 && rnd.nextDouble() < dupRate) {
      stats.duplicatedMessages++;
      schedule(now + latency(), Kind.DELIVER, m.getTo(), 0, m, 0);
    }
  }

  /** A message lost in transit; the transport tells the sender in some cases, as etcd's does. */
  private void dropped(Message m) {
    stats.droppedMessages++;
    SimNode from = nodes.get(m.getFrom());
    if (from == null || !from.up) {
      return;
    }
    if (m.getType() == MessageType.MSG_SNAP) {
      schedule(now + 1, Kind.REPORT_SNAP, from.id, from.incarnation, m, m.getTo());
    } else if (rnd.nextInt(4) == 0) {
      schedule(now + 1, Kind.REPORT_UNREACHABLE, from.id, from.incarnation, null, m.getTo());
    }
  }

  private void deliver(Message m) {
    SimNode to = nodes.get(m.getTo());
    if (to == null || !to.up || isBlocked(m.getFrom(), m.getTo())) {
      dropped(m);
      return;
    }
    trace.add(now, "deliver", to.id, m);
    to.raw.step(m);
    afterEvent(to);
    if (m.getType() == MessageType.MSG_SNAP) {
      SimNode from = nodes.get(m.getFrom());
      if (from != null && from.up) {
        schedule(now + 1, Kind.REPORT_SNAP, from.id, from.incarnation, null, m.getTo());
      }
    }
  }

  // ====================================================================== faults

  private List<SimNode> upNodes() {
    List<SimNode> out = new ArrayList<>();
    for (SimNode n : nodes.values()) {
      if (n.up) {
        out.add(n);
      }
    }
    return out;
  }

  private SimNode leader() {
    SimNode best = null;
    long bestTerm = -1;
    for (SimNode n : nodes.values()) {
      if (n.up) {
        Status s = n.raw.status();
        if (s.role() == StateRole.LEADER && s.term() > bestTerm) {
          best = n;
          bestTerm = s.term();
        }
      }
    }
    return best;
  }

  private <T> T pick(List<T> xs) {
    return xs.get(rnd.nextInt(xs.size()));
  }

  private void nemesis() {
    List<SimNode> up = upNodes();
    int r = rnd.nextInt(100);
    if (r < 18) {
      // Random split into two sides.
      blocked.clear();
      List<Long> ids = new ArrayList<>(nodes.keySet());
      Set<Long> side = new HashSet<>();
      for (long id : ids) {
        if (rnd.nextBoolean()) {
          side.add(id);
        }
      }
      for (long a : ids) {
        for (long b : ids) {
          if (a != b && side.contains(a) != side.contains(b)) {
            blocked.add(link(a, b));
          }
        }
      }
      trace.add(now, "partition", 0, side + " | rest");
    } else if (r < 28) {
      List<Long> ids = new ArrayList<>(nodes.keySet());
      int cuts = 1 + rnd.nextInt(3);
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cuts; i++) {
        long a = pick(ids);
        long b = pick(ids);
        if (a != b) {
          blocked.add(link(a, b));
          sb.append(a).append("-/->").append(b).append(' ');
        }
      }
      trace.add(now, "oneWayCut", 0, sb.toString());
    } else if (r < 36) {
      SimNode l = leader();
      if (l != null) {
        for (long other : nodes.keySet()) {
          if (other != l.id) {
            blocked.add(link(l.id, other));
            blocked.add(link(other, l.id));
          }
        }
        trace.add(now, "isolate", l.id, "leader");
      }
    } else if (r < 52) {
      blocked.clear();
      trace.add(now, "healNet", 0, null);
    } else if (r < 68) {
      if (!up.isEmpty()) {
        SimNode victim = rnd.nextBoolean() ? leader() : pick(up);
        if (victim == null) {
          victim = pick(up);
        }
        crash(victim, "nemesis");
        schedule(now + 5_000 + rnd.nextInt(400_000), Kind.RESTART, victim.id, 0, null, 0);
      }
    } else if (r < 70) {
      // Torn write: the crash hits in the middle of persisting a Ready (a prefix of its entries
      // made it to disk, the hard state did not). Nothing acknowledging it was sent yet.
      List<SimNode> writing = new ArrayList<>();
      for (SimNode n : up) {
        if (n.pending != null && n.pending.snapshot() == null && !n.pending.entries().isEmpty()) {
          writing.add(n);
        }
      }
      if (!writing.isEmpty()) {
        SimNode victim = pick(writing);
        List<LogEntry> ents = victim.pending.entries();
        List<LogEntry> prefix = ents.subList(0, rnd.nextInt(ents.size() + 1));
        victim.disk.append(prefix);
        checker.onPersistEntries(victim.id, victim.disk, prefix);
        crash(victim, "torn write, " + prefix.size() + " of " + ents.size() + " entries persisted");
        schedule(now + 5_000 + rnd.nextInt(300_000), Kind.RESTART, victim.id, 0, null, 0);
      }
    } else if (r < 72) {
      // Crash several at once, possibly a majority.
      int k = 1 + rnd.nextInt(Math.max(1, up.size()));
      for (int i = 0; i < k && !up.isEmpty(); i++) {
        SimNode victim = up.remove(rnd.nextInt(up.size()));
        crash(victim, "nemesis-multi");
        schedule(now + 5_000 + rnd.nextInt(300_000), Kind.RESTART, victim.id, 0, null, 0);
      }
    } else if (r < 84) {
      double[] drops = {0, 0, 0.02, 0.1, 0.3};
      double[] dups = {0, 0, 0.02, 0.1, 0.3};
      dropRate = drops[rnd.nextInt(drops.length)];
      dupRate = dups[rnd.nextInt(dups.length)];
      trace.add(now, "lossy", 0, "drop=" + dropRate + " dup=" + dupRate);
    } else {
      latencyMode = rnd.nextInt(3);
      diskMode = rnd.nextInt(2);
      trace.add(now, "slow", 0, "latencyMode=" + latencyMode + " diskMode=" + diskMode);
    }
  }

  private void heal() {
    healed = true;
    healStart = now;
    blocked.clear();
    dropRate = 0;
    dupRate = 0;
    latencyMode = 0;
    diskMode = 0;
    trace.add(now, "HEAL", 0, null);
    for (SimNode n : nodes.values()) {
      if (!n.up && !n.removed) {
        restart(n);
      }
    }
    marker = "final-" + seed;
    schedule(now + 10_000, Kind.CONVERGE, 0, 0, null, 0);
  }

  // ====================================================================== clients

  private SimNode clientTarget() {
    SimNode l = rnd.nextBoolean() ? leader() : null;
    if (l != null) {
      return l;
    }
    List<SimNode> up = upNodes();
    return up.isEmpty() ? null : pick(up);
  }

  private void client() {
    SimNode n = clientTarget();
    if (n == null) {
      return;
    }
    int r = rnd.nextInt(100);
    try {
      if (r < 55) {
        String cmd = "c" + proposalSeq++;
        trace.add(now, "propose", n.id, cmd);
        n.raw.propose(cmd.getBytes(StandardCharsets.UTF_8));
      } else if (r < 70) {
        ByteString ctx = ByteString.copyFromUtf8("r" + readSeq++);
        reads.put(ctx, new PendingRead(n.id, checker.maxCommit()));
        trace.add(now, "readIndex", n.id, ctx.toStringUtf8() + " needs " + checker.maxCommit());
        n.raw.readIndex(ctx.toByteArray());
      } else if (r < 82) {
        compact(n);
      } else if (r < 87) {
        SimNode l = leader();
        if (l != null) {
          List<Long> voters = new ArrayList<>(l.raw.confState().getVotersList());
          long to = pick(voters);
          trace.add(now, "transfer", l.id, "to " + to);
          stats.transfers++;
          (rnd.nextBoolean() ? l : n).raw.transferLeader(to);
        }
      } else if (r < 93) {
        confChange();
      } else if (r < 95) {
        trace.add(now, "campaign", n.id, null);
        n.raw.campaign();
      }
    } catch (ProposalDroppedException e) {
      trace.add(now, "dropped", n.id, e.getMessage());
    }
    if (n.up) {
      afterEvent(n);
    }
  }

  private void confChange() {
    SimNode l = leader();
    if (l == null) {
      return;
    }
    ConfState cs = l.raw.confState();
    List<Long> voters = new ArrayList<>(cs.getVotersList());
    List<Long> learners = new ArrayList<>(cs.getLearnersList());
    ConfChange.Builder cc = ConfChange.newBuilder();
    boolean newNode = false;
    int r = rnd.nextInt(6);
    if (r == 0 && voters.size() < VOTERS_MAX && nodes.size() < NODES_MAX) {
      cc.setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(nextNodeId);
      newNode = true;
    } else if (r == 1 && learners.size() < LEARNERS_MAX && nodes.size() < NODES_MAX) {
      cc.setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE).setNodeId(nextNodeId);
      newNode = true;
    } else if (r == 2 && !learners.isEmpty() && voters.size() < VOTERS_MAX) {
      cc.setType(ConfChangeType.CONF_CHANGE_ADD_NODE).setNodeId(pick(learners));
    } else if (r == 3 && voters.size() > VOTERS_MIN) {
      cc.setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE).setNodeId(pick(voters));
    } else if (r == 4 && !learners.isEmpty()) {
      cc.setType(ConfChangeType.CONF_CHANGE_REMOVE_NODE).setNodeId(pick(learners));
    } else if (r == 5 && voters.size() > VOTERS_MIN && learners.size() < LEARNERS_MAX) {
      cc.setType(ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE).setNodeId(pick(voters));
    } else {
      return;
    }
    ConfChange change = cc.build();
    trace.add(now, "proposeCC", l.id, change.getType() + " " + change.getNodeId());
    l.raw.proposeConfChange(change);
    if (newNode) {
      // The new member's process starts right away, as after `etcdctl member add`.
      createNode(nextNodeId++);
    }
    afterEvent(l);
  }

  // ====================================================================== liveness

  private void checkConvergence() {
    SimNode l = leader();
    if (l == null) {
      return;
    }
    Status ls = l.raw.status();
    if (markerIndex == 0) {
      if (markerProposedAt < 0 || now - markerProposedAt > 100_000) {
        markerProposedAt = now;
        try {
          trace.add(now, "propose", l.id, marker);
          l.raw.propose(marker.getBytes(StandardCharsets.UTF_8));
        } catch (ProposalDroppedException e) {
          trace.add(now, "dropped", l.id, e.getMessage());
        }
        afterEvent(l);
      }
      return;
    }
    long commit = ls.commit();
    if (commit < markerIndex || l.pending != null || l.disk.lastIndex() != commit || l.smApplied != commit) {
      return;
    }
    ConfState cs = l.raw.confState();
    List<Long> members = new ArrayList<>(cs.getVotersList());
    members.addAll(cs.getLearnersList());
    for (long id : members) {
      SimNode m = nodes.get(id);
      if (m == null) {
        throw new SimViolation("member " + id + " of the leader's configuration was never started");
      }
      if (!m.up || m.pending != null || m.smApplied != commit || m.disk.lastIndex() != commit) {
        return;
      }
      Status s = m.raw.status();
      if (s.term() != ls.term() || s.lead() != l.id) {
        return;
      }
    }
    // Converged: nothing acknowledged may be missing.
    if (commit < checker.maxCommit()) {
      throw new SimViolation(
          "lost committed entries: index " + checker.maxCommit() + " was committed but the cluster converged at " + commit);
    }
    for (long id : members) {
      SimNode m = nodes.get(id);
      if (m.smHash != checker.historyHash(commit)) {
        throw new SimViolation("member " + id + " converged on a different state at " + commit);
      }
    }
    trace.add(now, "converged", l.id, "commit " + commit);
    converged = true;
  }
}
