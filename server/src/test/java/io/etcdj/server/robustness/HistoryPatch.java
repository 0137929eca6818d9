package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Settles unknown outcomes with the committed log before the linearizability search, as etcd's
 * robustness suite does: every write carries a unique value, so the log tells whether a write
 * whose client saw an error took effect. Without this, each such write could be placed anywhere
 * after its call, and a fault that fails hundreds of calls makes the search explode.
 *
 * <ul>
 *   <li>a put whose value is in the log took effect at that revision: it gets the answer it would
 *       have had, and still an open end (it may have taken effect at any time after its call);
 *   <li>a put whose value is not in the log never took effect: dropped;
 *   <li>a txn whose success branch only puts and whose failure branch only reads: if a value of
 *       its success branch is in the log, it succeeded at that revision (its answer is fully
 *       known); otherwise it either failed its compare (no effect) or never ran: dropped;
 *   <li>other writes (deletes, mixed txns) stay unknown: the log cannot attribute a delete.
 * </ul>
 */
public final class HistoryPatch {
  private HistoryPatch() {}

  public static List<Operation> patch(List<Operation> history, WriteLog log) {
    Map<String, Long> written = new HashMap<>(); // "key=value" -> revision
    for (Map.Entry<Long, List<WriteLog.Event>> e : log.byRevision().entrySet()) {
      for (WriteLog.Event ev : e.getValue()) {
        if (ev.isPut()) {
          written.put(ev.key() + "=" + ev.value(), e.getKey());
        }
      }
    }
    List<Operation> out = new ArrayList<>();
    for (Operation op : history) {
      if (op.response() != null || !op.request().mayWrite()) {
        out.add(op);
        continue;
      }
      KvRequest q = op.request();
      if (q instanceof Put p) {
        Long rev = written.get(p.key() + "=" + p.value());
        if (rev != null) {
          out.add(settled(op, new KvResponse.PutResult(rev)));
        }
      } else if (q instanceof Txn t && onlyPuts(t.success()) && onlyReads(t.failure())) {
        Long rev = t.success().isEmpty() ? null : written.get(key((Put) t.success().get(0)));
        if (rev != null) {
          out.add(settled(op, new KvResponse.TxnResult(rev, true, Collections.nCopies(t.success().size(), new KvResponse.Wrote()))));
        }
      } else {
        out.add(op);
      }
    }
    return out;
  }

  /** Known answer, open end: the call may have taken effect any time after it was made. */
  private static Operation settled(Operation op, KvResponse r) {
    return new Operation(op.client(), op.call(), Long.MAX_VALUE, op.request(), r);
  }

  private static String key(Put p) {
    return p.key() + "=" + p.value();
  }

  private static boolean onlyPuts(List<TxnOp> ops) {
    return ops.stream().allMatch(o -> o instanceof Put);
  }

  private static boolean onlyReads(List<TxnOp> ops) {
    return ops.stream().allMatch(o -> o instanceof KvRequest.Get);
  }
}
