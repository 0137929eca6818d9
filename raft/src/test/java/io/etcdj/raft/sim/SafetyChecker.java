package io.etcdj.raft.sim;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.raft.MemoryStorage;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The oracles of one simulated run (Raft paper §5.2, §5.4, Figure 3), fed by the {@link
 * Simulator} as events happen. Every method throws {@link SimViolation} on the first broken
 * property; the simulator adds the seed and the trace.
 *
 * <p>What is checked where:
 *
 * <ul>
 *   <li>election safety: {@link #observeLeader} (every node after every event; whole history);
 *   <li>log matching on persisted logs: {@link #onPersistEntries} keeps, per (index, term), the
 *       entry's content and the term of the entry before it; by induction on the index, equal
 *       (index, term) pairs then imply equal prefixes;
 *   <li>leader completeness: {@link #checkLeaderCompleteness} once a new leader's log is durable;
 *   <li>state machine safety: {@link #onApply} / {@link #onSnapshotRestore} compare a rolling hash
 *       of the applied prefix with the one global history;
 *   <li>vote and hard state sanity: {@link #onPersistHardState};
 *   <li>linearizable ReadIndex: {@link #onReadState} against the commit index known when the read
 *       was requested.
 * </ul>
 *
 * <p>Confined to the simulator's thread.
 */
final class SafetyChecker {
  /** A broken invariant. */
  static final class SimViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimViolation(String message) {
      super(message);
    }
  }

  private record EntryKey(long index, long term) {}

  /** Content of an entry seen durable at (index, term): its hash and the term before it. */
  private record EntryFacts(long contentHash, long prevTerm, long node) {}

  private final Map<Long, Long> leaderByTerm = new HashMap<>();
  private final Map<EntryKey, EntryFacts> persisted = new HashMap<>();

  /** history[i] = rolling hash of the applied prefix 1..i; historyTerm[i] = term of entry i. */
  private long[] history = new long[256];

  private long[] historyTerm = new long[256];
  private long historyLen;

  /** Highest commit index any node ever reported, and for each index an upper bound of the term
   * of the leader that committed it (the term of the first node seen with it committed). */
  private long maxCommit;

  private long[] commitTermBound = new long[256];

  static long mix(long h, long term, long content) {
    long x = h * 0x9E3779B97F4A7C15L + term * 0xC2B2AE3D27D4EB4FL + content;
    x ^= x >>> 33;
    x *= 0xFF51AFD7ED558CCDL;
    x ^= x >>> 33;
    x *= 0xC4CEB9FE1A85EC53L;
    x ^= x >>> 33;
    return x;
  }

  static long contentHash(LogEntry e) {
    long h = 0xCBF29CE484222325L ^ e.getTypeValue();
    ByteString d = e.getData();
    for (int i = 0; i < d.size(); i++) {
      h ^= d.byteAt(i) & 0xFF;
      h *= 0x100000001B3L;
    }
    return h;
  }

  long maxCommit() {
    return maxCommit;
  }

  long historyLen() {
    return historyLen;
  }

  long historyHash(long index) {
    return index == 0 ? 0 : history[(int) index];
  }

  // ---------------------------------------------------------------------- election safety

  void observeLeader(long term, long node) {
    Long prev = leaderByTerm.putIfAbsent(term, node);
    if (prev != null && prev != node) {
      throw new SimViolation("election safety: nodes " + prev + " and " + node + " both led term " + term);
    }
  }

  /** A node at {@code term} reports {@code commit}: everything up to it is committed for good. */
  void observeCommit(long term, long commit) {
    if (commit <= maxCommit) {
      return;
    }
    commitTermBound = grow(commitTermBound, commit);
    for (long i = maxCommit + 1; i <= commit; i++) {
      commitTermBound[(int) i] = term;
    }
    maxCommit = commit;
  }

  // ---------------------------------------------------------------------- persisted state

  /** Entries just made durable on {@code node}, whose storage now holds them. */
  void onPersistEntries(long node, MemoryStorage disk, java.util.List<LogEntry> entries) {
    long first = disk.firstIndex();
    for (LogEntry e : entries) {
      if (e.getIndex() < first) {
        continue;
      }
      long prevTerm = disk.term(e.getIndex() - 1);
      EntryFacts facts = new EntryFacts(contentHash(e), prevTerm, node);
      EntryFacts seen = persisted.putIfAbsent(new EntryKey(e.getIndex(), e.getTerm()), facts);
      if (seen != null && (seen.contentHash() != facts.contentHash() || seen.prevTerm() != prevTerm)) {
        throw new SimViolation(
            "log matching: entry (index "
                + e.getIndex()
                + ", term "
                + e.getTerm()
                + ") on node "
                + node
                + " (prev term "
                + prevTerm
                + ") differs from the one persisted on node "
                + seen.node()
                + " (prev term "
                + seen.prevTerm()
                + ")");
      }
    }
  }

  void onPersistHardState(long node, HardState prev, HardState next, MemoryStorage disk) {
    if (next.getTerm() < prev.getTerm()) {
      throw new SimViolation("node " + node + " persisted term " + next.getTerm() + " after " + prev.getTerm());
    }
    if (next.getTerm() == prev.getTerm() && prev.getVote() != 0 && next.getVote() != prev.getVote()) {
      throw new SimViolation(
          "node " + node + " voted twice in term " + next.getTerm() + ": " + prev.getVote() + " then " + next.getVote());
    }
    if (next.getCommit() < prev.getCommit()) {
      throw new SimViolation("node " + node + " persisted commit " + next.getCommit() + " after " + prev.getCommit());
    }
    if (next.getCommit() > disk.lastIndex()) {
      throw new SimViolation(
          "node " + node + " persisted commit " + next.getCommit() + " beyond its durable log (last " + disk.lastIndex() + ")");
    }
  }

  /**
   * {@code node} leads {@code term} and its durable log now holds its whole log as of its election
   * (it persisted its first entry of {@code term}). Every entry committed at a term below {@code
   * term} must be in it (§5.4, leader completeness).
   */
  void checkLeaderCompleteness(long node, long term, MemoryStorage disk) {
    long from = Math.max(1, disk.firstIndex());
    for (long i = from; i <= maxCommit; i++) {
      if (commitTermBound[(int) i] >= term) {
        continue;
      }
      if (i > disk.lastIndex()) {
        throw new SimViolation(
            "leader completeness: leader "
                + node
                + " of term "
                + term
                + " lacks committed index "
                + i
                + " (its log ends at "
                + disk.lastIndex()
                + ")");
      }
      if (i <= historyLen && disk.term(i) != historyTerm[(int) i]) {
        throw new SimViolation(
            "leader completeness: leader "
                + node
                + " of term "
                + term
                + " has term "
                + disk.term(i)
                + " at committed index "
                + i
                + ", the applied history has term "
                + historyTerm[(int) i]);
      }
    }
  }

  // ---------------------------------------------------------------------- state machine

  /** {@code node} applies {@code e} on top of a prefix with rolling hash {@code prevHash}. */
  long onApply(long node, long appliedBefore, long prevHash, LogEntry e) {
    long i = e.getIndex();
    if (i != appliedBefore + 1) {
      throw new SimViolation("node " + node + " applied index " + i + " right after " + appliedBefore);
    }
    if (i > maxCommit) {
      throw new SimViolation("node " + node + " applied index " + i + " above every known commit index " + maxCommit);
    }
    long h = mix(prevHash, e.getTerm(), contentHash(e));
    if (i <= historyLen) {
      if (history[(int) i] != h) {
        throw new SimViolation(
            "state machine safety: node "
                + node
                + " applied (index "
                + i
                + ", term "
                + e.getTerm()
                + ") but the history has term "
                + historyTerm[(int) i]
                + " there, or a different prefix");
      }
    } else if (i == historyLen + 1) {
      history = grow(history, i);
      historyTerm = grow(historyTerm, i);
      history[(int) i] = h;
      historyTerm[(int) i] = e.getTerm();
      historyLen = i;
    } else {
      throw new SimViolation("node " + node + " applied index " + i + " beyond the history " + historyLen);
    }
    return h;
  }

  /** {@code node} restores a snapshot at {@code index} carrying {@code hash}. */
  void onSnapshotRestore(long node, long index, long hash) {
    if (index > historyLen) {
      throw new SimViolation("node " + node + " restored snapshot " + index + " beyond the history " + historyLen);
    }
    if (historyHash(index) != hash) {
      throw new SimViolation("state machine safety: node " + node + " restored a snapshot at " + index + " that differs from the history");
    }
  }

  // ---------------------------------------------------------------------- reads

  /**
   * A ReadIndex answer: index {@code readIndex} for a read requested when the highest known commit
   * index was {@code requiredIndex}. Serving it at {@code readIndex} is linearizable only if it
   * covers every write committed before the request.
   */
  void onReadState(long node, ByteString ctx, long readIndex, long requiredIndex) {
    if (readIndex < requiredIndex) {
      throw new SimViolation(
          "linearizable read: node "
              + node
              + " got read index "
              + readIndex
              + " for request "
              + ctx.toStringUtf8()
              + " but index "
              + requiredIndex
              + " was committed before the request");
    }
  }

  private static long[] grow(long[] a, long index) {
    if (index < a.length) {
      return a;
    }
    return Arrays.copyOf(a, (int) Math.max(index + 1, a.length * 2L));
  }
}
