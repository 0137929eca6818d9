package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;

/**
 * Holds the committed log to etcd's lease guarantees, as lease/lessor.go keeps them: a lease is
 * alive until its last renewal plus its TTL, and once it expires the leader revokes it through
 * raft, deleting all of its keys in one write. The rules, each a named violation:
 *
 * <ul>
 *   <li><b>deleted while alive</b>: a key of a lease is deleted by no client while the lease was
 *       surely alive (before the last grant or renewal's send time plus its TTL);
 *   <li><b>not found while alive</b>: a keep-alive answered "not found" then;
 *   <li><b>kept too long</b>: a key of a lease whose client stopped renewing it is still attached
 *       to it more than TTL + 2 s after the last renewal could have happened;
 *   <li><b>partial expiry</b>: an expiry deletes some of the lease's keys and leaves others;
 *   <li><b>revoked but kept</b>: after an acknowledged LeaseRevoke at revision r, no key at r still
 *       has the lease;
 *   <li><b>attached after revoke</b>: no put attaches a key to a lease after the lease's revocation
 *       (etcd answers "requested lease not found");
 *   <li><b>delete from nowhere</b>: a key without a lease is deleted only by a client.
 * </ul>
 *
 * <p><b>Time model.</b> One clock: {@link System#nanoTime()} in the harness's JVM; the servers run
 * on the same machine, so their clocks advance at the same rate (etcd's lessor uses Go's monotonic
 * clock), though their zero differs, which is why only durations carry over. A server acts on a
 * request after the client sent it and before the client got the answer, so a send time is a
 * lower bound and an arrival time an upper bound of when the server acted. A revision committed
 * no later than the first time the harness saw it or anything after it ({@link #firstSeen}: watch
 * events, any response header, KV answers); the harness sees with a delay, so a deletion is dated
 * by an upper bound, which makes "deleted while alive" sound (seen before the lease could die) and
 * lets the 2 s of "kept too long" absorb the leader's 500 ms expiry scan, the revoke's trip through
 * raft and the watcher's delay. A leader change renews every lease (etcd 3.4 without lease
 * checkpoints restarts each TTL on promotion, extended by the election timeout, which the 2 s
 * also covers): pass when each new raft term's leader could have been promoted ({@link
 * TermLog.Promotion}: after a call a quorum answered under an older term, by the first sighting of
 * the new one).
 * etcd spreads expiries of more than 1,000 leases; the traffic keeps far fewer.
 */
public final class LeaseChecker {
  private LeaseChecker() {}

  /** How long past the last renewal plus TTL an expired lease's keys may stay. */
  public static final Duration EXPIRY_SLACK = Duration.ofSeconds(2);

  /**
   * Everything the checker needs.
   *
   * @param leases every lease the clients granted
   * @param history the KV calls (a delete a client made, or may have made, is not an expiry)
   * @param log the committed writes
   * @param firstSeen revision -> the first time the harness saw it (or a later one) committed;
   *     need not name every revision
   * @param promotions when each new raft term's leader could have been promoted (a leader change)
   * @param observedUntil a time by which everything in the log had been seen and nothing else was
   *     committed (the end of the run's final log read)
   */
  public record Input(
      List<LeaseHistory> leases, List<Operation> history, WriteLog log, NavigableMap<Long, Long> firstSeen, List<TermLog.Promotion> promotions, long observedUntil) {
    public Input {
      leases = List.copyOf(leases);
      history = List.copyOf(history);
      firstSeen = new TreeMap<>(firstSeen);
      promotions = promotions.stream().sorted(java.util.Comparator.comparingLong(TermLog.Promotion::seen)).toList();
    }
  }

  /** First sightings from watch responses (their events and header revisions) and KV answers. */
  public static NavigableMap<Long, Long> firstSeen(List<WatchRecord> watches, List<Operation> history) {
    NavigableMap<Long, Long> out = new TreeMap<>();
    for (WatchRecord w : watches) {
      for (WatchRecord.Response r : w.responses()) {
        if (r.headerRevision() > 0) {
          out.merge(r.headerRevision(), r.time(), Math::min);
        }
        for (WatchRecord.Event e : r.events()) {
          out.merge(e.revision(), r.time(), Math::min);
        }
      }
    }
    for (Operation op : history) {
      if (op.response() != null) {
        out.merge(op.response().revision(), op.ret(), Math::min);
      }
    }
    return out;
  }

  public static List<String> check(Input in) {
    return new Run(in).check();
  }

  /** A key's stay on one lease: from the put that attached it to the write that ended it (0: never). */
  private record Attachment(String key, long lease, long from, long until) {}

  private static final class Run {
    private final Input in;
    private final List<String> out = new ArrayList<>();
    private final Map<Long, LeaseHistory> leases = new HashMap<>();
    private final NavigableMap<Long, Long> seenBy = new TreeMap<>(); // revision -> earliest sighting at or after it
    private final Set<Long> clientRevisions = new HashSet<>();
    private final Map<Long, Long> revokedAt = new HashMap<>(); // lease -> revision
    private final List<Attachment> attachments = new ArrayList<>();

    Run(Input in) {
      this.in = in;
      in.leases().forEach(l -> leases.put(l.id(), l));
      long min = Long.MAX_VALUE;
      for (Map.Entry<Long, Long> e : in.firstSeen().descendingMap().entrySet()) {
        min = Math.min(min, e.getValue());
        seenBy.put(e.getKey(), min);
      }
      for (Operation op : in.history()) {
        if (op.response() != null && RevisionChecker.changedStore(op)) {
          clientRevisions.add(op.response().revision());
        }
      }
      for (LeaseHistory l : in.leases()) {
        if (l.revoke() != null && l.revoke().revision() != 0) {
          clientRevisions.add(l.revoke().revision());
        }
      }
    }

    /** An upper bound of when {@code revision} was committed. */
    private long seen(long revision) {
      Map.Entry<Long, Long> e = seenBy.ceilingEntry(revision);
      return Math.min(e == null ? Long.MAX_VALUE : e.getValue(), in.observedUntil());
    }

    List<String> check() {
      try {
        replay();
      } catch (IllegalArgumentException gap) {
        out.add("log: cannot be replayed (" + gap.getMessage() + "); leases not checked");
        return out;
      }
      for (LeaseHistory l : in.leases()) {
        notFoundWhileAlive(l);
        keptTooLong(l);
      }
      return out;
    }

    private void replay() {
      Map<Long, List<LeaseHistory>> revokes = new TreeMap<>();
      for (LeaseHistory l : in.leases()) {
        if (l.revoke() != null && l.revoke().revision() != 0) {
          revokes.computeIfAbsent(l.revoke().revision(), r -> new ArrayList<>()).add(l);
        }
      }
      Map<String, Attachment> open = new HashMap<>();
      KvModel.State state = KvModel.State.EMPTY;
      revoked(state, revokes.getOrDefault(1L, List.of()));
      for (Map.Entry<Long, List<WriteLog.Event>> rev : in.log().byRevision().entrySet()) {
        long r = rev.getKey();
        KvModel.State after = KvModel.replay(state, r, rev.getValue());
        Map<Long, List<String>> expired = new TreeMap<>();
        for (WriteLog.Event e : rev.getValue()) {
          Attachment was = open.get(e.key());
          boolean stays = was != null && e.isPut() && e.lease() == was.lease(); // put again on the same lease
          if (was != null && !stays) {
            attachments.add(new Attachment(was.key(), was.lease(), was.from(), r));
            open.remove(e.key());
          }
          if (e.isPut() && e.lease() != 0) {
            attached(e, r);
            if (!stays) {
              open.put(e.key(), new Attachment(e.key(), e.lease(), r, 0));
            }
          }
          if (!e.isPut() && !clientRevisions.contains(r)) {
            KeyValue before = state.get(e.key());
            expired.computeIfAbsent(before == null ? 0 : before.lease(), x -> new ArrayList<>()).add(e.key());
          }
        }
        for (Map.Entry<Long, List<String>> x : expired.entrySet()) {
          deletedByNoClient(x.getKey(), x.getValue(), r, state);
        }
        revoked(after, revokes.getOrDefault(r, List.of()));
        state = after;
      }
      open.values().forEach(attachments::add);
      long last = state.revision();
      for (Map.Entry<Long, List<LeaseHistory>> r : revokes.entrySet()) {
        for (LeaseHistory l : r.getKey() > last ? r.getValue() : List.<LeaseHistory>of()) {
          out.add("lease " + l.id() + ": revoke answered revision " + r.getKey() + ", beyond the log's last " + last);
        }
      }
    }

    private void attached(WriteLog.Event e, long r) {
      Long gone = revokedAt.get(e.lease());
      if (gone != null && gone < r) {
        out.add("lease " + e.lease() + ": attached after revoke: key " + e.key() + " put on it at revision " + r + ", after it was revoked at " + gone);
      }
    }

    private void revoked(KvModel.State at, List<LeaseHistory> ls) {
      for (LeaseHistory l : ls) {
        for (String k : keysOf(at, l.id())) {
          out.add("lease " + l.id() + ": revoked but kept: key " + k + " still has it at revision " + at.revision() + ", which the revoke answered");
        }
        revokedAt.putIfAbsent(l.id(), at.revision());
      }
    }

    /** Deletes at {@code r} no acknowledged client write explains: a client's unknown call, or an expiry. */
    private void deletedByNoClient(long lease, List<String> keys, long r, KvModel.State before) {
      long seen = seen(r);
      List<String> unexplained = new ArrayList<>();
      for (String k : keys) {
        if (!mayHaveDeleted(k, seen) && !mayHaveRevoked(lease, seen)) {
          unexplained.add(k);
        }
      }
      if (unexplained.isEmpty()) {
        return;
      }
      if (lease == 0) {
        out.add("delete from nowhere: revision " + r + " deleted " + unexplained + ", which had no lease, and no client deleted them");
        return;
      }
      LeaseHistory l = leases.get(lease);
      if (l == null) {
        out.add("lease " + lease + ": revision " + r + " deleted its keys " + unexplained + ", but no client granted it");
      } else if (seen < aliveUntil(l)) {
        out.add("lease " + lease + ": deleted while alive: revision " + r + " (seen by " + ms(seen) + ") deleted " + unexplained + ", but the lease was renewed until at least " + ms(aliveUntil(l)) + "; " + story(l));
      }
      List<String> left = new ArrayList<>(keysOf(before, lease));
      left.removeAll(keys);
      if (!left.isEmpty()) {
        out.add("lease " + lease + ": partial expiry: revision " + r + " deleted " + unexplained + " but left " + left);
      }
      revokedAt.putIfAbsent(lease, r);
    }

    /** Whether a client call with an unknown outcome, made by {@code time}, could delete {@code key}. */
    private boolean mayHaveDeleted(String key, long time) {
      for (Operation op : in.history()) {
        if (op.response() == null && op.call() <= time && deletes(op.request(), key)) {
          return true;
        }
      }
      return false;
    }

    private boolean mayHaveRevoked(long lease, long time) {
      LeaseHistory l = leases.get(lease);
      return l != null && l.revoke() != null && l.revoke().revision() == 0 && l.revoke().call() <= time;
    }

    private static boolean deletes(KvRequest r, String key) {
      if (r instanceof Delete d) {
        return d.key().equals(key);
      }
      if (r instanceof Txn t) {
        for (List<TxnOp> branch : List.of(t.success(), t.failure())) {
          for (TxnOp o : branch) {
            if (o instanceof Delete d && d.key().equals(key)) {
              return true;
            }
          }
        }
      }
      return false;
    }

    private void notFoundWhileAlive(LeaseHistory l) {
      long alive = l.grantCall() + nanos(l.ttlSeconds());
      for (LeaseHistory.KeepAlive k : l.keepAlives()) {
        if (!k.renewed() && k.received() < alive) {
          out.add("lease " + l.id() + ": not found while alive: a keep-alive answered TTL " + k.ttlSeconds() + " at " + ms(k.received()) + ", but the lease was renewed until at least " + ms(alive) + "; " + story(l));
        }
        if (k.renewed()) {
          alive = Math.max(alive, k.sent() + nanos(k.ttlSeconds()));
        }
      }
    }

    /** A lower bound of when the lease may expire: its last grant or renewal's send plus the TTL. */
    private static long aliveUntil(LeaseHistory l) {
      long alive = l.grantCall() + nanos(l.ttlSeconds());
      for (LeaseHistory.KeepAlive k : l.keepAlives()) {
        if (k.renewed()) {
          alive = Math.max(alive, k.sent() + nanos(k.ttlSeconds()));
        }
      }
      return alive;
    }

    private void keptTooLong(LeaseHistory l) {
      if (l.stopped() == Long.MAX_VALUE) {
        return;
      }
      long ttl = l.ttlSeconds();
      long lastRenewal = Math.max(l.grantRet(), l.stopped());
      for (LeaseHistory.KeepAlive k : l.keepAlives()) {
        if (k.renewed()) {
          lastRenewal = Math.max(lastRenewal, k.received());
          ttl = Math.max(ttl, k.ttlSeconds());
        }
      }
      long slack = EXPIRY_SLACK.toNanos();
      long deadline = lastRenewal + nanos(ttl) + slack;
      // A promotion that may have come before the deadline renews the lease; when it came is
      // known only within (after, seen], so the renewal is dated at its latest.
      for (TermLog.Promotion p : in.promotions()) {
        if (p.seen() >= l.grantCall() && p.after() < deadline) {
          deadline = Math.max(deadline, p.seen() + nanos(ttl) + slack);
        }
      }
      if (l.revoke() != null && l.revoke().call() <= deadline) {
        return; // the client ended it first; "revoked but kept" judges that
      }
      for (Attachment a : attachments) {
        if (a.lease() != l.id()) {
          continue;
        }
        long gone = a.until() == 0 ? in.observedUntil() : seen(a.until());
        if (gone > deadline) {
          String until = a.until() == 0 ? "the end of the run (" + ms(in.observedUntil()) + ")" : "revision " + a.until() + " (seen by " + ms(gone) + ")";
          out.add("lease " + l.id() + ": kept too long: key " + a.key() + ", attached at revision " + a.from() + ", kept it until " + until + ", past " + ms(deadline) + " (last renewal by " + ms(lastRenewal) + " + TTL " + ttl + " s + 2 s); " + story(l));
        }
      }
    }

    private static List<String> keysOf(KvModel.State s, long lease) {
      return s.keysWithLease(lease);
    }

    private static long nanos(long seconds) {
      return Duration.ofSeconds(seconds).toNanos();
    }

    /** The lease's calls and the cluster's leader changes, for a violation's reader. */
    private String story(LeaseHistory l) {
      StringBuilder b = new StringBuilder("its story: granted TTL " + l.ttlSeconds() + " s, sent " + ms(l.grantCall()) + ", answered " + ms(l.grantRet()));
      for (LeaseHistory.KeepAlive k : l.keepAlives()) {
        b.append("; keep-alive sent ").append(ms(k.sent())).append(", answered ").append(ms(k.received())).append(" TTL ").append(k.ttlSeconds());
      }
      if (l.revoke() != null) {
        b.append("; revoke sent ").append(ms(l.revoke().call())).append(" revision ").append(l.revoke().revision());
      }
      b.append("; new terms promoted (after, seen by)");
      in.promotions().forEach(p -> b.append(" term ").append(p.term()).append(" (").append(p.after() == Long.MIN_VALUE ? "-" : ms(p.after())).append(", ").append(ms(p.seen())).append(')'));
      return b.toString();
    }

    private static String ms(long nanos) {
      return String.format("%.3f ms", nanos / 1e6);
    }
  }
}
