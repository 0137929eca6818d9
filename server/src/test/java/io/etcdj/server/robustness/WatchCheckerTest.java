package io.etcdj.server.robustness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.WatchRecord.Event;
import io.etcdj.server.robustness.WatchRecord.Request;
import io.etcdj.server.robustness.WatchRecord.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The watch checker on generated legal streams and on each planted break of a guarantee. */
class WatchCheckerTest {

  /**
   * 2: put a=1; 3: put b=1, c=1 (one txn); 4: put a=2; 5: delete b; 6: put b=2 (lease 9); 7:
   * delete a.
   */
  private static final WriteLog LOG =
      WriteLog.of(
          new WriteLog.Event(2, "a", "1", 0),
          new WriteLog.Event(3, "b", "1", 0),
          new WriteLog.Event(3, "c", "1", 0),
          new WriteLog.Event(4, "a", "2", 0),
          new WriteLog.Event(5, "b", null, 0),
          new WriteLog.Event(6, "b", "2", 9),
          new WriteLog.Event(7, "a", null, 0));

  private static KeyValue kv(String key, String value, long create, long mod, long version, long lease) {
    return new KeyValue(key, value, create, mod, version, lease);
  }

  /** A legal stream for {@code request}: created at revision 1, then one response per revision. */
  private static List<Response> legal(Request request) {
    List<Response> rs = new ArrayList<>();
    rs.add(Response.created(100, 1));
    long time = 100;
    List<Event> batch = new ArrayList<>();
    for (Event e : EventReplay.of(LOG).wanted(request, Math.max(2, request.startRevision()))) {
      if (!batch.isEmpty() && batch.get(0).revision() != e.revision()) {
        rs.add(Response.events(time += 10, batch.get(0).revision(), batch));
        batch = new ArrayList<>();
      }
      batch.add(request.prevKv() ? e : new Event(e.type(), e.kv(), null));
    }
    if (!batch.isEmpty()) {
      rs.add(Response.events(time + 10, batch.get(0).revision(), batch));
    }
    return rs;
  }

  private static WatchRecord record(Request request, List<Response> responses) {
    return new WatchRecord("w", "m1", 50, request, responses);
  }

  private static List<String> check(Request request, UnaryOperator<List<Response>> damage) {
    List<Response> rs = new ArrayList<>(legal(request));
    return WatchChecker.check(record(request, damage.apply(rs)), LOG);
  }

  private static void assertViolation(String fragment, List<String> violations) {
    assertTrue(violations.stream().anyMatch(v -> v.contains(fragment)), fragment + " not in " + violations);
  }

  /** The response carrying revision {@code rev}'s events in a {@link #legal} stream of the whole key space. */
  private static int at(List<Response> rs, long rev) {
    for (int i = 0; i < rs.size(); i++) {
      if (!rs.get(i).events().isEmpty() && rs.get(i).events().get(0).revision() == rev) {
        return i;
      }
    }
    throw new AssertionError("no response at " + rev);
  }

  private static Response withEvents(Response r, List<Event> events) {
    return Response.events(r.time(), r.headerRevision(), events);
  }

  @Test
  void theReplayGivesEtcdsEvents() {
    List<Event> events = EventReplay.of(LOG).events();
    assertEquals(
        List.of(
            Event.put(kv("a", "1", 2, 2, 1, 0), null),
            Event.put(kv("b", "1", 3, 3, 1, 0), null),
            Event.put(kv("c", "1", 3, 3, 1, 0), null),
            Event.put(kv("a", "2", 2, 4, 2, 0), kv("a", "1", 2, 2, 1, 0)),
            Event.delete("b", 5, kv("b", "1", 3, 3, 1, 0)),
            Event.put(kv("b", "2", 6, 6, 1, 9), null),
            Event.delete("a", 7, kv("a", "2", 2, 4, 2, 0))),
        events);
  }

  @Test
  void theLogWatchersRecordIsTheWriteLog() {
    Request r = Request.all().from(1);
    WriteLog log = record(r, legal(r)).writeLog();
    assertEquals(LOG.byRevision(), log.byRevision());
  }

  @Test
  void legalHandStreamsPass() {
    for (Request r :
        List.of(
            Request.all(),
            Request.all().withPrevKv(),
            Request.key("a").withPrevKv(),
            Request.prefix("b"),
            Request.all().from(3).withPrevKv(),
            Request.all().withoutPuts(),
            Request.all().withoutDeletes().withPrevKv(),
            new Request("b", "c", 0, true, false, false, false))) {
      assertEquals(List.of(), WatchChecker.check(record(r, legal(r)), LOG), r.toString());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8})
  void generatedStreamsPass(int seed) {
    Random rnd = new Random(seed);
    Histories.Generated g = Histories.generate(rnd, 4, 400, 0.05);
    List<WatchRecord> records = new ArrayList<>();
    List<Compaction> compactions = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Request r =
          switch (i % 5) {
            case 0 -> Request.all();
            case 1 -> Request.key("k" + rnd.nextInt(3)).withPrevKv();
            case 2 -> Request.prefix("k").from(1 + rnd.nextInt((int) g.log().lastRevision())).withPrevKv();
            case 3 -> Request.all().withoutDeletes().withProgressNotify();
            default -> new Request("k1", "\0", 2 + rnd.nextInt(20), true, false, true, true);
          };
      Histories.GeneratedWatch w = Histories.watch(rnd, g.log(), r, i % 3 == 0);
      records.add(w.record());
      compactions.addAll(w.compactions());
    }
    // One replay for all of them, compactions of every watch in view (none above another's reach).
    List<String> violations = new ArrayList<>();
    for (WatchRecord w : records) {
      violations.addAll(WatchChecker.check(List.of(w), g.log(), compactions));
    }
    assertEquals(List.of(), violations);
    assertTrue(records.stream().mapToLong(w -> w.responses().size()).sum() > 80, "streams too short to mean anything");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 4})
  void generatedStreamsMissingOneEventFail(int seed) {
    Random rnd = new Random(seed);
    Histories.Generated g = Histories.generate(rnd, 4, 300, 0.05);
    int damaged = 0;
    for (int i = 0; i < 20; i++) {
      WatchRecord w = Histories.watch(rnd, g.log(), Request.prefix("k").withPrevKv(), false).record();
      List<Response> rs = new ArrayList<>(w.responses());
      int withEvents = (int) rs.stream().filter(r -> !r.events().isEmpty()).count();
      if (withEvents < 2) {
        continue;
      }
      // Drop the events of any response but the last one with events: a later event vouches for them.
      int victim = 1 + rnd.nextInt(withEvents - 1);
      for (int j = 0, seen = 0; j < rs.size(); j++) {
        if (!rs.get(j).events().isEmpty() && ++seen == victim) {
          rs.set(j, new Response(rs.get(j).time(), 0, List.of(), false, false, 0)); // header 0: not a notification
          break;
        }
      }
      damaged++;
      assertViolation("reliable: lost", WatchChecker.check(new WatchRecord(w.name(), w.member(), 0, w.request(), rs), g.log()));
    }
    assertTrue(damaged > 5, "too few streams to damage: " + damaged);
  }

  @Test
  void aLostEventIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      rs.remove(at(rs, 4));
      return rs;
    });
    assertViolation("reliable: lost [put a@4]", v);
  }

  @Test
  void aDuplicatedEventIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      rs.add(at(rs, 4) + 1, rs.get(at(rs, 4)));
      return rs;
    });
    assertViolation("unique: event put", v);
    assertViolation("delivered twice", v);
  }

  @Test
  void reorderedEventsAreNamed() {
    List<String> v = check(Request.all(), rs -> {
      int four = at(rs, 4);
      Response r = rs.get(four);
      rs.set(four, rs.get(four + 1));
      rs.set(four + 1, r);
      return rs;
    });
    assertViolation("ordered: event put KeyValue[key=a, value=2", v);
    assertViolation("after an event at revision 5", v);
  }

  @Test
  void aRevisionSplitOverTwoResponsesIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      int three = at(rs, 3);
      Response r = rs.get(three);
      rs.set(three, withEvents(r, r.events().subList(0, 1)));
      rs.add(three + 1, withEvents(r, r.events().subList(1, 2)));
      return rs;
    });
    assertEquals(List.of("w: atomic: revision 3 split over two responses"), v);
  }

  @Test
  void aWrongPrevKvIsNamed() {
    Request r = Request.all().withPrevKv();
    List<String> v = check(r, rs -> {
      int four = at(rs, 4);
      Event e = rs.get(four).events().get(0);
      rs.set(four, withEvents(rs.get(four), List.of(Event.put(e.kv(), kv("a", "x", 2, 2, 1, 0)))));
      return rs;
    });
    assertViolation("prev_kv: event put", v);
    assertViolation("but the key before it was KeyValue[key=a, value=1", v);
  }

  @Test
  void aMissingPrevKvIsNamedUnlessItsRevisionWasCompacted() {
    Request r = Request.all().withPrevKv();
    List<Response> rs = new ArrayList<>(legal(r));
    int five = at(rs, 5);
    rs.set(five, withEvents(rs.get(five), List.of(Event.delete("b", 5, null))));
    assertViolation("lacks prev_kv", WatchChecker.check(record(r, rs), LOG));
    List<Compaction> compacted = List.of(new Compaction("m2", 5, 10, 20));
    assertEquals(List.of(), WatchChecker.check(List.of(record(r, rs)), LOG, compacted));
  }

  @Test
  void prevKvNotAskedForIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      int four = at(rs, 4);
      rs.set(four, withEvents(rs.get(four), EventReplay.of(LOG).wanted(Request.key("a"), 4).subList(0, 1)));
      return rs;
    });
    assertViolation("carries prev_kv, which the watch did not ask for", v);
  }

  @Test
  void aWrongIsCreateIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      int four = at(rs, 4);
      rs.set(four, withEvents(rs.get(four), List.of(Event.put(kv("a", "2", 4, 4, 1, 0), null))));
      return rs;
    });
    assertViolation("is_create: event put KeyValue[key=a, value=2, createRevision=4", v);
    assertViolation("is a create, the log's is not a create", v);
  }

  @Test
  void aWrongVersionOrLeaseIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      int six = at(rs, 6);
      rs.set(six, withEvents(rs.get(six), List.of(Event.put(kv("b", "2", 6, 6, 1, 0), null))));
      return rs;
    });
    assertViolation("kv: event put KeyValue[key=b, value=2, createRevision=6, modRevision=6, version=1, lease=0]", v);
    assertViolation("lease=9", v);
  }

  @Test
  void aProgressNotificationAheadOfEventsIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      rs.add(at(rs, 4) + 1, Response.progress(999, 5)); // vouches for 5, whose delete comes after
      return rs;
    });
    assertViolation("bookmarkable: event delete b@5 after a progress notification at revision 5", v);
  }

  @Test
  void aProgressNotificationBehindTheLastEventIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      rs.add(at(rs, 4) + 1, Response.progress(999, 3));
      return rs;
    });
    assertViolation("bookmarkable: progress notification at revision 3 after an event at 4", v);
  }

  @Test
  void anEventBelowTheStartRevisionIsNamed() {
    Request r = Request.all().from(4);
    List<String> v = check(r, rs -> {
      rs.add(1, Response.events(105, 2, EventReplay.of(LOG).wanted(Request.key("a"), 2).subList(0, 1)));
      return rs;
    });
    assertViolation("resumable: event put KeyValue[key=a, value=1", v);
    assertViolation("is below the watch's start revision 4", v);
  }

  @Test
  void aWatchResumingPastItsFirstEventIsNamed() {
    Request r = Request.all().from(3);
    List<String> v = check(r, rs -> {
      rs.remove(at(rs, 3));
      return rs;
    });
    assertViolation("resumable: first event put KeyValue[key=a, value=2", v);
    assertViolation("reliable: lost [put b@3, put c@3]", v);
  }

  @Test
  void eventsOutsideTheFilterAreNamed() {
    Request r = Request.all().withoutPuts();
    List<String> v = check(r, rs -> {
      rs.add(1, Response.events(105, 2, EventReplay.of(LOG).wanted(Request.key("a"), 2).subList(0, 1).stream().map(e -> new Event(e.type(), e.kv(), null)).toList()));
      return rs;
    });
    assertViolation("filter: event put KeyValue[key=a", v);
    Request b = Request.key("b");
    assertViolation("filter: event put KeyValue[key=c", check(b, rs -> {
      rs.add(Response.events(500, 7, List.of(Event.put(kv("c", "1", 3, 3, 1, 0), null))));
      return rs;
    }));
  }

  @Test
  void aWatchOpenedBelowAnAcknowledgedCompactionMustBeCancelled() {
    Request r = Request.all().from(3);
    List<Compaction> compacted = List.of(new Compaction("m1", 5, 10, 20)); // acknowledged before the watch's 50
    List<String> v = WatchChecker.check(List.of(record(r, legal(r))), LOG, compacted);
    assertViolation("compaction: watch from revision 3 opened after m1 acknowledged a compaction at 5 delivered put KeyValue[key=b, value=1", v);
    // Cancelled as etcd does: legal.
    List<Response> cancelled = List.of(Response.created(100, 7), Response.compacted(110, 5));
    assertEquals(List.of(), WatchChecker.check(List.of(record(r, cancelled)), LOG, compacted));
    // Another member may not have applied it yet.
    List<Compaction> elsewhere = List.of(new Compaction("m2", 5, 10, 20));
    assertEquals(List.of(), WatchChecker.check(List.of(record(r, legal(r))), LOG, elsewhere));
  }

  @Test
  void aCancelTheWatchDidNotOweIsNamed() {
    Request r = Request.all();
    List<Compaction> compacted = List.of(new Compaction("m2", 5, 10, 20));
    List<Response> rs = new ArrayList<>(legal(r));
    rs.add(Response.compacted(900, 5)); // it had delivered up to 7: nothing it owes is compacted
    assertViolation("compaction: cancelled at compact_revision 5 though the watch only owed revisions from 8", WatchChecker.check(List.of(record(r, rs)), LOG, compacted));
    assertViolation("compaction: cancelled at compact_revision 5, which no compaction requested", WatchChecker.check(record(r, rs), LOG));
  }

  @Test
  void aBrokenStreamShapeIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      rs.add(2, Response.compacted(105, 1));
      rs.set(at(rs, 4), Response.events(130, 3, rs.get(at(rs, 4)).events()));
      rs.add(Response.created(900, 7));
      return rs;
    });
    assertViolation("stream: created response at position", v);
    assertViolation("response(s) after the cancel at position 2", v);
    assertViolation("stream: header revision 3 below its event", v);
  }

  @Test
  void progressBeyondTheLogIsNamed() {
    List<String> v = check(Request.all(), rs -> {
      rs.add(Response.progress(900, 9));
      return rs;
    });
    assertViolation("reliable: vouches for revision 9, beyond the log's last revision 7", v);
  }
}
