package io.etcdj.server.robustness;

import io.etcdj.server.robustness.WatchRecord.Event;
import io.etcdj.server.robustness.WatchRecord.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Holds one recorded watch stream ({@link WatchRecord}) to etcd's watch guarantees, with the
 * {@link WriteLog} as the truth. Each violation names the guarantee it breaks, as etcd's robustness
 * suite (tests/robustness/validate/watch.go) and its API guarantees page name them:
 *
 * <ul>
 *   <li><b>stream</b>: at most one created response and it comes first; nothing after a cancel;
 *       a compaction cancel carries compact_revision and no events; a header revision is never
 *       below an event of its response;
 *   <li><b>filter</b>: every event is in the watched range and of a type not filtered out; prev_kv
 *       only when asked for;
 *   <li><b>ordered</b>: event revisions never go back over the stream;
 *   <li><b>unique</b>: no (revision, key) is delivered twice;
 *   <li><b>atomic</b>: a revision's events are never split over two responses;
 *   <li><b>bookmarkable</b>: no event at or below a progress notification's revision after it; a
 *       progress notification is never below the last event, nor below an earlier one;
 *   <li><b>resumable</b>: a watch from revision R delivers nothing below R, and its first event is
 *       the first committed event from R on that it wants;
 *   <li><b>is_create</b>, <b>kv</b>, <b>prev_kv</b>: each event equals the replayed log's (a put
 *       is a create exactly when the key did not exist before; prev_kv is the key before the
 *       event, and may only be missing when that revision was compacted);
 *   <li><b>reliable</b>: from the first revision the watch owes (its start revision, or the one
 *       after its created response's header) to the last it vouched for (last event or progress
 *       notification) it delivered exactly the log's events it wants, in the log's order;
 *   <li><b>compaction</b>: a cancel for compaction names a compaction that was requested, and
 *       only comes while the watch still owes a revision below it (etcd cancels a watcher whose
 *       next revision is compacted, never one past it); a watch opened from R on a member that had
 *       already acknowledged a compaction above R is cancelled with a compact revision at least
 *       that high, if at all before the watcher stops, and delivers no event.
 * </ul>
 */
public final class WatchChecker {
  private WatchChecker() {}

  /** Checks one watch, assuming no compaction was requested. */
  public static List<String> check(WatchRecord watch, WriteLog log) {
    return check(List.of(watch), log, List.of());
  }

  /** Checks every watch against one replay of the log. */
  public static List<String> check(List<WatchRecord> watches, WriteLog log, List<Compaction> compactions) {
    List<String> out = new ArrayList<>();
    EventReplay replay = null;
    try {
      replay = EventReplay.of(log);
    } catch (IllegalArgumentException gap) {
      out.add("log: cannot be replayed (" + gap.getMessage() + "); watches checked without it");
    }
    for (WatchRecord w : watches) {
      new One(w, replay, log, compactions, out).run();
    }
    return out;
  }

  /** The checks of one watch; {@code replay} null when the log cannot be replayed. */
  private static final class One {
    private final WatchRecord w;
    private final EventReplay replay;
    private final WriteLog log;
    private final List<Compaction> compactions;
    private final List<String> out;
    private final List<Event> got = new ArrayList<>();

    One(WatchRecord w, EventReplay replay, WriteLog log, List<Compaction> compactions, List<String> out) {
      this.w = w;
      this.replay = replay;
      this.log = log;
      this.compactions = compactions;
      this.out = out;
      w.responses().forEach(r -> got.addAll(r.events()));
    }

    private void fail(String guarantee, String what) {
      out.add(w.name() + ": " + guarantee + ": " + what);
    }

    void run() {
      stream();
      filter();
      ordered();
      unique();
      atomic();
      bookmarkable();
      startRevision();
      compaction();
      if (replay != null) {
        resumable();
        eventsEqualTheReplay();
        reliable();
      }
    }

    private void stream() {
      List<Response> rs = w.responses();
      for (int i = 0; i < rs.size(); i++) {
        Response r = rs.get(i);
        if (r.created() && i > 0) {
          fail("stream", "created response at position " + i + ", not first");
        }
        if (r.canceled() && i < rs.size() - 1) {
          fail("stream", (rs.size() - 1 - i) + " response(s) after the cancel at position " + i);
        }
        if (r.compactRevision() != 0 && !r.canceled()) {
          fail("stream", "compact_revision " + r.compactRevision() + " without cancel");
        }
        if (r.isCompactionCancel() && !r.events().isEmpty()) {
          fail("stream", "the compaction cancel carries " + r.events().size() + " event(s)");
        }
        if (!r.canceled()) {
          for (Event e : r.events()) {
            if (e.revision() > r.headerRevision()) {
              fail("stream", "header revision " + r.headerRevision() + " below its event " + e);
              break;
            }
          }
        }
      }
    }

    private void filter() {
      for (Event e : got) {
        if (!w.request().wants(e)) {
          fail("filter", "event " + e + " does not match " + w.request());
        }
        if (!w.request().prevKv() && e.prevKv() != null) {
          fail("filter", "event " + e + " carries prev_kv, which the watch did not ask for");
        }
      }
    }

    private void ordered() {
      long last = 0;
      for (Event e : got) {
        if (e.revision() < last) {
          fail("ordered", "event " + e + " after an event at revision " + last);
        }
        last = e.revision();
      }
    }

    private void unique() {
      Set<String> seen = new HashSet<>();
      for (Event e : got) {
        if (!seen.add(e.revision() + "/" + e.key())) {
          fail("unique", "event " + e + " delivered twice");
        }
      }
    }

    private void atomic() {
      long lastOfPrevious = 0;
      for (Response r : w.responses()) {
        if (r.events().isEmpty()) {
          continue;
        }
        long first = r.events().get(0).revision();
        if (first == lastOfPrevious) {
          fail("atomic", "revision " + first + " split over two responses");
        }
        lastOfPrevious = r.events().get(r.events().size() - 1).revision();
      }
    }

    private void bookmarkable() {
      long lastProgress = 0;
      long lastEvent = 0;
      for (Response r : w.responses()) {
        for (Event e : r.events()) {
          if (e.revision() <= lastProgress) {
            fail("bookmarkable", "event " + e + " after a progress notification at revision " + lastProgress);
          }
          lastEvent = Math.max(lastEvent, e.revision());
        }
        if (r.isProgressNotify()) {
          if (r.headerRevision() < lastEvent) {
            fail("bookmarkable", "progress notification at revision " + r.headerRevision() + " after an event at " + lastEvent);
          }
          if (r.headerRevision() < lastProgress) {
            fail("bookmarkable", "progress notification at revision " + r.headerRevision() + " after one at " + lastProgress);
          }
          lastProgress = Math.max(lastProgress, r.headerRevision());
        }
      }
    }

    private void startRevision() {
      long start = w.request().startRevision();
      for (Event e : got) {
        if (e.revision() < start) {
          fail("resumable", "event " + e + " is below the watch's start revision " + start);
        }
      }
    }

    /** The first revision the watch owes: its start, or the one after its creation's header. */
    private long firstOwed() {
      if (w.request().startRevision() != 0) {
        return w.request().startRevision();
      }
      for (Response r : w.responses()) {
        if (r.created()) {
          return r.headerRevision() + 1;
        }
        if (r.isProgressNotify()) {
          return r.headerRevision() + 1;
        }
        if (!r.events().isEmpty()) {
          return r.events().get(0).revision();
        }
      }
      return Long.MAX_VALUE;
    }

    /** The last revision the watch vouched for: its last event or progress notification. */
    private long lastVouched() {
      long last = 0;
      for (Response r : w.responses()) {
        if (r.isProgressNotify()) {
          last = Math.max(last, r.headerRevision());
        }
        for (Event e : r.events()) {
          last = Math.max(last, e.revision());
        }
      }
      return last;
    }

    private void resumable() {
      long start = w.request().startRevision();
      if (start == 0 || got.isEmpty()) {
        return;
      }
      List<Event> want = replay.wanted(w.request(), start);
      Event first = got.get(0);
      if (want.isEmpty() || !sameEvent(want.get(0), first)) {
        fail("resumable", "first event " + first + " of a watch from revision " + start + ", but the log's first is " + (want.isEmpty() ? "none" : want.get(0)));
      }
    }

    private void eventsEqualTheReplay() {
      Map<Long, Response> responseOf = new HashMap<>();
      for (Response r : w.responses()) {
        r.events().forEach(e -> responseOf.putIfAbsent(e.revision(), r));
      }
      for (Event e : got) {
        Event t = replay.at(e.revision(), e.key());
        if (t == null || t.type() != e.type()) {
          continue; // reliable names it
        }
        if (e.isCreate() != t.isCreate()) {
          fail("is_create", "event " + e + " is " + (e.isCreate() ? "" : "not ") + "a create, the log's is " + (t.isCreate() ? "" : "not ") + "a create");
        } else if (!e.kv().equals(t.kv())) {
          fail("kv", "event " + e + " but the log's kv is " + t.kv());
        }
        if (w.request().prevKv()) {
          prevKv(e, t, responseOf.get(e.revision()).time());
        }
      }
    }

    private void prevKv(Event e, Event truth, long receivedAt) {
      if (e.prevKv() != null) {
        if (!e.prevKv().equals(truth.prevKv())) {
          fail("prev_kv", "event " + e + " but the key before it was " + truth.prevKv());
        }
      } else if (truth.prevKv() != null && !compactedBefore(e.revision() - 1, receivedAt)) {
        fail("prev_kv", "event " + e + " lacks prev_kv " + truth.prevKv() + ", and revision " + (e.revision() - 1) + " was not compacted");
      }
    }

    /** Whether {@code revision} may have been compacted by {@code time} (etcd then omits prev_kv). */
    private boolean compactedBefore(long revision, long time) {
      for (Compaction c : compactions) {
        if (c.revision() > revision && c.call() <= time) {
          return true;
        }
      }
      return false;
    }

    private void reliable() {
      long from = firstOwed();
      long to = lastVouched();
      if (to > log.lastRevision()) {
        fail("reliable", "vouches for revision " + to + ", beyond the log's last revision " + log.lastRevision());
      }
      List<String> want = new ArrayList<>();
      for (Event e : replay.wanted(w.request(), from)) {
        if (e.revision() <= to) {
          want.add(name(e));
        }
      }
      List<String> have = new ArrayList<>();
      got.forEach(e -> have.add(name(e)));
      if (want.equals(have)) {
        return;
      }
      Set<String> lost = new LinkedHashSet<>(want);
      have.forEach(lost::remove);
      Set<String> extra = new LinkedHashSet<>(have);
      want.forEach(extra::remove);
      String range = "revisions " + from + ".." + to;
      if (!lost.isEmpty()) {
        fail("reliable", "lost " + lost + " in " + range);
      }
      if (!extra.isEmpty()) {
        fail("reliable", "delivered " + extra + ", which the log does not have in " + range);
      }
      if (lost.isEmpty() && extra.isEmpty()) {
        fail("reliable", "delivered " + have + " in " + range + ", the log's order is " + want);
      }
    }

    private void compaction() {
      List<Response> rs = w.responses();
      Response cancel = rs.isEmpty() ? null : rs.get(rs.size() - 1);
      if (cancel != null && cancel.isCompactionCancel()) {
        long c = cancel.compactRevision();
        boolean requested = compactions.stream().anyMatch(x -> x.revision() == c && x.call() <= cancel.time());
        if (!requested) {
          fail("compaction", "cancelled at compact_revision " + c + ", which no compaction requested before it");
        }
        long next = firstOwed();
        for (Response r : rs) {
          if (r.isProgressNotify()) {
            next = Math.max(next, r.headerRevision() + 1);
          }
        }
        for (Event e : got) {
          next = Math.max(next, e.revision() + 1);
        }
        if (next >= c && next != Long.MAX_VALUE) {
          fail("compaction", "cancelled at compact_revision " + c + " though the watch only owed revisions from " + next + ", which compaction keeps");
        }
      }
      long start = w.request().startRevision();
      if (start == 0) {
        return;
      }
      for (Compaction c : compactions) {
        if (!c.acknowledged() || !Objects.equals(c.member(), w.member()) || c.ret() >= w.requested() || start >= c.revision()) {
          continue;
        }
        String why = "watch from revision " + start + " opened after " + c.member() + " acknowledged a compaction at " + c.revision();
        if (!got.isEmpty()) {
          fail("compaction", why + " delivered " + got.get(0) + " instead of being cancelled");
        }
        if (cancel != null && cancel.isCompactionCancel() && cancel.compactRevision() < c.revision()) {
          fail("compaction", why + " was cancelled at compact_revision " + cancel.compactRevision());
        }
      }
    }

    private static boolean sameEvent(Event a, Event b) {
      return a.revision() == b.revision() && a.key().equals(b.key()) && a.type() == b.type();
    }

    private static String name(Event e) {
      return (e.type() == WatchRecord.EventType.PUT ? "put " : "delete ") + e.key() + "@" + e.revision();
    }
  }
}
