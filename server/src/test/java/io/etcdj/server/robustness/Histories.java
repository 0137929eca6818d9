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

  /**
   * A legal lease run over 20 s (times in nanoseconds from 0): {@code leaseCount} leases with TTLs
   * of 1-4 s, kept alive every TTL/3 until a random stop (a quarter never stop, a fifth are
   * revoked), each expiring at its last renewal + TTL + up to 1.5 s (the leader's scan and the
   * revoke's trip through raft); {@code writes} puts (mostly on a lease alive then) and deletes
   * on 30 keys spread over the run; every revision seen up to 200 ms after it committed.
   */
  static LeaseChecker.Input leases(Random rnd, int leaseCount, int writes) {
    final long ms = 1_000_000L;
    final long horizon = 20_000 * ms;
    List<LeaseHistory> leases = new ArrayList<>();
    java.util.TreeMap<Long, Runnable> timeline = new java.util.TreeMap<>();
    long[] serverEnd = new long[leaseCount]; // when the server revokes each lease
    for (int i = 0; i < leaseCount; i++) {
      long ttl = 1 + rnd.nextInt(4);
      long grant = rnd.nextInt(10_000) * ms;
      long granted = grant + rnd.nextInt(10) * ms;
      long grantRet = granted + rnd.nextInt(10) * ms;
      boolean forever = rnd.nextInt(4) == 0;
      boolean revoke = !forever && rnd.nextInt(5) == 0;
      long stop = forever ? horizon : grantRet + rnd.nextInt(8_000) * ms;
      List<LeaseHistory.KeepAlive> kas = new ArrayList<>();
      long renewed = granted;
      long answered = grantRet;
      for (long t = grant + ttl * 1000 / 3 * ms; t < stop; t += ttl * 1000 / 3 * ms) {
        renewed = t + rnd.nextInt(10) * ms;
        answered = renewed + rnd.nextInt(10) * ms;
        kas.add(new LeaseHistory.KeepAlive(t, answered, ttl));
      }
      long stopped = forever ? Long.MAX_VALUE : Math.max(stop, answered);
      long end = forever ? Long.MAX_VALUE : renewed + ttl * 1000 * ms + rnd.nextInt(1_500) * ms;
      LeaseHistory.Revoke r = null;
      if (revoke) {
        long call = Math.max(stopped, end - 1 - rnd.nextInt(500) * ms);
        if (call < end) {
          end = call + rnd.nextInt(10) * ms;
          r = new LeaseHistory.Revoke(call, end + rnd.nextInt(10) * ms, -1); // revision filled in below
        }
      }
      serverEnd[i] = end;
      leases.add(new LeaseHistory(100 + i, ttl, grant, grantRet, kas, stopped, r));
    }
    // Replay the run in time order: writes, expiries and revokes each commit at their time.
    List<Operation> history = new ArrayList<>();
    WriteLog log = new WriteLog();
    java.util.TreeMap<Long, Long> seen = new java.util.TreeMap<>();
    KvModel.State[] state = {KvModel.State.EMPTY};
    long[] revokedAt = new long[leaseCount];
    String[] keys = new String[30];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "k" + i;
    }
    for (int j = 0; j < writes; j++) {
      long t = (j + 1) * (horizon / (writes + 1)) + j; // distinct times
      int client = j % 4;
      int n = j;
      schedule(timeline, t, () -> {
        String key = keys[rnd.nextInt(keys.length)];
        long call = t - rnd.nextInt(5) * ms;
        long ret = t + rnd.nextInt(5) * ms;
        if (rnd.nextInt(8) == 0) {
          KvModel.Outcome o = KvModel.apply(state[0], new Delete(key));
          if (o.state() != state[0]) {
            log.add(new WriteLog.Event(o.state().revision(), key, null, 0));
            seen.put(o.state().revision(), t + rnd.nextInt(200) * ms);
          }
          history.add(new Operation(client, call, ret, new Delete(key), o.response()));
          state[0] = o.state();
          return;
        }
        List<Long> alive = new ArrayList<>();
        for (int i = 0; i < leaseCount; i++) {
          if (leases.get(i).grantRet() < call && t < serverEnd[i]) {
            alive.add(leases.get(i).id());
          }
        }
        long lease = alive.isEmpty() || rnd.nextInt(4) == 0 ? 0 : alive.get(rnd.nextInt(alive.size()));
        Put put = new Put(key, "v" + n, lease);
        KvModel.Outcome o = KvModel.apply(state[0], put);
        log.add(new WriteLog.Event(o.state().revision(), key, put.value(), lease));
        seen.put(o.state().revision(), t + rnd.nextInt(200) * ms);
        history.add(new Operation(client, call, ret, put, o.response()));
        state[0] = o.state();
      });
    }
    for (int i = 0; i < leaseCount; i++) {
      int lease = i;
      if (serverEnd[i] < horizon) {
        schedule(timeline, serverEnd[i], () -> {
          List<WriteLog.Event> dels = new ArrayList<>();
          for (String k : state[0].keysWithLease(leases.get(lease).id())) {
            dels.add(new WriteLog.Event(state[0].revision() + 1, k, null, 0));
          }
          if (!dels.isEmpty()) {
            state[0] = KvModel.replay(state[0], state[0].revision() + 1, dels);
            dels.forEach(log::add);
            seen.put(state[0].revision(), serverEnd[lease] + rnd.nextInt(200) * ms);
          }
          revokedAt[lease] = state[0].revision();
        });
      }
    }
    timeline.values().forEach(Runnable::run);
    List<LeaseHistory> out = new ArrayList<>();
    for (int i = 0; i < leaseCount; i++) {
      LeaseHistory l = leases.get(i);
      LeaseHistory.Revoke r = l.revoke();
      if (r != null && serverEnd[i] < horizon) {
        r = new LeaseHistory.Revoke(r.call(), r.ret(), revokedAt[i]);
      } else if (r != null) {
        r = new LeaseHistory.Revoke(r.call(), Long.MAX_VALUE, 0); // still in flight at the end: unknown
      }
      out.add(new LeaseHistory(l.id(), l.ttlSeconds(), l.grantCall(), l.grantRet(), l.keepAlives(), l.stopped(), r));
    }
    return new LeaseChecker.Input(out, history, log, seen, List.of(), horizon);
  }

  /** Runs {@code action} at {@code time}, or a nanosecond later if something else is due then. */
  private static void schedule(java.util.TreeMap<Long, Runnable> timeline, long time, Runnable action) {
    while (timeline.putIfAbsent(time, action) != null) {
      time++;
    }
  }
}
