package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Compare;
import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Generated histories for the oracles' own tests: legal by construction, with their write log. */
final class Histories {
  private Histories() {}

  record Generated(List<Operation> history, WriteLog log) {}

  /**
   * {@code clients} clients, {@code count} calls on 3 keys. The hidden order is the order of
   * linearization points (one every 10 time units); a call is made up to 30 units before its point
   * and returns up to 30 after, and a client's calls do not overlap. With probability {@code
   * unknown} a write's answer is dropped (its client saw an error), though it took effect.
   */
  static Generated generate(Random rnd, int clients, int count, double unknown) {
    String[] keys = {"k0", "k1", "k2"};
    KvModel.State state = KvModel.State.EMPTY;
    long[] free = new long[clients]; // when each client's last call returned
    List<Operation> out = new ArrayList<>();
    WriteLog log = new WriteLog();
    int unique = 0;
    for (int i = 0; i < count; i++) {
      long point = 10L * (i + 1);
      int client = 0;
      for (int c = 1; c < clients; c++) { // the client free the longest, or a random free one
        if (free[c] < free[client] || (free[c] < point && rnd.nextBoolean())) {
          client = c;
        }
      }
      long call = Math.min(point, Math.max(free[client] + 1, point - rnd.nextInt(30)));
      long ret = point + rnd.nextInt(30);
      String key = keys[rnd.nextInt(keys.length)];
      KvRequest req =
          switch (rnd.nextInt(5)) {
            case 0, 1 -> new Get(key);
            case 2 -> new Put(key, "v" + unique++);
            case 3 -> new Delete(key);
            default ->
                new Txn(
                    List.of(new Compare(key, Compare.Target.VERSION, Compare.Result.GREATER, (long) rnd.nextInt(3))),
                    List.of(new Put(key, "v" + unique++), new Get(keys[rnd.nextInt(keys.length)])),
                    List.of(new Get(key)));
          };
      KvModel.Outcome o = KvModel.apply(state, req);
      logEvents(state, req, o, log);
      state = o.state();
      if (req.mayWrite() && rnd.nextDouble() < unknown) {
        out.add(Operation.unknown(client, call, req));
        free[client] = call; // the client gave up at once
      } else {
        out.add(new Operation(client, call, ret, req, o.response()));
        free[client] = ret;
      }
    }
    return new Generated(out, log);
  }

  /** The watch events etcd reports for one call: its branch's changes, in op order. */
  private static void logEvents(KvModel.State before, KvRequest req, KvModel.Outcome o, WriteLog log) {
    if (o.state().revision() == before.revision()) {
      return;
    }
    List<TxnOp> ran = new ArrayList<>();
    if (req instanceof Txn t) {
      ran.addAll(((KvResponse.TxnResult) o.response()).succeeded() ? t.success() : t.failure());
    } else if (!(req instanceof Get)) {
      ran.add((TxnOp) req);
    }
    long rev = o.state().revision();
    java.util.Set<String> live = new java.util.HashSet<>();
    for (TxnOp op : ran) {
      if (op instanceof Put p) {
        log.add(new WriteLog.Event(rev, p.key(), p.value(), p.lease()));
        live.add(p.key());
      } else if (op instanceof Delete d && (before.get(d.key()) != null || live.contains(d.key()))) {
        log.add(new WriteLog.Event(rev, d.key(), null, 0));
        live.remove(d.key());
      }
    }
  }
}
