package io.etcdj.server.robustness;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Decides whether a recorded history is linearizable against {@link KvModel}: whether there is one
 * order of the calls, consistent with real time (a call that returned before another was made
 * comes first), in which each call gets exactly the answer the model gives. The search is Wing and
 * Gong's with Lowe's memoisation, as porcupine runs it:
 *
 * <ol>
 *   <li>every call becomes a call event and a return event in one time-ordered, doubly linked list
 *       (on equal times the call comes first, so the two calls count as concurrent);
 *   <li>walking from the head, a call event is tried as the next call in the order: if the model
 *       gives it its recorded answer and (the set of calls placed so far, the new state) was not
 *       explored before, it is placed (its two events are taken out of the list) and the walk
 *       restarts from the head;
 *   <li>reaching a return event means a call that has finished could not be placed before the
 *       rest, so the last placement is undone and the walk goes on after it; undoing with nothing
 *       placed means no order exists.
 * </ol>
 *
 * A read whose outcome is unknown had no effect and is dropped; a write whose outcome is unknown
 * ends at infinity, so it can be placed anywhere after its call, including after everything else
 * (it never happened). The search is exponential in the worst case; the time budget turns a
 * search that runs too long into {@link Verdict#TIMEOUT}, which a harness must count as a failure.
 */
public final class LinearizabilityChecker {

  public enum Verdict {
    LINEARIZABLE,
    ILLEGAL,
    TIMEOUT
  }

  /**
   * The verdict with, for a linearizable history, a witness order, and otherwise the longest
   * order found (calls placed) and the calls that could not be placed after it, for the report.
   */
  public record Result(Verdict verdict, List<Operation> order, String explanation) {
    public boolean ok() {
      return verdict == Verdict.LINEARIZABLE;
    }
  }

  private static final int HEAD = -1;
  private static final int NIL = -2;

  private final List<Operation> ops;
  private final int[] next;
  private final int[] prev;
  private int first = NIL;
  private final long deadlineNs;

  private LinearizabilityChecker(List<Operation> ops, Duration budget) {
    this.ops = ops;
    this.next = new int[2 * ops.size()];
    this.prev = new int[2 * ops.size()];
    this.deadlineNs = System.nanoTime() + budget.toNanos();
  }

  public static Result check(List<Operation> history, Duration budget) {
    List<Operation> ops = new ArrayList<>();
    for (Operation op : history) {
      if (op.outcomeKnown() || op.request().mayWrite()) {
        ops.add(op);
      }
    }
    LinearizabilityChecker c = new LinearizabilityChecker(ops, budget);
    c.link();
    return c.search();
  }

  // Event e: call of op e/2 when e is even, its return when odd.
  private static boolean isCall(int e) {
    return (e & 1) == 0;
  }

  private Operation op(int e) {
    return ops.get(e >> 1);
  }

  private void link() {
    List<Integer> events = new ArrayList<>();
    for (int i = 0; i < 2 * ops.size(); i++) {
      events.add(i);
    }
    events.sort(
        Comparator.<Integer>comparingLong(e -> isCall(e) ? op(e).call() : op(e).ret())
            .thenComparingInt(e -> isCall(e) ? 0 : 1)
            .thenComparingInt(e -> e));
    int before = HEAD;
    for (int e : events) {
      setNext(before, e);
      prev[e] = before;
      before = e;
    }
    setNext(before, NIL);
  }

  private int nextOf(int e) {
    return e == HEAD ? first : next[e];
  }

  private void setNext(int e, int to) {
    if (e == HEAD) {
      first = to;
    } else {
      next[e] = to;
    }
  }

  private void setPrev(int e, int to) {
    if (e != NIL) {
      prev[e] = to;
    }
  }

  /** Takes a call and its return out of the list; their own links are kept for {@link #unlift}. */
  private void lift(int call) {
    int ret = call + 1;
    setNext(prev[call], next[call]);
    setPrev(next[call], prev[call]);
    setNext(prev[ret], next[ret]);
    setPrev(next[ret], prev[ret]);
  }

  /** Puts them back, in the reverse order of {@link #lift}. */
  private void unlift(int call) {
    int ret = call + 1;
    setNext(prev[ret], ret);
    setPrev(next[ret], ret);
    setNext(prev[call], call);
    setPrev(next[call], call);
  }

  /**
   * The stack of placements as an immutable linked list, top first: remembering the deepest
   * placement found is then keeping a reference, where copying a stack of n calls at every
   * turn back made the search quadratic on long histories.
   */
  private record Placed(int call, KvModel.State before, Placed below, int depth) {
    static int depthOf(Placed p) {
      return p == null ? 0 : p.depth;
    }

    /** The placements, last placed first. */
    static List<Placed> list(Placed top) {
      List<Placed> out = new ArrayList<>();
      for (Placed p = top; p != null; p = p.below) {
        out.add(p);
      }
      return out;
    }
  }

  /**
   * A memo entry: the set of calls placed, as its 128-bit Zobrist key (the XOR of a random key
   * per placed call), and the state. Porcupine keeps the set itself, a bit set cloned at every
   * placement; that is O(n) time and memory per step, O(n²) in all, which an hour-long history
   * (400,000 calls: 20 GB of bit sets) cannot afford. The key is updated in O(1) as a call is
   * placed or undone. Two different sets share a key with probability 2⁻¹²⁸ per pair — at a
   * million entries, about 10⁻²⁷ — and a shared key could only prune a branch (a false ILLEGAL,
   * never a false LINEARIZABLE).
   */
  private record Seen(long keyHigh, long keyLow, KvModel.State state) {}

  private Result search() {
    KvModel.State state = KvModel.State.EMPTY;
    // Zobrist keys: fixed seed, so a verdict (and its time) repeats for the same history.
    SplittableRandom keys = new SplittableRandom(0x5eed_1ea1L);
    long[] high = new long[ops.size()];
    long[] low = new long[ops.size()];
    for (int i = 0; i < ops.size(); i++) {
      high[i] = keys.nextLong();
      low[i] = keys.nextLong();
    }
    long placedHigh = 0;
    long placedLow = 0;
    Placed stack = null;
    Set<Seen> seen = new HashSet<>();
    // The deepest placement, copied only when the search turns back from it (not at every step).
    Placed longest = null;
    KvModel.State longestState = state;
    boolean deeper = false;
    int e = first;
    long steps = 0;
    while (first != NIL) {
      if ((++steps & 0xfff) == 0 && System.nanoTime() > deadlineNs) {
        return new Result(Verdict.TIMEOUT, orderOf(stack), "no verdict within the time budget after " + steps + " steps, "
            + Placed.depthOf(stack) + " of " + ops.size() + " calls placed");
      }
      if (isCall(e)) {
        Operation op = op(e);
        KvModel.Outcome o = KvModel.apply(state, op.request());
        if (!op.outcomeKnown() || o.response().equals(op.response())) {
          long withHigh = placedHigh ^ high[e >> 1];
          long withLow = placedLow ^ low[e >> 1];
          if (seen.add(new Seen(withHigh, withLow, o.state()))) {
            stack = new Placed(e, state, stack, Placed.depthOf(stack) + 1);
            placedHigh = withHigh;
            placedLow = withLow;
            state = o.state();
            lift(e);
            deeper |= stack.depth() > Placed.depthOf(longest);
            e = first;
            continue;
          }
        }
        e = next[e];
      } else {
        if (deeper) {
          longest = stack;
          longestState = state;
          deeper = false;
        }
        if (stack == null) {
          List<Placed> deepest = Placed.list(longest);
          return new Result(Verdict.ILLEGAL, reversed(deepest), explain(deepest, longestState));
        }
        Placed p = stack;
        stack = p.below();
        state = p.before();
        placedHigh ^= high[p.call() >> 1];
        placedLow ^= low[p.call() >> 1];
        unlift(p.call());
        e = next[p.call()];
      }
    }
    return new Result(Verdict.LINEARIZABLE, orderOf(stack), "");
  }

  private List<Operation> orderOf(Placed stack) {
    return reversed(Placed.list(stack));
  }

  /** The stack lists the last placement first. */
  private List<Operation> reversed(List<Placed> stack) {
    List<Operation> out = new ArrayList<>();
    for (int i = stack.size() - 1; i >= 0; i--) {
      out.add(op(stack.get(i).call()));
    }
    return out;
  }

  /**
   * Why no order exists, told from the longest order found: its last calls, the state they lead
   * to, and what the model would have answered to each call that had to come next.
   */
  private String explain(List<Placed> longest, KvModel.State state) {
    Set<Integer> placedCalls = new HashSet<>();
    longest.forEach(p -> placedCalls.add(p.call()));
    StringBuilder b = new StringBuilder();
    b.append("not linearizable: at most ").append(longest.size()).append(" of ").append(ops.size())
        .append(" calls can be ordered");
    List<Operation> order = reversed(longest);
    int from = Math.max(0, order.size() - 5);
    if (!order.isEmpty()) {
      b.append("; the last of them:");
      for (int i = from; i < order.size(); i++) {
        b.append("\n  ").append(i + 1).append(". ").append(order.get(i));
      }
    }
    b.append("\nleading to ").append(state).append("; none of these fits next:");
    // Every unplaced call that starts before the earliest unplaced return is a candidate.
    long earliestReturn = Long.MAX_VALUE;
    for (int i = 0; i < ops.size(); i++) {
      if (!placedCalls.contains(2 * i) && ops.get(i).outcomeKnown()) {
        earliestReturn = Math.min(earliestReturn, ops.get(i).ret());
      }
    }
    for (int i = 0; i < ops.size(); i++) {
      Operation op = ops.get(i);
      if (!placedCalls.contains(2 * i) && op.call() <= earliestReturn) {
        b.append("\n  ").append(op).append("\n    the model answers ").append(KvModel.apply(state, op.request()).response());
      }
    }
    return b.toString();
  }
}
