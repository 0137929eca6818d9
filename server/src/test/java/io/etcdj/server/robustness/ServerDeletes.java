package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * The writes no KV client made: a lease's revoke or expiry deletes all of its keys in one write
 * (lessor.Revoke: one txn of DeleteRanges), so with leases the committed log holds revisions no
 * call of the history explains, and the linearizability search, which only orders the history's
 * calls, would find a get that no longer sees a key impossible. This turns each such revision into
 * an acknowledged call by a "server" client, so the searched history is complete again.
 *
 * <p>A revision becomes a server call when no acknowledged client write owns it, all of its events
 * are deletes, every deleted key was attached (in the state before it) to one lease a client of the
 * run granted, and no client request in the history could delete those keys (the lease traffic
 * writes its own keys and deletes none, so the attribution cannot steal an unknown client delete).
 * The call is a txn without compares deleting those keys, in the log's order, and its answer is
 * what the log says: succeeded, one deleted key each, at that revision. Its interval must contain
 * the moment the write committed, and every bound used is one the server cannot fake:
 *
 * <ul>
 *   <li>call: the LeaseGrant's send time (nothing could delete a key of the lease before it
 *       existed), or the LeaseRevoke's send time when that revoke was answered with this revision;
 *       not the lease's expected expiry, which would make this check depend on the server's lease
 *       timing ({@link LeaseChecker} judges that);
 *   <li>return: the first time the harness saw this revision or a later one committed (watch
 *       events and headers, KV answers: {@link LeaseChecker#firstSeen}), or the revoke's return
 *       when it answered this revision, or the end of the run.
 * </ul>
 *
 * With a fixed answer revision the model admits the call at exactly one point of an order, so the
 * wide interval costs the search little; its return bound is what catches a stale read: a get
 * called after the expiry was seen must not find the key.
 *
 * <p>Give the server calls to the linearizability search and the revision checker, never to the
 * {@link LeaseChecker}: it tells client writes from expiries by the history, and would take these
 * for client deletes.
 */
public final class ServerDeletes {
  private ServerDeletes() {}

  /** Server calls get client ids from this one down, one per call (each is its own "client"). */
  public static final int FIRST_SERVER_CLIENT = -1;

  public static List<Operation> of(
      WriteLog log, List<Operation> history, List<LeaseHistory> leases, NavigableMap<Long, Long> firstSeen, long observedUntil) {
    Map<Long, LeaseHistory> byId = new HashMap<>();
    leases.forEach(l -> byId.put(l.id(), l));
    Set<Long> clientRevisions = new HashSet<>();
    Set<String> clientDeletable = new HashSet<>();
    for (Operation op : history) {
      if (op.response() != null && RevisionChecker.changedStore(op)) {
        clientRevisions.add(op.response().revision());
      }
      deletedKeys(op.request(), clientDeletable);
    }
    NavigableMap<Long, Long> seenBy = new TreeMap<>(); // revision -> earliest sighting at or after it
    long min = Long.MAX_VALUE;
    for (Map.Entry<Long, Long> e : firstSeen.descendingMap().entrySet()) {
      min = Math.min(min, e.getValue());
      seenBy.put(e.getKey(), min);
    }
    List<Operation> out = new ArrayList<>();
    KvModel.State state = KvModel.State.EMPTY;
    for (Map.Entry<Long, List<WriteLog.Event>> rev : log.byRevision().entrySet()) {
      long r = rev.getKey();
      KvModel.State after = KvModel.replay(state, r, rev.getValue());
      if (!clientRevisions.contains(r)) {
        LeaseHistory lease = leaseOfDeletes(rev.getValue(), state, byId, clientDeletable);
        if (lease != null) {
          Map.Entry<Long, Long> seen = seenBy.ceilingEntry(r);
          long call = lease.grantCall();
          long ret = Math.min(seen == null ? Long.MAX_VALUE : seen.getValue(), observedUntil);
          LeaseHistory.Revoke revoke = lease.revoke();
          if (revoke != null && revoke.revision() == r) {
            call = revoke.call();
            ret = Math.min(ret, revoke.ret());
          }
          if (ret >= call) { // else the log contradicts the clock: left unexplained, the search says so
            out.add(call(FIRST_SERVER_CLIENT - out.size(), call, ret, r, rev.getValue()));
          }
        }
      }
      state = after;
    }
    return out;
  }

  /** The lease all of the revision's deletes belong to, or null if it is not one lease's revoke. */
  private static LeaseHistory leaseOfDeletes(List<WriteLog.Event> events, KvModel.State before, Map<Long, LeaseHistory> leases, Set<String> clientDeletable) {
    long lease = 0;
    for (WriteLog.Event e : events) {
      KeyValue kv = before.get(e.key());
      if (e.isPut() || kv == null || kv.lease() == 0 || clientDeletable.contains(e.key()) || (lease != 0 && kv.lease() != lease)) {
        return null;
      }
      lease = kv.lease();
    }
    return leases.get(lease);
  }

  private static Operation call(int client, long call, long ret, long revision, List<WriteLog.Event> events) {
    List<TxnOp> deletes = new ArrayList<>();
    List<KvResponse.OpResult> results = new ArrayList<>();
    for (WriteLog.Event e : events) {
      deletes.add(new Delete(e.key()));
      results.add(new KvResponse.Deleted(1));
    }
    return new Operation(client, call, ret, new Txn(List.of(), deletes, List.of()), new KvResponse.TxnResult(revision, true, results));
  }

  private static void deletedKeys(KvRequest r, Set<String> out) {
    if (r instanceof Delete d) {
      out.add(d.key());
    } else if (r instanceof Txn t) {
      for (List<TxnOp> branch : List.of(t.success(), t.failure())) {
        for (TxnOp o : branch) {
          if (o instanceof Delete d) {
            out.add(d.key());
          }
        }
      }
    }
  }
}
