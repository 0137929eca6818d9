package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.fail;

import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfState;
import io.etcdj.api.internal.EntryType;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * An in-memory, synchronous network of {@link RawNode}s for tests (etcd's {@code newNetwork}).
 * Each node has its own {@link MemoryStorage}; Ready processing follows the contract (persist,
 * then send, then apply, then advance). Messages can be dropped per directed link, by type, or
 * by isolating a node. All randomness comes from {@code seed}, printed in failures.
 */
final class Network {
  /** A node and the application state around it. */
  static final class Node {
    final long id;
    final MemoryStorage storage;
    RaftConfig config;
    RawNode raw;
    /** Data of applied normal entries, in order. */
    final List<String> applied = new ArrayList<>();
    long appliedIndex;
    final List<ReadState> readStates = new ArrayList<>();
    ConfState confState;

    Node(long id, MemoryStorage storage, RaftConfig config) {
      this.id = id;
      this.storage = storage;
      this.config = config;
      this.raw = new RawNode(config, storage);
    }

    Status status() {
      return raw.status();
    }

    Raft raft() {
      return raw.raft();
    }
  }

  private record Link(long from, long to) {}

  final long seed;
  private final SplittableRandom random;
  final Map<Long, Node> nodes = new TreeMap<>();
  private final Map<Link, Double> dropRates = new HashMap<>();
  private final EnumSet<MessageType> ignored = EnumSet.noneOf(MessageType.class);
  private final ArrayDeque<Message> queue = new ArrayDeque<>();
  /** Every message delivered, for assertions. */
  final List<Message> delivered = new ArrayList<>();

  Network(long seed, int size, UnaryOperator<RaftConfig> tweak) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    ConfState.Builder cs = ConfState.newBuilder();
    for (long id = 1; id <= size; id++) {
      cs.addVoters(id);
    }
    for (long id = 1; id <= size; id++) {
      add(id, MemoryStorage.bootstrap(cs.build()), tweak);
    }
  }

  /** A network over given storages (ids are the map's keys). */
  Network(long seed, Map<Long, MemoryStorage> storages, UnaryOperator<RaftConfig> tweak) {
    this.seed = seed;
    this.random = new SplittableRandom(seed);
    storages.forEach((id, st) -> add(id, st, tweak));
  }

  static Network of(long seed, int size) {
    return new Network(seed, size, c -> c);
  }

  Node add(long id, MemoryStorage storage, UnaryOperator<RaftConfig> tweak) {
    RaftConfig cfg = tweak.apply(RaftConfig.defaults(id, seed * 31 + id));
    Node n = new Node(id, storage, cfg);
    nodes.put(id, n);
    return n;
  }

  Node node(long id) {
    return nodes.get(id);
  }

  // ---------------------------------------------------------------- faults

  void drop(long from, long to, double rate) {
    dropRates.put(new Link(from, to), rate);
  }

  void cut(long a, long b) {
    drop(a, b, 1.0);
    drop(b, a, 1.0);
  }

  void isolate(long id) {
    for (long other : nodes.keySet()) {
      if (other != id) {
        cut(id, other);
      }
    }
  }

  void ignore(MessageType t) {
    ignored.add(t);
  }

  void recover() {
    dropRates.clear();
    ignored.clear();
  }

  private boolean dropped(Message m) {
    if (ignored.contains(m.getType())) {
      return true;
    }
    Double rate = dropRates.get(new Link(m.getFrom(), m.getTo()));
    return rate != null && (rate >= 1.0 || random.nextDouble() < rate);
  }

  // ---------------------------------------------------------------- driving

  /** Processes all of a node's Readys per the contract and returns the messages it sends. */
  List<Message> processReady(Node n) {
    List<Message> out = new ArrayList<>();
    int rounds = 0;
    while (n.raw.hasReady()) {
      if (++rounds > 1000) {
        fail("node " + n.id + " never stops producing Readys (seed " + seed + ")");
      }
      Ready rd = n.raw.ready();
      out.addAll(rd.messages());
      if (rd.snapshot() != null) {
        n.storage.applySnapshot(rd.snapshot());
        n.appliedIndex = rd.snapshot().getMetadata().getIndex();
        n.applied.clear();
        n.applied.add("snapshot@" + n.appliedIndex);
        n.confState = rd.snapshot().getMetadata().getConfState();
      }
      n.storage.append(rd.entries());
      if (rd.hardState() != null) {
        n.storage.setHardState(rd.hardState());
      }
      out.addAll(rd.messagesAfterPersist());
      for (LogEntry e : rd.committedEntries()) {
        if (e.getType() == EntryType.ENTRY_CONF_CHANGE) {
          n.confState = n.raw.applyConfChange(Raft.decodeConfChange(e));
        } else if (!e.getData().isEmpty()) {
          n.applied.add(e.getData().toStringUtf8());
        }
        n.appliedIndex = e.getIndex();
      }
      n.readStates.addAll(rd.readStates());
      n.raw.advance();
    }
    return out;
  }

  /** Delivers messages until the network is quiet. */
  void send(List<Message> msgs) {
    enqueue(msgs);
    stabilize();
  }

  private void enqueue(List<Message> msgs) {
    for (Message m : msgs) {
      if (!dropped(m)) {
        queue.addLast(m);
      }
    }
  }

  void stabilize() {
    int steps = 0;
    while (true) {
      for (Node n : nodes.values()) {
        enqueue(processReady(n));
      }
      if (queue.isEmpty()) {
        return;
      }
      while (!queue.isEmpty()) {
        if (++steps > 200_000) {
          fail("network does not quiesce (seed " + seed + ")");
        }
        Message m = queue.removeFirst();
        Node target = nodes.get(m.getTo());
        if (target == null) {
          continue;
        }
        delivered.add(m);
        target.raw.step(m);
        enqueue(processReady(target));
      }
    }
  }

  void tick(long id, int ticks) {
    for (int i = 0; i < ticks; i++) {
      nodes.get(id).raw.tick();
      stabilize();
    }
  }

  void tickAll(int ticks) {
    for (int i = 0; i < ticks; i++) {
      for (Node n : nodes.values()) {
        n.raw.tick();
      }
      stabilize();
    }
  }

  void campaign(long id) {
    nodes.get(id).raw.campaign();
    stabilize();
  }

  void propose(long id, String data) {
    nodes.get(id).raw.propose(data.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    stabilize();
  }

  void proposeConfChange(long id, ConfChange cc) {
    nodes.get(id).raw.proposeConfChange(cc);
    stabilize();
  }

  /** Restarts {@code id} from its storage (crash: volatile state lost, persisted state kept). */
  Node restart(long id) {
    Node old = nodes.get(id);
    Node fresh = new Node(id, old.storage, old.config.withAppliedIndex(old.appliedIndex));
    fresh.applied.addAll(old.applied);
    fresh.appliedIndex = old.appliedIndex;
    nodes.put(id, fresh);
    return fresh;
  }

  /** The unique leader among the nodes, or 0. Fails if two nodes lead in the same term. */
  long leader() {
    Map<Long, Long> leaderByTerm = new HashMap<>();
    long lead = 0;
    long bestTerm = -1;
    for (Node n : nodes.values()) {
      Status s = n.status();
      if (s.role() == StateRole.LEADER) {
        Long prev = leaderByTerm.put(s.term(), n.id);
        if (prev != null) {
          fail("two leaders " + prev + " and " + n.id + " in term " + s.term() + " (seed " + seed + ")");
        }
        if (s.term() > bestTerm) {
          bestTerm = s.term();
          lead = n.id;
        }
      }
    }
    return lead;
  }

  String describe() {
    StringBuilder sb = new StringBuilder("seed=" + seed);
    for (Node n : nodes.values()) {
      Status s = n.status();
      sb.append(String.format(
          "%n  %d: %s term=%d lead=%d commit=%d applied=%d last=%d",
          n.id, s.role(), s.term(), s.lead(), s.commit(), s.applied(), n.raft().log.lastIndex()));
    }
    return sb.toString();
  }
}
