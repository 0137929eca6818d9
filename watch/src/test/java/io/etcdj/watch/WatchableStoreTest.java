package io.etcdj.watch;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The watcher groups stepped by hand: no sync thread, no sleeps. */
class WatchableStoreTest {
  private final KV kv = KvStores.openInMemory();
  private final long[] nowNanos = {0};
  private final WatchableStore ws =
      new WatchableStore(WatchableStore.of(kv), 1_000_000_000L, () -> nowNanos[0]);

  @AfterEach
  void close() {
    ws.close();
    kv.close();
  }

  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  /** One committed batch of one txn per write ("k=v" puts, "-k" deletes), published to watchers. */
  private long write(String... ops) {
    List<KeyValue> changes = new ArrayList<>();
    try (WriteBatch batch = kv.beginBatch()) {
      for (String op : ops) {
        TxnWrite txn = batch.write();
        if (op.startsWith("-")) {
          txn.deleteRange(b(op.substring(1)), null);
        } else {
          String[] kvp = op.split("=", 2);
          txn.put(b(kvp[0]), b(kvp[1]), 0);
        }
        changes.addAll(txn.changes());
        txn.end();
      }
      batch.commit();
    }
    ws.committed(changes);
    return kv.rev();
  }

  private void compact(long rev) {
    try (WriteBatch batch = kv.beginBatch()) {
      batch.compact(rev);
      batch.commit();
    }
    while (kv.compactionStep(1000)) {}
  }

  private static WatchSpec spec(String key, String end, long startRev) {
    return new WatchSpec(
        b(key), end == null ? null : b(end), startRev, 0, false, false, false, false, false);
  }

  /** "PUT k@rev" / "DELETE k@rev" for every event, in delivery order. */
  private static List<String> events(RecordingSink sink) {
    List<String> out = new ArrayList<>();
    for (WatchResponse r : sink.ofKind(WatchResponse.Kind.EVENTS)) {
      for (Event e : r.events()) {
        out.add(e.getType() + " " + e.getKv().getKey().toStringUtf8() + "@" + e.getKv().getModRevision());
      }
    }
    return out;
  }

  @Test
  void syncedWatchersGetPutsAndDeletesOfTheirKeyOrRange() {
    RecordingSink single = new RecordingSink(100);
    RecordingSink prefix = new RecordingSink(100);
    RecordingSink fromKey = new RecordingSink(100);
    ws.newStream(single).watch(spec("a", null, 0));
    ws.newStream(prefix).watch(spec("a", "b", 0));
    ws.newStream(fromKey).watch(spec("b", "", 0)); // range end "\0": every key ≥ b
    write("a=1");
    write("ab=2", "c=3");
    write("-a");
    assertEquals(List.of("PUT a@2", "DELETE a@5"), events(single));
    assertEquals(List.of("PUT a@2", "PUT ab@3", "DELETE a@5"), events(prefix));
    assertEquals(List.of("PUT c@4"), events(fromKey));
    // created comes first, with the revision the watch starts after
    assertEquals(WatchResponse.Kind.CREATED, single.received.get(0).kind());
    assertEquals(1, single.received.get(0).revision());
    // a delete event carries only the key and its revision
    Event del = single.ofKind(WatchResponse.Kind.EVENTS).get(1).events().get(0);
    assertEquals(0, del.getKv().getVersion());
    assertTrue(del.getKv().getValue().isEmpty());
  }

  @Test
  void filtersDropEventsAndSendNothingWhenAllAreDropped() {
    RecordingSink sink = new RecordingSink(100);
    ws.newStream(sink)
        .watch(new WatchSpec(b("k"), null, 0, 0, true, false, false, false, false));
    write("k=1");
    write("-k");
    assertEquals(List.of("DELETE k@3"), events(sink));
    assertEquals(1, sink.ofKind(WatchResponse.Kind.EVENTS).size());
  }

  @Test
  void aWatcherFromThePastCatchesUpThenFollows() {
    write("k=1");
    write("k=2");
    write("other=x");
    RecordingSink sink = new RecordingSink(100);
    ws.newStream(sink).watch(spec("k", null, 2));
    assertEquals(1, ws.counts().unsynced());
    write("k=3"); // while unsynced: not delivered by notify
    assertEquals(List.of(), events(sink));
    assertEquals(0, ws.syncUnsynced());
    assertEquals(List.of("PUT k@2", "PUT k@3", "PUT k@5"), events(sink));
    write("k=4");
    assertEquals(List.of("PUT k@2", "PUT k@3", "PUT k@5", "PUT k@6"), events(sink));
    assertEquals(new WatchableStore.Counts(1, 1, 0, 0), ws.counts());
  }

  @Test
  void aFutureStartRevisionWaits() {
    RecordingSink sink = new RecordingSink(100);
    ws.newStream(sink).watch(spec("k", null, 4));
    write("k=a"); // 2
    write("k=b"); // 3
    write("k=c"); // 4
    assertEquals(List.of("PUT k@4"), events(sink));
  }

  @Test
  void aCompactedStartRevisionIsCancelledWithTheCompactRevision() {
    write("k=1"); // 2
    write("k=2"); // 3
    write("k=3"); // 4
    compact(3);
    RecordingSink old = new RecordingSink(100);
    RecordingSink atCompact = new RecordingSink(100);
    ws.newStream(old).watch(spec("k", null, 2));
    ws.newStream(atCompact).watch(spec("k", null, 3));
    ws.syncUnsynced();
    List<WatchResponse> cancels = old.ofKind(WatchResponse.Kind.COMPACTED);
    assertEquals(1, cancels.size());
    assertEquals(3, cancels.get(0).compactRevision());
    assertEquals(0, cancels.get(0).revision());
    assertEquals(List.of(), events(old));
    // etcd: a watch from the compacted revision itself still works
    assertEquals(List.of("PUT k@3", "PUT k@4"), events(atCompact));
    assertEquals(new WatchableStore.Counts(2, 1, 0, 0), ws.counts());
  }

  @Test
  void aFullStreamMakesAVictimThatCatchesUpWithoutGapsOrRepeats() {
    RecordingSink slow = new RecordingSink(1);
    RecordingSink fast = new RecordingSink(1_000);
    ws.newStream(slow).watch(spec("k", "l", 0));
    ws.newStream(fast).watch(spec("k", "l", 0));
    for (int i = 0; i < 20; i++) {
      write("k" + (i % 3) + "=" + i);
    }
    assertEquals(20, events(fast).size(), "a stalled stream never holds up another");
    assertEquals(1, events(slow).size());
    assertEquals(1, ws.counts().victims());
    assertEquals(1, ws.syncVictims(), "offered again while full: the victim stays");
    slow.drain();
    ws.syncVictims();
    assertEquals(0, ws.counts().victims());
    assertEquals(1, ws.counts().unsynced());
    while (ws.counts().unsynced() > 0) {
      slow.drain();
      ws.syncUnsynced();
      ws.syncVictims();
    }
    slow.drain();
    write("k9=last");
    assertEquals(events(fast), events(slow));
  }

  @Test
  void victimsStayVictimsWhileTheStreamIsFull() {
    RecordingSink slow = new RecordingSink(1);
    ws.newStream(slow).watch(spec("k", null, 0));
    write("k=1");
    write("k=2");
    assertEquals(1, ws.syncVictims());
    write("k=3"); // not delivered, not kept: read from the store later
    assertEquals(List.of("PUT k@2"), events(slow));
  }

  @Test
  void aSyncPassReadsAtMostAThousandRevisions() {
    for (int i = 0; i < 2_500; i++) {
      write("k=" + i);
    }
    RecordingSink sink = new RecordingSink(100);
    ws.newStream(sink).watch(spec("k", null, 2));
    assertEquals(1, ws.syncUnsynced());
    assertEquals(1_000, events(sink).size());
    assertEquals(1, ws.syncUnsynced());
    assertEquals(0, ws.syncUnsynced());
    List<String> got = events(sink);
    assertEquals(2_500, got.size());
    for (int i = 0; i < got.size(); i++) {
      assertEquals("PUT k@" + (i + 2), got.get(i));
    }
    List<WatchResponse> batches = sink.ofKind(WatchResponse.Kind.EVENTS);
    assertEquals(1_001, batches.get(0).revision(), "header revision: last revision covered");
  }

  @Test
  void idsAreGivenOutPerStreamAndDuplicatesAndEmptyRangesAreRefused() {
    RecordingSink sink = new RecordingSink(100);
    WatchStream s = ws.newStream(sink);
    assertEquals(0, s.watch(spec("a", null, 0)));
    assertEquals(
        2, s.watch(new WatchSpec(b("a"), null, 0, 2, false, false, false, false, false)));
    assertEquals(1, s.watch(spec("a", null, 0)));
    assertEquals(3, s.watch(spec("a", null, 0)), "auto ids skip ids the client chose");
    assertEquals(
        -1, s.watch(new WatchSpec(b("a"), null, 0, 2, false, false, false, false, false)));
    assertEquals(-1, s.watch(spec("b", "a", 0)));
    List<WatchResponse> refused = sink.ofKind(WatchResponse.Kind.REFUSED);
    assertEquals(WatchStream.DUPLICATE_ID, refused.get(0).cancelReason());
    assertEquals(WatchStream.EMPTY_RANGE, refused.get(1).cancelReason());
    assertEquals(-1, refused.get(0).watchId());
    assertEquals(0, ws.newStream(new RecordingSink(1)).watch(spec("a", null, 0)), "per stream");
  }

  @Test
  void cancelEndsEventsAndUnknownIdsAreIgnored() {
    RecordingSink sink = new RecordingSink(100);
    WatchStream s = ws.newStream(sink);
    long id = s.watch(spec("k", null, 0));
    write("k=1");
    assertTrue(s.cancel(id));
    assertFalse(s.cancel(id));
    write("k=2");
    assertEquals(List.of("PUT k@2"), events(sink));
    assertEquals(WatchResponse.Kind.CANCELED, sink.received.get(sink.received.size() - 1).kind());
    assertEquals(new WatchableStore.Counts(1, 0, 0, 0), ws.counts());
  }

  @Test
  void aRequestedProgressWaitsUntilEveryWatcherOfTheStreamIsSynced() {
    write("k=1");
    write("k=2");
    RecordingSink sink = new RecordingSink(100);
    WatchStream s = ws.newStream(sink);
    s.watch(spec("k", null, 2));
    s.requestProgress();
    assertEquals(List.of(), sink.ofKind(WatchResponse.Kind.PROGRESS), "not before the history");
    ws.syncUnsynced();
    List<WatchResponse> progress = sink.ofKind(WatchResponse.Kind.PROGRESS);
    assertEquals(1, progress.size());
    assertEquals(-1, progress.get(0).watchId());
    assertEquals(3, progress.get(0).revision());
    WatchResponse last = sink.received.get(sink.received.size() - 1);
    assertEquals(WatchResponse.Kind.PROGRESS, last.kind(), "after the events it bounds");
    s.requestProgress();
    assertEquals(2, sink.ofKind(WatchResponse.Kind.PROGRESS).size(), "synced: at once");
  }

  /**
   * The apply thread publishes a commit's revision before it notifies the watchers. A watcher
   * catching up in that gap once read history up to the store's revision, settled as synced, and
   * then got a progress notification at the lower notified revision: behind an event it already
   * had (a robustness run caught it on a member that had just joined).
   */
  @Test
  void aCatchUpNeverGoesPastWhatWatchersWereNotifiedOf() {
    write("k=1");
    List<KeyValue> unpublished = new ArrayList<>();
    try (WriteBatch batch = kv.beginBatch()) { // committed, not yet notified
      TxnWrite txn = batch.write();
      txn.put(b("k"), b("2"), 0);
      unpublished.addAll(txn.changes());
      txn.end();
      batch.commit();
    }
    RecordingSink sink = new RecordingSink(100);
    WatchStream s = ws.newStream(sink);
    s.watch(spec("k", null, 2));
    ws.syncUnsynced();
    s.requestProgress();
    assertEquals(List.of("PUT k@2"), events(sink), "the catch-up stops at the notified revision");
    ws.committed(unpublished);
    s.requestProgress();
    assertEquals(List.of("PUT k@2", "PUT k@3"), events(sink));
    long lastEvent = 0;
    for (WatchResponse r : sink.received) {
      if (r.kind() == WatchResponse.Kind.EVENTS) {
        lastEvent = r.events().get(r.events().size() - 1).getKv().getModRevision();
      } else if (r.kind() == WatchResponse.Kind.PROGRESS) {
        assertTrue(r.revision() >= lastEvent, "progress at " + r.revision() + " after an event at " + lastEvent);
      }
    }
  }

  @Test
  void progressTicksReachOnlyIdleWatchersThatAskedForThem() {
    RecordingSink sink = new RecordingSink(100);
    WatchStream s = ws.newStream(sink);
    long asked = s.watch(new WatchSpec(b("k"), null, 0, 0, false, false, true, false, false));
    s.watch(spec("k", null, 0));
    write("k=1");
    ws.progressTick(); // the stream's first period has not passed yet
    nowNanos[0] += 1_000_000_000L;
    ws.progressTick(); // events since the last tick: no notification
    assertEquals(List.of(), sink.ofKind(WatchResponse.Kind.PROGRESS));
    nowNanos[0] += 500_000_000L;
    ws.progressTick(); // not due: half a period later
    assertEquals(List.of(), sink.ofKind(WatchResponse.Kind.PROGRESS));
    nowNanos[0] += 500_000_000L;
    ws.progressTick();
    List<WatchResponse> progress = sink.ofKind(WatchResponse.Kind.PROGRESS);
    assertEquals(1, progress.size());
    assertEquals(asked, progress.get(0).watchId());
    assertEquals(2, progress.get(0).revision());
  }

  @Test
  void aRestoreSendsEveryWatcherBackToCatchUp() {
    RecordingSink sink = new RecordingSink(100);
    ws.newStream(sink).watch(spec("k", null, 0));
    // Revisions written without notify stand for a snapshot installed under the watchers.
    try (WriteBatch batch = kv.beginBatch()) {
      TxnWrite txn = batch.write();
      txn.put(b("k"), b("snap"), 0);
      txn.end();
      batch.commit();
    }
    ws.restored();
    assertEquals(1, ws.counts().unsynced());
    ws.syncUnsynced();
    assertEquals(List.of("PUT k@2"), events(sink));
    write("k=after");
    assertEquals(List.of("PUT k@2", "PUT k@3"), events(sink));
  }

  @Test
  void closingAStreamRemovesItsWatchersSilently() {
    RecordingSink sink = new RecordingSink(100);
    WatchStream s = ws.newStream(sink);
    s.watch(spec("k", null, 0));
    s.watch(spec("a", "z", 1));
    s.close();
    write("k=1");
    assertEquals(new WatchableStore.Counts(0, 0, 0, 0), ws.counts());
    assertEquals(2, sink.received.size(), "only the two created messages");
  }
}
