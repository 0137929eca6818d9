package io.etcdj.server;

import io.etcdj.api.internal.Message;
import io.etcdj.raft.RawNode;
import java.util.ArrayDeque;

/**
 * Proposals that followers forwarded to this member at a moment it could not take them: it was
 * handing leadership over (a leader being stopped does that first), or it had just stepped down
 * and knew no leader yet. Raft drops such a proposal without a word, and the client behind it
 * waited out the request timeout: a rolling restart under 200 puts/s lost 1-2 puts per leader
 * stop that way (etcd has the same hole, a few milliseconds wide; etcdj's hand-over takes ~30 ms).
 * Held here instead, each is stepped again, in arrival order, as soon as the node takes
 * proposals: the new leader appends it, or this member, now a follower, forwards it there. Raft
 * appended none of them, so stepping one again cannot write it twice.
 *
 * <p>Bounded: at most {@link #MAX} held, each at most {@code holdNanos} (the request timeout,
 * after which its client has given up); beyond that, dropped as raft would have. Raft loop only.
 */
final class HeldForwards {
  static final int MAX = 4_096;

  private record Held(Message proposal, long untilNanos) {}

  private final ArrayDeque<Held> held = new ArrayDeque<>();
  private final long holdNanos;

  HeldForwards(long holdNanos) {
    this.holdNanos = holdNanos;
  }

  /** Steps a forwarded proposal, or holds it (behind any held earlier, to keep their order). */
  void step(RawNode node, Message proposal, long nowNanos) {
    if (held.isEmpty() && node.stepForwardedProposal(proposal)) {
      return;
    }
    if (held.size() >= MAX) {
      return; // dropped, as raft would have
    }
    held.add(new Held(proposal, nowNanos + holdNanos));
  }

  /** Steps the held proposals again while the node takes them; drops the expired ones. */
  void retry(RawNode node, long nowNanos) {
    while (!held.isEmpty()) {
      Held h = held.peek();
      if (nowNanos - h.untilNanos() >= 0) {
        held.poll(); // its client has given up
      } else if (node.stepForwardedProposal(h.proposal())) {
        held.poll();
      } else {
        return;
      }
    }
  }
}
