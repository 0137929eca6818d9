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

  /** A legal watch record and the compactions it relies on. */
  record GeneratedWatch(WatchRecord record, List<Compaction> compactions) {}

  /**
   * A stream etcd could send for {@code request} over {@code log}: the created response (its
   * header the current revision; a watch from 0 owes the revisions after it), then the wanted
   * events of whole revisions batched at random up to a random last revision, progress
   * notifications (if asked for) at revisions owing no undelivered event, and, if {@code compact},
   * a cancel for a compaction above the first revision still owed. Times run from 1,000 in steps of
   * 10; a compaction is called just before the cancel, on another member.
   */
  static GeneratedWatch watch(Random rnd, WriteLog log, WatchRecord.Request request, boolean compact) {
    long last = log.lastRevision();
    long header = request.startRevision() == 0 ? 1 + rnd.nextInt((int) last) : last;
    long from = request.startRevision() == 0 ? header + 1 : request.startRevision();
    List<WatchRecord.Event> wanted = new ArrayList<>();
    for (WatchRecord.Event e : EventReplay.of(log).wanted(request, from)) {
      wanted.add(request.prevKv() ? e : new WatchRecord.Event(e.type(), e.kv(), null));
    }
    long stop = from - 1 + rnd.nextInt((int) Math.max(1, last - from + 2));
    long time = 1_000;
    List<WatchRecord.Response> rs = new ArrayList<>();
    rs.add(WatchRecord.Response.created(time, header));
    long vouched = from - 1; // every wanted event up to here is delivered
    int i = 0;
    while (i < wanted.size() && wanted.get(i).revision() <= stop) {
      List<WatchRecord.Event> batch = new ArrayList<>();
      int revisions = 1 + rnd.nextInt(3);
      while (i < wanted.size() && wanted.get(i).revision() <= stop && revisions > 0) {
        long rev = wanted.get(i).revision();
        while (i < wanted.size() && wanted.get(i).revision() == rev) {
          batch.add(wanted.get(i++));
        }
        revisions--;
        vouched = rev;
      }
      time += 10;
      rs.add(WatchRecord.Response.events(time, Math.min(last, vouched + rnd.nextInt(2)), batch));
      if (request.progressNotify() && rnd.nextInt(3) == 0) {
        long nextEvent = i < wanted.size() ? wanted.get(i).revision() : last + 1;
        vouched += rnd.nextInt((int) (Math.min(nextEvent - 1, stop) - vouched + 1));
        time += 10;
        rs.add(WatchRecord.Response.progress(time, vouched));
      }
    }
    List<Compaction> compactions = new ArrayList<>();
    if (compact && vouched + 2 <= last) {
      long at = vouched + 2 + rnd.nextInt((int) (last - vouched - 1));
      compactions.add(new Compaction("other", at, time + 1, time + 2));
      rs.add(WatchRecord.Response.compacted(time + 10, at));
    }
    WatchRecord.Request r = request;
    return new GeneratedWatch(new WatchRecord("generated " + r, "member", 0, r, rs), compactions);
  }
}
