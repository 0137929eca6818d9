package io.etcdj.raft;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Pending ReadIndex requests on a leader, in arrival order (etcd's {@code readOnly}, safe mode
 * only). A request is identified by its context bytes (the data of the MsgReadIndex's single
 * entry); the heartbeats that confirm leadership for it carry that context, and a quorum of
 * acks for a context also confirms every request queued before it.
 */
final class ReadOnly {
  /** Upper bound on pending requests; beyond it new requests are dropped (retry later). */
  static final int PENDING_MAX = 65_536;

  record Pending(Message req, long index, Map<Long, Boolean> acks) {}

  private final Map<ByteString, Pending> pending = new HashMap<>();
  private final ArrayDeque<ByteString> queue = new ArrayDeque<>();

  /**
   * Queues a read of commit index {@code index}. A duplicate context is ignored: contexts must be
   * unique per request (etcd-io/raft #397).
   */
  boolean addRequest(long index, Message m) {
    ByteString ctx = m.getEntries(0).getData();
    if (pending.containsKey(ctx)) {
      return true;
    }
    if (pending.size() >= PENDING_MAX) {
      return false;
    }
    pending.put(ctx, new Pending(m, index, new HashMap<>()));
    queue.addLast(ctx);
    return true;
  }

  /** Records an ack for {@code ctx}; returns the acks so far, or null if unknown. */
  Map<Long, Boolean> recvAck(long id, ByteString ctx) {
    Pending p = pending.get(ctx);
    if (p == null) {
      return null;
    }
    p.acks().put(id, true);
    return p.acks();
  }

  /** Dequeues every request up to and including {@code ctx}, in order. */
  List<Pending> advance(ByteString ctx) {
    if (!pending.containsKey(ctx)) {
      return List.of();
    }
    List<Pending> out = new ArrayList<>();
    while (!queue.isEmpty()) {
      ByteString c = queue.removeFirst();
      Pending p = pending.remove(c);
      if (p == null) {
        throw new IllegalStateException("read-only queue and map disagree on " + c);
      }
      out.add(p);
      if (c.equals(ctx)) {
        break;
      }
    }
    return out;
  }

  /** Context of the newest pending request, or empty: heartbeats carry it. */
  ByteString lastPendingRequestCtx() {
    return queue.isEmpty() ? ByteString.EMPTY : queue.peekLast();
  }

  int size() {
    return queue.size();
  }
}
