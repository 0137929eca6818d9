package io.etcdj.watch;

import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.storage.failpoint.FailPoints;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.TxnRead;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watchers over the MVCC store (etcd's {@code watchable_store.go}).
 *
 * <ul>
 *   <li><b>synced</b>: watchers at the head of history. {@link #committed} (the apply thread, after
 *       each commit, in revision order) matches the new events against them and offers each
 *       watcher one message.
 *   <li><b>unsynced</b>: watchers that start in the past (or fell behind). {@link #syncUnsynced}
 *       reads their history from the store in bounded passes ({@link #SYNC_WATCHERS_MAX} watchers,
 *       {@link #SYNC_REVISIONS_MAX} revisions, {@link #SYNC_BYTES_MAX} bytes) and moves each to
 *       synced once it has everything published. A watcher whose next revision was compacted is
 *       cancelled with the compacted revision.
 *   <li><b>victims</b>: watchers whose stream buffer was full. They keep their one undelivered
 *       message, get no more events, and {@link #syncVictims} offers it again; once delivered they
 *       go back to unsynced (or synced) and catch up from the store. So a stalled client costs one
 *       message per watcher, and never blocks the apply thread or another stream.
 * </ul>
 *
 * <p>Threading: one lock guards every group and watcher. The apply thread holds it while it
 * matches and enqueues (no I/O); the sync thread reads history from the store without it and takes
 * it only to deliver; stream calls take it briefly. Step methods are public so tests drive them
 * by hand, without the thread.
 */
public final class WatchableStore implements CommitListener, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchableStore.class);

  /** etcd's {@code maxWatchersPerSync}. */
  public static final int SYNC_WATCHERS_MAX = 512;
  /** etcd's {@code watchBatchMaxRevs}: revisions read per sync pass. */
  public static final int SYNC_REVISIONS_MAX = 1_000;
  /** Bytes of history read per sync pass (etcd has no such bound; it ends a pass early). */
  public static final long SYNC_BYTES_MAX = 4L * 1024 * 1024;
  /** etcd's sync loop period. */
  static final long SYNC_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
  /** etcd's victim retry period. */
  static final long VICTIM_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** The narrow view of the store this module needs. */
  public interface Store {
    /** The newest committed revision. */
    long rev();

    /** The compacted revision. */
    long compactRev();

    /** A read view of committed history. */
    TxnRead read();
  }

  /** The {@link Store} view of an MVCC store. */
  public static Store of(KV kv) {
    return new Store() {
      @Override
      public long rev() {
        return kv.rev();
      }

      @Override
      public long compactRev() {
        return kv.compactRev();
      }

      @Override
      public TxnRead read() {
        return kv.read();
      }
    };
  }

  private final ReentrantLock mu = new ReentrantLock();
  private final Store store;
  private final long progressIntervalNanos;
  private final java.util.function.LongSupplier nanoClock;
  private final WatcherGroup synced = new WatcherGroup();
  private final WatcherGroup unsynced = new WatcherGroup();
  private final LinkedHashSet<Watcher> victims = new LinkedHashSet<>();
  private final LinkedHashSet<Watcher> progressWatchers = new LinkedHashSet<>();
  private final LinkedHashSet<WatchStream> progressRequested = new LinkedHashSet<>();
  /** The last revision whose events {@link #committed} has handed to the synced watchers. */
  private long notifiedRev;
  private int streams;

  private final Thread syncThread;
  private volatile boolean running;
  private volatile boolean wake;
  /** Set by a sync pass that read history (sync thread only). */
  private boolean lastPassRead;

  /**
   * @param progressIntervalNanos how often idle watchers with progress_notify get a progress
   *     message (etcd's {@code --experimental-watch-progress-notify-interval}, 10 min)
   */
  public WatchableStore(Store store, long progressIntervalNanos) {
    this(store, progressIntervalNanos, System::nanoTime);
  }

  /** @param nanoClock the clock of progress notifications (a manual one in tests) */
  WatchableStore(Store store, long progressIntervalNanos, java.util.function.LongSupplier nanoClock) {
    if (progressIntervalNanos <= 0) {
      throw new IllegalArgumentException("progress interval must be positive");
    }
    this.store = store;
    this.nanoClock = nanoClock;
    this.progressIntervalNanos = progressIntervalNanos;
    this.notifiedRev = store.rev();
    this.syncThread = new Thread(this::syncLoop, "etcdj-watch-sync");
    syncThread.setDaemon(true);
  }

  // ---------------------------------------------------------------- streams

  /** A new stream whose messages go to {@code sink}. */
  public WatchStream newStream(WatchSink sink) {
    mu.lock();
    try {
      streams++;
      WatchStream stream = new WatchStream(this, sink);
      // etcd runs one progress ticker per stream, from the stream's start.
      stream.nextProgressNanos = nanoClock.getAsLong() + progressIntervalNanos;
      return stream;
    } finally {
      mu.unlock();
    }
  }

  long watch(WatchStream stream, WatchSpec spec) {
    mu.lock();
    try {
      long curRev = store.rev();
      if (stream.closed) {
        return -1;
      }
      if (spec.isEmptyRange()) {
        stream.sink.control(WatchResponse.refused(curRev, WatchStream.EMPTY_RANGE));
        return -1;
      }
      long id = spec.watchId();
      if (id == WatchStream.AUTO_WATCH_ID) {
        id = stream.nextAutoId();
      } else if (stream.watchers.containsKey(id)) {
        stream.sink.control(WatchResponse.refused(curRev, WatchStream.DUPLICATE_ID));
        return -1;
      }
      long start = spec.startRevision();
      // etcd: a watcher from now on, or from a revision not yet written, is synced at once.
      boolean isSynced = start == 0 || start > curRev;
      Watcher w = new Watcher(id, spec, stream, isSynced ? Math.max(curRev + 1, start) : start);
      stream.watchers.put(id, w);
      stream.sink.control(WatchResponse.created(w, curRev));
      if (spec.progressNotify()) {
        progressWatchers.add(w);
      }
      if (isSynced) {
        moveTo(w, Watcher.State.SYNCED);
      } else {
        moveTo(w, Watcher.State.UNSYNCED);
        wakeSync(); // catch up now rather than at the next tick
      }
      return id;
    } finally {
      mu.unlock();
    }
  }

  boolean cancel(WatchStream stream, long id) {
    mu.lock();
    try {
      Watcher w = stream.watchers.get(id);
      if (w == null) {
        return false;
      }
      remove(w);
      stream.sink.control(WatchResponse.canceled(w, store.rev()));
      sendRequestedProgress(stream);
      return true;
    } finally {
      mu.unlock();
    }
  }

  void requestProgress(WatchStream stream) {
    mu.lock();
    try {
      if (stream.closed) {
        return;
      }
      stream.progressRequested = true;
      progressRequested.add(stream);
      sendRequestedProgress(stream);
    } finally {
      mu.unlock();
    }
  }

  void closeStream(WatchStream stream) {
    mu.lock();
    try {
      if (stream.closed) {
        return;
      }
      stream.closed = true;
      streams--;
      for (Watcher w : new ArrayList<>(stream.watchers.values())) {
        remove(w);
      }
      progressRequested.remove(stream);
    } finally {
      mu.unlock();
    }
  }

  int streamSize(WatchStream stream) {
    mu.lock();
    try {
      return stream.watchers.size();
    } finally {
      mu.unlock();
    }
  }

  /** Takes {@code w} out of its group and its stream for good. Lock held. */
  private void remove(Watcher w) {
    moveTo(w, Watcher.State.GONE);
    w.pending = null;
    w.stream.watchers.remove(w.id);
    progressWatchers.remove(w);
  }

  /** Moves a watcher between groups, keeping its stream's count of watchers behind. Lock held. */
  private void moveTo(Watcher w, Watcher.State to) {
    Watcher.State from = w.state;
    if (from == to) {
      return;
    }
    if (from != null) {
      switch (from) {
        case SYNCED -> synced.remove(w);
        case UNSYNCED -> unsynced.remove(w);
        case VICTIM -> victims.remove(w);
        case GONE -> throw new IllegalStateException(w + " is gone");
      }
    }
    switch (to) {
      case SYNCED -> synced.add(w);
      case UNSYNCED -> unsynced.add(w);
      case VICTIM -> victims.add(w);
      case GONE -> {}
    }
    boolean wasBehind = from == Watcher.State.UNSYNCED || from == Watcher.State.VICTIM;
    boolean isBehind = to == Watcher.State.UNSYNCED || to == Watcher.State.VICTIM;
    if (wasBehind != isBehind) {
      w.stream.behind += isBehind ? 1 : -1;
    }
    w.state = to;
  }

  /** A requested progress goes out once nothing on the stream is behind. Lock held. */
  private void sendRequestedProgress(WatchStream stream) {
    boolean planted = FailPoints.on(FailPoints.BUG_PROGRESS_AHEAD_OF_EVENTS);
    if (!stream.progressRequested || (stream.behind > 0 && !planted) || stream.closed) {
      return;
    }
    stream.progressRequested = false;
    progressRequested.remove(stream);
    // The planted bug answers as etcd 3.4 did (issue 15220): at once, with the store's revision,
    // which may be ahead of events not yet sent.
    stream.sink.control(WatchResponse.progress(-1, planted ? store.rev() : notifiedRev, null));
  }

  // ---------------------------------------------------------------- publish (apply thread)

  /**
   * Publishes what one committed batch changed (each txn's changes, in revision order) to the
   * synced watchers: one message per watcher holding every event of the batch it matches. Apply
   * thread only, after the commit made the changes readable, in commit order.
   */
  @Override
  public void committed(List<KeyValue> changes) {
    if (changes.isEmpty()) {
      return;
    }
    int n = changes.size();
    long rev = changes.get(n - 1).getModRevision();
    mu.lock();
    try {
      if (rev <= notifiedRev) {
        throw new IllegalStateException(
            "notify at revision " + rev + " after revision " + notifiedRev);
      }
      if (!synced.isEmpty()) {
        deliver(toEvents(changes), rev);
      }
      notifiedRev = rev;
    } finally {
      mu.unlock();
    }
  }

  private static List<Event> toEvents(List<KeyValue> changes) {
    ArrayList<Event> events = new ArrayList<>(changes.size());
    for (KeyValue kv : changes) {
      events.add(toEvent(kv, kv.getVersion() == 0));
    }
    return events;
  }

  private static Event toEvent(KeyValue kv, boolean delete) {
    return Event.newBuilder()
        .setType(delete ? Event.EventType.DELETE : Event.EventType.PUT)
        .setKv(kv)
        .build();
  }

  /** Offers each matching synced watcher its events of the batch up to {@code rev}. Lock held. */
  private void deliver(List<Event> events, long rev) {
    if (events.size() == 1) {
      // The common case (one change per commit): no per-watcher lists.
      Event ev = events.get(0);
      List<Event> one = List.of(ev);
      ArrayList<Watcher> matched = new ArrayList<>();
      synced.match(ev.getKv().getKey().toByteArray(), matched::add);
      for (Watcher w : matched) {
        if (ev.getKv().getModRevision() >= w.minRev) {
          send(w, w.accepts(ev) ? one : List.of(), rev);
        }
      }
      return;
    }
    Map<Watcher, List<Event>> batches = new IdentityHashMap<>();
    for (Event ev : events) {
      long evRev = ev.getKv().getModRevision();
      synced.match(
          ev.getKv().getKey().toByteArray(),
          w -> {
            if (evRev >= w.minRev) {
              List<Event> list = batches.computeIfAbsent(w, k -> new ArrayList<>(4));
              if (w.accepts(ev)) {
                list.add(ev);
              }
            }
          });
    }
    for (Map.Entry<Watcher, List<Event>> e : batches.entrySet()) {
      send(e.getKey(), e.getValue(), rev);
    }
  }

  /**
   * Offers a synced watcher its events up to {@code upToRev}; a full stream makes it a victim that
   * keeps the message. Events all filtered out send nothing (etcd). Lock held.
   */
  private void send(Watcher w, List<Event> events, long upToRev) {
    if (events.isEmpty()) {
      w.minRev = upToRev + 1;
      return;
    }
    WatchResponse resp = WatchResponse.events(w, upToRev, events);
    if (w.stream.sink.offer(resp)) {
      w.minRev = upToRev + 1;
      w.sentSinceTick = true;
      return;
    }
    w.pending = resp;
    w.pendingUpToRev = upToRev;
    moveTo(w, Watcher.State.VICTIM);
  }

  /**
   * The store was replaced by a snapshot (apply thread): every synced watcher may have missed the
   * revisions in between, so all of them catch up from the new store (etcd's {@code Restore}).
   */
  @Override
  public void restored() {
    mu.lock();
    try {
      for (Watcher w : new ArrayList<>(synced.watchers())) {
        moveTo(w, Watcher.State.UNSYNCED);
      }
      notifiedRev = Math.max(notifiedRev, store.rev());
    } finally {
      mu.unlock();
    }
    wakeSync();
  }

  // ---------------------------------------------------------------- catch-up (sync thread)

  /**
   * One pass over at most {@link #SYNC_WATCHERS_MAX} unsynced watchers (etcd's {@code
   * syncWatchers}): cancels those whose next revision was compacted, reads the history they need
   * (bounded) from the store without holding the lock, then offers each its events and moves to
   * synced those that now have everything.
   *
   * @return the number of watchers still unsynced
   */
  public int syncUnsynced() {
    List<Watcher> chosen = new ArrayList<>();
    long minRev = Long.MAX_VALUE;
    long compactRev;
    long curRev;
    mu.lock();
    try {
      if (unsynced.isEmpty()) {
        return 0;
      }
      compactRev = store.compactRev();
      // Up to what the watchers were notified of, not the store's revision: the apply thread
      // publishes a commit before it notifies, and a catch-up past the notified revision would
      // settle a watcher ahead of the progress notifications its stream may then get.
      curRev = notifiedRev;
      Iterator<Watcher> it = unsynced.watchers().iterator();
      List<Watcher> compacted = new ArrayList<>();
      List<Watcher> caughtUp = new ArrayList<>();
      while (it.hasNext() && chosen.size() < SYNC_WATCHERS_MAX) {
        Watcher w = it.next();
        if (w.minRev < compactRev) {
          compacted.add(w); // etcd: reading at compactRev itself still works
        } else if (w.minRev > curRev) {
          caughtUp.add(w);
        } else {
          chosen.add(w);
          minRev = Math.min(minRev, w.minRev);
        }
      }
      for (Watcher w : compacted) {
        remove(w);
        w.stream.sink.control(WatchResponse.compacted(w, compactRev));
        sendRequestedProgress(w.stream);
      }
      for (Watcher w : caughtUp) {
        settle(w);
      }
      if (chosen.isEmpty()) {
        return unsynced.size();
      }
    } finally {
      mu.unlock();
    }
    History history = readHistory(minRev, curRev, compactRev);
    lastPassRead = history != null;
    mu.lock();
    try {
      if (history == null) {
        return unsynced.size(); // a compaction landed during the read: look again next pass
      }
      WatcherGroup group = new WatcherGroup();
      for (Watcher w : chosen) {
        if (w.state == Watcher.State.UNSYNCED) {
          group.add(w);
        }
      }
      Map<Watcher, List<Event>> batches = new IdentityHashMap<>();
      for (Event ev : history.events) {
        long evRev = ev.getKv().getModRevision();
        group.match(
            ev.getKv().getKey().toByteArray(),
            w -> {
              if (evRev >= w.minRev && w.accepts(ev) && !plantedLostDelete(ev, compactRev)) {
                batches.computeIfAbsent(w, k -> new ArrayList<>()).add(ev);
              }
            });
      }
      for (Watcher w : group.watchers()) {
        if (w.minRev > history.upToRev) {
          continue; // got further meanwhile (cannot happen while unsynced, kept for safety)
        }
        List<Event> evs = batches.get(w);
        if (evs == null) {
          w.minRev = history.upToRev + 1;
        } else {
          WatchResponse resp = WatchResponse.events(w, history.upToRev, evs);
          if (w.stream.sink.offer(resp)) {
            w.minRev = history.upToRev + 1;
            w.sentSinceTick = true;
          } else {
            w.pending = resp;
            w.pendingUpToRev = history.upToRev;
            moveTo(w, Watcher.State.VICTIM);
            continue;
          }
        }
      }
      for (Watcher w : chosen) {
        if (w.state == Watcher.State.UNSYNCED) {
          settle(w);
        }
      }
      return unsynced.size();
    } finally {
      mu.unlock();
    }
  }

  /**
   * An unsynced watcher that has every event up to the last notified revision joins synced;
   * otherwise it goes to the back of the unsynced queue. Lock held.
   */
  private void settle(Watcher w) {
    if (w.minRev > notifiedRev) {
      moveTo(w, Watcher.State.SYNCED);
      sendRequestedProgress(w.stream);
    } else {
      unsynced.requeue(w); // to the back: passes go round-robin over the unsynced
    }
  }

  /** The planted bug BUG_LOST_DELETE_AFTER_COMPACTION: drops a catch-up read's deletes. */
  private static boolean plantedLostDelete(Event ev, long compactRev) {
    return compactRev > 0
        && ev.getType() == Event.EventType.DELETE
        && FailPoints.on(FailPoints.BUG_LOST_DELETE_AFTER_COMPACTION);
  }

  /** Events read for a sync pass: every change in [from, upToRev]. */
  private record History(List<Event> events, long upToRev) {}

  /**
   * Reads history from {@code fromRev} up to {@code notified}: at most {@link
   * #SYNC_REVISIONS_MAX} revisions and, past {@link #SYNC_BYTES_MAX} bytes, no further revision
   * (a revision is never split). Returns null
   * when a compaction was published while reading (the read may miss removed revisions).
   */
  private History readHistory(long fromRev, long notified, long compactRevBefore) {
    ArrayList<Event> events = new ArrayList<>();
    fromRev = Math.max(fromRev, 1); // etcd accepts a negative start revision: history starts at 1
    long upToRev;
    try (TxnRead read = store.read()) {
      long toRev = Math.min(Math.min(read.rev(), notified), fromRev + SYNC_REVISIONS_MAX - 1);
      long[] bytes = {0};
      long[] lastRev = {fromRev - 1};
      long[] stoppedAt = {0};
      read.changes(
          fromRev,
          toRev,
          (kv, delete) -> {
            long rev = kv.getModRevision();
            if (rev != lastRev[0] && bytes[0] >= SYNC_BYTES_MAX) {
              stoppedAt[0] = rev;
              return false; // the budget is spent: stop at a revision boundary
            }
            lastRev[0] = rev;
            bytes[0] += kv.getSerializedSize();
            events.add(toEvent(kv, delete));
            return true;
          });
      upToRev = stoppedAt[0] != 0 ? stoppedAt[0] - 1 : toRev;
    }
    if (store.compactRev() != compactRevBefore) {
      return null;
    }
    return new History(events, upToRev);
  }

  /**
   * Offers every victim its kept message again (etcd's {@code syncVictimsLoop}); a delivered one
   * goes on from the next revision, in synced or unsynced.
   *
   * @return the number of victims left
   */
  public int syncVictims() {
    mu.lock();
    try {
      if (victims.isEmpty()) {
        return 0;
      }
      for (Watcher w : new ArrayList<>(victims)) {
        if (!w.stream.sink.offer(w.pending)) {
          continue;
        }
        w.minRev = w.pendingUpToRev + 1;
        w.pending = null;
        w.sentSinceTick = true;
        if (w.minRev > notifiedRev) {
          moveTo(w, Watcher.State.SYNCED);
          sendRequestedProgress(w.stream);
        } else {
          moveTo(w, Watcher.State.UNSYNCED);
        }
      }
      return victims.size();
    } finally {
      mu.unlock();
    }
  }

  /**
   * etcd's per-stream progress ticker: for each stream whose period has come round, a progress
   * notification to each of its synced watchers that asked for them and sent nothing since the
   * stream's last tick. Dropped, not retried, when the stream is full (etcd).
   */
  public void progressTick() {
    long now = nanoClock.getAsLong();
    mu.lock();
    try {
      List<WatchStream> due = new ArrayList<>();
      for (Watcher w : progressWatchers) {
        WatchStream stream = w.stream;
        if (now - stream.nextProgressNanos < 0) {
          continue;
        }
        boolean caughtUp =
            w.state == Watcher.State.SYNCED
                || FailPoints.on(FailPoints.BUG_PROGRESS_AHEAD_OF_EVENTS); // planted bug
        if (caughtUp && !w.sentSinceTick) {
          stream.sink.offer(WatchResponse.progress(w.id, notifiedRev, w.spec));
        }
        w.sentSinceTick = false;
        due.add(stream);
      }
      for (WatchStream stream : due) {
        while (now - stream.nextProgressNanos >= 0) {
          stream.nextProgressNanos += progressIntervalNanos;
        }
      }
    } finally {
      mu.unlock();
    }
  }

  // ---------------------------------------------------------------- sync thread

  /** Starts the sync thread (unsynced every 100 ms, victims every 10 ms, progress ticks). */
  public void start() {
    running = true;
    syncThread.start();
  }

  @Override
  public void close() {
    running = false;
    LockSupport.unpark(syncThread);
    if (syncThread.isAlive()) {
      try {
        syncThread.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void syncLoop() {
    long nextSync = System.nanoTime();
    while (running) {
      try {
        long now = System.nanoTime();
        if (wake || now - nextSync >= 0) {
          wake = false;
          lastPassRead = false;
          int left = syncUnsynced();
          long took = System.nanoTime() - now;
          // More history to read: go again after yielding as long as the pass took (etcd).
          nextSync = now + (left > 0 && lastPassRead ? took : SYNC_INTERVAL_NANOS);
        }
        long waitNanos = syncVictims() > 0 ? VICTIM_INTERVAL_NANOS : SYNC_INTERVAL_NANOS;
        progressTick(); // cheap when no watcher asked for progress
        long untilSync = nextSync - System.nanoTime();
        if (!wake) {
          LockSupport.parkNanos(Math.max(0, Math.min(waitNanos, untilSync)));
        }
      } catch (RuntimeException e) {
        // E.g. no free LMDB reader slot for a catch-up read: the watchers wait for the next pass.
        LOG.warn("watch sync pass failed; retrying in 100 ms", e);
        LockSupport.parkNanos(SYNC_INTERVAL_NANOS);
      }
    }
  }

  /** Wakes the sync thread for a new unsynced watcher or a restore. */
  private void wakeSync() {
    wake = true;
    LockSupport.unpark(syncThread);
  }

  /** Counts for tests and metrics (etcd's watcher gauges). */
  public record Counts(int streams, int synced, int unsynced, int victims) {}

  public Counts counts() {
    mu.lock();
    try {
      return new Counts(streams, synced.size(), unsynced.size(), victims.size());
    } finally {
      mu.unlock();
    }
  }

  /** The last revision handed to the synced watchers. */
  public long notifiedRev() {
    mu.lock();
    try {
      return notifiedRev;
    } finally {
      mu.unlock();
    }
  }
}
