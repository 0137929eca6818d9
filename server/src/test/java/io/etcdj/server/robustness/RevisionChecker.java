package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The second, linear-time opinion on a history (O(n log n)): every answer carries the revision
 * the server put the call at, so instead of searching for an order, check the one the server
 * claims against the committed {@link WriteLog}:
 *
 * <ol>
 *   <li>the log is gap-free from revision 2 and every put in it wrote a value some client sent
 *       (no value from nowhere);
 *   <li>every acknowledged write is in the log at the revision it was answered with, with exactly
 *       its effects (nothing acknowledged is lost or moved);
 *   <li>every acknowledged answer equals what the model gives on the log's state at that
 *       revision (a read sees the state at its header revision; a txn's compares see the state
 *       before its write);
 *   <li>real time: a call made after another returned has a revision at least as high, higher
 *       if it wrote;
 *   <li>each client's revisions never go back.
 * </ol>
 *
 * Unknown outcomes need no search here: the log says whether they happened.
 */
public final class RevisionChecker {
  private RevisionChecker() {}

  public static List<String> check(List<Operation> history, WriteLog log) {
    List<String> out = new ArrayList<>();
    logIsGapFreeAndWrittenByClients(history, log, out);
    acknowledgedWritesAreLogged(history, log, out);
    if (out.stream().anyMatch(v -> v.contains("(gap or repeat)"))) {
      out.add("answers not compared with the log: it cannot be replayed past its gap");
    } else {
      answersMatchTheReplayedLog(history, log, out);
    }
    realTimeOrder(history, out);
    clientsNeverGoBack(history, out);
    return out;
  }

  private static void logIsGapFreeAndWrittenByClients(List<Operation> history, WriteLog log, List<String> out) {
    Set<String> sent = new HashSet<>();
    for (Operation op : history) {
      for (Put p : puts(op.request())) {
        sent.add(p.key() + "=" + p.value());
      }
    }
    long expected = 2;
    for (Map.Entry<Long, List<WriteLog.Event>> e : log.byRevision().entrySet()) {
      if (e.getKey() != expected) {
        out.add("log: revision " + e.getKey() + " follows " + (expected - 1) + " (gap or repeat)");
      }
      expected = e.getKey() + 1;
      for (WriteLog.Event ev : e.getValue()) {
        if (ev.isPut() && !sent.contains(ev.key() + "=" + ev.value())) {
          out.add("log: revision " + ev.revision() + " put " + ev.key() + "=" + ev.value() + ", which no client sent");
        }
      }
    }
  }

  private static void acknowledgedWritesAreLogged(List<Operation> history, WriteLog log, List<String> out) {
    Map<Long, Operation> byRevision = new HashMap<>();
    for (Operation op : history) {
      if (op.response() == null || !changedStore(op)) {
        continue;
      }
      long rev = op.response().revision();
      Operation other = byRevision.put(rev, op);
      if (other != null) {
        out.add("two acknowledged writes at revision " + rev + ": " + other + " and " + op);
      }
      List<WriteLog.Event> logged = log.byRevision().get(rev);
      List<String> want = effects(op);
      List<String> got = new ArrayList<>();
      if (logged != null) {
        logged.forEach(ev -> got.add(ev.isPut() ? "put " + ev.key() + "=" + ev.value() : "delete " + ev.key()));
      }
      if (!got.equals(want)) {
        out.add("acknowledged " + op + " is logged at revision " + rev + " as " + got + ", expected " + want);
      }
    }
  }

  private static void answersMatchTheReplayedLog(List<Operation> history, WriteLog log, List<String> out) {
    // Answers by the revision of the state they must be judged on.
    TreeMap<Long, List<Operation>> byState = new TreeMap<>();
    for (Operation op : history) {
      if (op.response() != null) {
        long at = op.response().revision() - (changedStore(op) ? 1 : 0);
        byState.computeIfAbsent(at, r -> new ArrayList<>()).add(op);
      }
    }
    KvModel.State state = KvModel.State.EMPTY;
    var revisions = log.byRevision().entrySet().iterator();
    for (Map.Entry<Long, List<Operation>> at : byState.entrySet()) {
      while (state.revision() < at.getKey() && revisions.hasNext()) {
        Map.Entry<Long, List<WriteLog.Event>> next = revisions.next();
        state = KvModel.replay(state, next.getKey(), next.getValue());
      }
      for (Operation op : at.getValue()) {
        if (state.revision() != at.getKey()) {
          out.add(op + " answered at revision " + op.response().revision() + ", beyond the log (last " + log.lastRevision() + ")");
          continue;
        }
        KvResponse want = KvModel.apply(state, op.request()).response();
        if (!want.equals(op.response())) {
          out.add(op + " but the log's state at revision " + at.getKey() + " answers " + want);
        }
      }
    }
  }

  private static void realTimeOrder(List<Operation> history, List<String> out) {
    List<Operation> known = new ArrayList<>();
    history.stream().filter(o -> o.response() != null).forEach(known::add);
    List<Operation> byReturn = new ArrayList<>(known);
    byReturn.sort(Comparator.comparingLong(Operation::ret));
    known.sort(Comparator.comparingLong(Operation::call));
    int r = 0;
    Operation highest = null;
    for (Operation op : known) {
      while (r < byReturn.size() && byReturn.get(r).ret() < op.call()) {
        Operation done = byReturn.get(r++);
        if (highest == null || done.response().revision() > highest.response().revision()) {
          highest = done;
        }
      }
      if (highest == null) {
        continue;
      }
      long floor = highest.response().revision();
      long rev = op.response().revision();
      boolean wrote = changedStore(op);
      if (rev < floor || (wrote && rev == floor)) {
        out.add("real time: " + op + " was called after " + highest + " returned, yet is at revision " + rev);
      }
    }
  }

  private static void clientsNeverGoBack(List<Operation> history, List<String> out) {
    Map<Integer, Operation> last = new HashMap<>();
    List<Operation> byCall = new ArrayList<>(history);
    byCall.sort(Comparator.comparingLong(Operation::call));
    for (Operation op : byCall) {
      if (op.response() == null) {
        continue;
      }
      Operation before = last.put(op.client(), op);
      if (before != null && op.response().revision() < before.response().revision()) {
        out.add("client " + op.client() + " went back from revision " + before.response().revision() + " to " + op);
      }
    }
  }

  /** Whether an acknowledged call changed the store (so it owns its revision). */
  static boolean changedStore(Operation op) {
    KvResponse r = op.response();
    if (r instanceof KvResponse.PutResult) {
      return true;
    }
    if (r instanceof KvResponse.DeleteResult d) {
      return d.deleted() > 0;
    }
    if (r instanceof KvResponse.TxnResult t) {
      Txn txn = (Txn) op.request();
      List<TxnOp> ran = t.succeeded() ? txn.success() : txn.failure();
      for (int i = 0; i < ran.size(); i++) {
        if (ran.get(i) instanceof Put || (ran.get(i) instanceof Delete && ((KvResponse.Deleted) t.results().get(i)).count() > 0)) {
          return true;
        }
      }
    }
    return false;
  }

  /** The log events an acknowledged write must have produced, in order. */
  private static List<String> effects(Operation op) {
    List<TxnOp> ran = new ArrayList<>();
    List<KvResponse.OpResult> results = new ArrayList<>();
    if (op.request() instanceof Txn txn) {
      KvResponse.TxnResult t = (KvResponse.TxnResult) op.response();
      ran.addAll(t.succeeded() ? txn.success() : txn.failure());
      results.addAll(t.results());
    } else if (op.request() instanceof Delete d) {
      ran.add(d);
      results.add(new KvResponse.Deleted(((KvResponse.DeleteResult) op.response()).deleted()));
    } else {
      ran.add((TxnOp) op.request());
      results.add(new KvResponse.Wrote());
    }
    List<String> out = new ArrayList<>();
    for (int i = 0; i < ran.size(); i++) {
      TxnOp o = ran.get(i);
      if (o instanceof Put p) {
        out.add("put " + p.key() + "=" + p.value());
      } else if (o instanceof Delete d && ((KvResponse.Deleted) results.get(i)).count() > 0) {
        out.add("delete " + d.key());
      }
    }
    return out;
  }

  private static List<Put> puts(KvRequest r) {
    List<Put> out = new ArrayList<>();
    if (r instanceof Put p) {
      out.add(p);
    } else if (r instanceof Txn t) {
      for (TxnOp o : t.success()) {
        if (o instanceof Put p) {
          out.add(p);
        }
      }
      for (TxnOp o : t.failure()) {
        if (o instanceof Put p) {
          out.add(p);
        }
      }
    }
    return out;
  }
}
