package io.etcdj.server.transport;

import io.etcdj.api.internal.Message;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A {@link RaftHandler} that records everything; {@link #gate} can hold {@link #process} back. */
final class RecordingHandler implements RaftHandler {
  record SnapshotReport(long id, boolean ok) {}

  record ReceivedSnapshot(Message msgSnap, Path file) {}

  final LinkedBlockingQueue<Message> processed = new LinkedBlockingQueue<>();
  final ConcurrentHashMap<Long, AtomicInteger> unreachable = new ConcurrentHashMap<>();
  final List<SnapshotReport> snapshotReports = new CopyOnWriteArrayList<>();
  final LinkedBlockingQueue<ReceivedSnapshot> snapshots = new LinkedBlockingQueue<>();
  volatile CountDownLatch gate;
  final AtomicInteger selfRemovedReports = new AtomicInteger();

  @Override
  public void process(Message m) {
    CountDownLatch g = gate;
    if (g != null) {
      try {
        if (!g.await(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("gate never opened");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    processed.add(m);
  }

  @Override
  public void reportUnreachable(long id) {
    unreachable.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
  }

  @Override
  public void reportSnapshot(long id, boolean ok) {
    snapshotReports.add(new SnapshotReport(id, ok));
  }

  @Override
  public void receiveSnapshot(Message msgSnap, Path dataFile) {
    snapshots.add(new ReceivedSnapshot(msgSnap, dataFile));
  }

  @Override
  public void reportSelfRemoved() {
    selfRemovedReports.incrementAndGet();
  }

  int unreachableCount(long id) {
    AtomicInteger n = unreachable.get(id);
    return n == null ? 0 : n.get();
  }
}
