package io.etcdj.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.Snapshot;
import io.etcdj.api.internal.SnapshotMetadata;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Transports talking over loopback gRPC: delivery, batching, identity, failures and bounds. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TransportTest {
  private static final long CLUSTER = 0xc1057e5L;

  @TempDir Path dir;
  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Node node(long id) throws IOException {
    return node(CLUSTER, id);
  }

  private Node node(long cluster, long id) throws IOException {
    Node n = Node.start(cluster, id, dir);
    closeables.add(n);
    return n;
  }

  private Node node(long id, UnaryOperator<TransportConfig.Builder> tweak) throws IOException {
    Node n = Node.start(CLUSTER, id, dir, tweak);
    closeables.add(n);
    return n;
  }

  private static Message app(long from, long to, long index) {
    return app(from, to, index, 16);
  }

  private static Message app(long from, long to, long index, int payloadBytes) {
    return Message.newBuilder()
        .setType(MessageType.MSG_APP)
        .setFrom(from)
        .setTo(to)
        .setTerm(1)
        .setIndex(index)
        .addEntries(
            LogEntry.newBuilder()
                .setTerm(1)
                .setIndex(index + 1)
                .setData(ByteString.copyFrom(new byte[payloadBytes])))
        .build();
  }

  private static List<Message> apps(long from, long to, long firstIndex, int count) {
    List<Message> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      out.add(app(from, to, firstIndex + i));
    }
    return out;
  }

  private static Message msgSnap(long from, long to, long index, ByteString inlineData) {
    return Message.newBuilder()
        .setType(MessageType.MSG_SNAP)
        .setFrom(from)
        .setTo(to)
        .setTerm(2)
        .setSnapshot(
            Snapshot.newBuilder()
                .setData(inlineData)
                .setMetadata(SnapshotMetadata.newBuilder().setIndex(index).setTerm(2)))
        .build();
  }

  private static void awaitActive(Node from, Node to) {
    Await.until(
        "stream " + from.id + "->" + to.id + " active",
        () -> from.transport.activeSince(to.id) > 0,
        () -> String.valueOf(from.transport.peerStats(to.id)));
  }

  private static PeerStats stats(Node from, long to) {
    return from.transport.peerStats(to).orElseThrow();
  }

  /** An address nothing listens on: bound then released. */
  private static URI deadUrl() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return Node.listenUrl(s.getLocalPort());
    }
  }

  private static void assertIndexes(List<Message> got, long from, long firstIndex, int count) {
    List<Long> want = new ArrayList<>();
    List<Long> have = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      want.add(firstIndex + i);
    }
    for (Message m : got) {
      if (m.getFrom() == from) {
        have.add(m.getIndex());
      }
    }
    assertEquals(want, have, "messages from " + from + " in order");
  }

  // ------------------------------------------------------------------ delivery

  @Test
  void deliversInOrderAndBatchesManyMessagesIntoFewWrites() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);

    int count = 3000;
    a.transport.send(apps(1, 2, 100, count));
    Await.until("all delivered", () -> b.handler.processed.size() == count);

    assertIndexes(new ArrayList<>(b.handler.processed), 1, 100, count);
    PeerStats s = stats(a, 2);
    assertEquals(count, s.messagesSent());
    assertEquals(0, s.messagesDropped());
    assertTrue(
        s.batchesSent() <= 10, "3000 messages in one send took " + s.batchesSent() + " writes");
    assertTrue(s.bytesSent() >= count * 20L, "bytes counted: " + s.bytesSent());
    assertEquals(count, b.transport.stats().messagesReceived());
    assertEquals(s.batchesSent(), b.transport.stats().batchesReceived());
    assertEquals(0, a.handler.unreachableCount(2));
  }

  @Test
  void threeMembersDeliverPerPeerInOrder() throws Exception {
    Node[] nodes = {node(1), node(2), node(3)};
    nodes[0].connect(nodes[1]);
    nodes[0].connect(nodes[2]);
    nodes[1].connect(nodes[2]);
    for (Node x : nodes) {
      for (Node y : nodes) {
        if (x != y) {
          awaitActive(x, y);
        }
      }
    }
    int rounds = 40;
    int perRound = 25;
    for (int r = 0; r < rounds; r++) {
      for (Node x : nodes) {
        List<Message> out = new ArrayList<>();
        for (int i = 0; i < perRound; i++) {
          long index = (long) r * perRound + i;
          for (Node y : nodes) {
            if (x != y) {
              out.add(app(x.id, y.id, index)); // interleaved destinations, as in a Ready
            }
          }
        }
        x.transport.send(out);
      }
    }
    int total = rounds * perRound;
    for (Node y : nodes) {
      Await.until("node " + y.id + " got all", () -> y.handler.processed.size() == 2 * total);
      List<Message> got = new ArrayList<>(y.handler.processed);
      for (Node x : nodes) {
        if (x != y) {
          assertIndexes(got, x.id, 0, total);
          assertEquals(total, stats(x, y.id).messagesSent());
        }
      }
    }
  }

  // ------------------------------------------------------------------ identity

  /**
   * Raft relays a proposal, a read index or a transfer request under its original sender: after a
   * leader change the old leader passes a follower's proposal on to the new one. The stream of the
   * relay must deliver it (it used to be dropped as a sender bug: every proposal relayed after a
   * leadership hand-over was lost, and its client waited out the request timeout); any other
   * message claiming another sender still is.
   */
  @Test
  void requestsRelayedForAnotherMemberAreDelivered() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);

    Message prop =
        Message.newBuilder()
            .setType(MessageType.MSG_PROP)
            .setFrom(3)
            .setTo(2)
            .addEntries(LogEntry.newBuilder().setData(ByteString.copyFromUtf8("p")))
            .build();
    Message read = prop.toBuilder().setType(MessageType.MSG_READ_INDEX).build();
    Message forged = app(3, 2, 7); // an append is never relayed
    a.transport.send(List.of(prop, forged, read));
    Await.until("both relayed requests delivered", () -> b.handler.processed.size() == 2);
    Thread.sleep(100); // the forged append would have arrived by now, in order, before the read

    assertEquals(
        List.of(MessageType.MSG_PROP, MessageType.MSG_READ_INDEX),
        b.handler.processed.stream().map(Message::getType).toList());
  }

  @Test
  void clusterIdMismatchIsRejectedAndReported() throws Exception {
    Node a = node(CLUSTER, 1);
    Node b = node(CLUSTER + 1, 2);
    a.connect(b);

    Await.until(
        "rejection recorded",
        () -> {
          String e = stats(a, 2).lastError();
          return e != null && e.contains("cluster ID mismatch");
        },
        () -> String.valueOf(stats(a, 2)));
    assertTrue(stats(a, 2).lastError().startsWith("FAILED_PRECONDITION"), stats(a, 2).lastError());
    assertTrue(b.transport.stats().callsRejected() >= 1);

    a.transport.send(apps(1, 2, 1, 10));
    Await.until("reported unreachable", () -> a.handler.unreachableCount(2) > 0);
    assertEquals(0, a.transport.activeSince(2));
    assertEquals(0, b.handler.processed.size());
    assertEquals(0, b.transport.stats().messagesReceived());
    assertEquals(0, stats(a, 2).messagesSent());
  }

  @Test
  void callForAnotherMemberIsRejected() throws Exception {
    Node a = node(1);
    Node b = node(2);
    // a believes member 3 lives at b's address.
    a.transport.addPeer(3, List.of(b.url()));
    b.transport.addPeer(1, List.of(a.url()));
    Await.until(
        "member mismatch recorded",
        () -> {
          String e = stats(a, 3).lastError();
          return e != null && e.contains("member ID mismatch");
        },
        () -> String.valueOf(stats(a, 3)));
    assertEquals(0, a.transport.activeSince(3));
    assertTrue(b.transport.stats().callsRejected() >= 1);
  }

  @Test
  void streamFromUnknownSenderIsRejected() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.transport.addPeer(2, List.of(b.url())); // b does not know a
    Await.until(
        "unknown sender recorded",
        () -> {
          String e = stats(a, 2).lastError();
          return e != null && e.contains("sender not found");
        },
        () -> String.valueOf(stats(a, 2)));
    assertEquals(0, a.transport.activeSince(2));

    b.transport.addPeer(1, List.of(a.url())); // now it does: the redial succeeds
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 7, 3));
    Await.until("delivered", () -> b.handler.processed.size() == 3);
  }

  // ------------------------------------------------------------------ failures

  @Test
  void downPeerDropsAndReportsThenReconnectsOnSamePort() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 0, 5));
    Await.until("first delivery", () -> b.handler.processed.size() == 5);

    b.stopServer();
    Await.until("stream down", () -> a.transport.activeSince(2) == 0);
    Await.until("reported unreachable", () -> a.handler.unreachableCount(2) > 0);
    long droppedBefore = stats(a, 2).messagesDropped();
    // While down, sends are dropped (and reported) rather than queued.
    Await.until(
        "sends dropped while down",
        () -> {
          a.transport.send(apps(1, 2, 1000, 10));
          return stats(a, 2).messagesDropped() >= droppedBefore + 10;
        },
        () -> String.valueOf(stats(a, 2)));
    assertEquals(5, b.handler.processed.size());

    b.restartServer();
    awaitActive(a, b);
    b.handler.processed.clear();
    a.transport.send(apps(1, 2, 2000, 20));
    Await.until("delivery resumed", () -> b.handler.processed.size() == 20);
    assertIndexes(new ArrayList<>(b.handler.processed), 1, 2000, 20);
    assertTrue(stats(a, 2).lastError() == null, "error cleared after reconnect");
  }

  @Test
  void aPeerThatDialsUsCutsOurRedialBackoffShort() throws Exception {
    // A 20 s backoff: only the peer's own dial can bring our stream back within the wait below.
    Node a = node(1, b -> b.backoffMillis(20_000, 20_000));
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    int port = b.port();
    b.close(); // the member is killed
    closeables.remove(b);
    Await.until("stream down", () -> a.transport.activeSince(2) == 0);
    Await.until(
        "a redial failed, so the writer now waits out its backoff",
        () -> stats(a, 2).lastError() != null,
        () -> String.valueOf(stats(a, 2)));
    long restartedAt = System.nanoTime();
    Node restarted = Node.startOnPort(CLUSTER, 2, dir, port); // and restarted on its peer URL
    closeables.add(restarted);
    restarted.transport.addPeer(1, List.of(a.url()));
    Await.until(
        "the restarted member's stream back from us",
        5_000,
        () -> a.transport.activeSince(2) > 0,
        () -> String.valueOf(stats(a, 2)));
    assertTrue(
        System.nanoTime() - restartedAt < TimeUnit.SECONDS.toNanos(5),
        "stream back within 5 s of the restart, not after the 20 s backoff");
    a.transport.send(apps(1, 2, 0, 3));
    Await.until("delivery to the restarted member", () -> restarted.handler.processed.size() == 3);
  }

  @Test
  void floodToDeadPeerStaysWithinQueueBound() throws Exception {
    Node a = node(1);
    a.transport.addPeer(9, List.of(deadUrl()));
    int perSend = 1000;
    int sends = 200;
    Message m = app(1, 9, 1, 1024);
    List<Message> batch = new ArrayList<>();
    for (int i = 0; i < perSend; i++) {
      batch.add(m);
    }
    int maxQueued = 0;
    for (int i = 0; i < sends; i++) {
      a.transport.send(batch);
      maxQueued = Math.max(maxQueued, stats(a, 9).queuedMessages());
    }
    long total = (long) perSend * sends;
    PeerStats s = stats(a, 9);
    assertTrue(maxQueued <= a.config.queueMessagesMax(), "queue bound: " + maxQueued);
    assertEquals(0, s.messagesSent());
    assertTrue(s.messagesDropped() >= total - a.config.queueMessagesMax(), "drops counted: " + s);
    assertTrue(a.handler.unreachableCount(9) > 0);
    assertEquals(0, a.transport.activeSince(9));
    // Whatever was still queued is dropped once the dial fails: nothing is kept.
    Await.until(
        "queue drained by the failed dial",
        () -> stats(a, 9).queuedMessages() == 0,
        () -> String.valueOf(stats(a, 9)));
    Await.until("every message dropped", () -> stats(a, 9).messagesDropped() == total);
  }

  @Test
  void slowPeerPushesBackIntoTheBoundedQueue() throws Exception {
    Node a = node(1, b -> b.queueMessagesMax(512).batchMessagesMax(128));
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    CountDownLatch gate = new CountDownLatch(1);
    b.handler.gate = gate; // b's handler stops taking messages

    int total = 20_000;
    List<Message> out = new ArrayList<>();
    for (int i = 0; i < total; i++) {
      out.add(app(1, 2, i, 1024));
    }
    for (int i = 0; i < total; i += 500) {
      a.transport.send(out.subList(i, i + 500));
      assertTrue(stats(a, 2).queuedMessages() <= 512);
    }
    Await.until("drops under back-pressure", () -> stats(a, 2).messagesDropped() > 0);
    assertTrue(a.handler.unreachableCount(2) > 0, "full queue reported");
    assertTrue(a.transport.activeSince(2) > 0, "a slow peer is not a dead peer");

    gate.countDown();
    Await.until(
        "everything written is delivered",
        () -> {
          PeerStats s = stats(a, 2);
          return s.queuedMessages() == 0 && b.handler.processed.size() == s.messagesSent();
        },
        () -> stats(a, 2) + " received " + b.handler.processed.size());
    PeerStats s = stats(a, 2);
    assertEquals(total, s.messagesSent() + s.messagesDropped());
    assertTrue(s.messagesSent() < total, "some were dropped: " + s);
    List<Message> got = new ArrayList<>(b.handler.processed);
    for (int i = 1; i < got.size(); i++) {
      assertTrue(got.get(i).getIndex() > got.get(i - 1).getIndex(), "in order at " + i);
    }
  }

  @Test
  void removePeerStopsSending() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 0, 3));
    Await.until("delivered", () -> b.handler.processed.size() == 3);

    a.transport.removePeer(2);
    assertTrue(a.transport.peerStats(2).isEmpty());
    assertEquals(0, a.transport.activeSince(2));
    a.transport.send(apps(1, 2, 3, 4));
    assertEquals(4, a.transport.stats().droppedUnknownPeer());
    // The stream a had open is cancelled; b saw nothing after the removal.
    assertEquals(3, b.handler.processed.size());
    assertEquals(3, b.transport.stats().messagesReceived());

    a.transport.removePeer(2); // unknown: ignored
    a.transport.addPeer(2, List.of(b.url())); // and back
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 10, 2));
    Await.until("delivered after re-adding", () -> b.handler.processed.size() == 5);
  }

  /**
   * etcd answers a removed member 410 Gone and the member stops: here a member whose cluster
   * removed a peer ends the peer's open stream at its next message, refuses its redials, and the
   * peer's handler hears it was removed. Nothing it sent after the removal is processed.
   */
  @Test
  void aRemovedMemberIsToldOnItsOpenStreamAndOnRedial() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 0, 2));
    Await.until("delivered", () -> b.handler.processed.size() == 2);

    b.removed.add(1L); // b applied a's removal (b still has a as a peer to send to)
    a.transport.send(apps(1, 2, 2, 3));
    Await.until(
        "a hears it was removed",
        () -> a.handler.selfRemovedReports.get() >= 1,
        () -> String.valueOf(stats(a, 2)));
    assertEquals(2, b.handler.processed.size(), "nothing from a removed member is processed");
    Await.until(
        "the redial is refused with the reason",
        () -> {
          String e = stats(a, 2).lastError();
          return e != null && e.contains(PeerHeaders.MEMBER_REMOVED);
        },
        () -> String.valueOf(stats(a, 2)));
    assertEquals(0, a.transport.activeSince(2));
    assertEquals(0, b.handler.selfRemovedReports.get());
  }

  @Test
  void updatePeerRedialsTheNewUrl() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    b.moveServer();
    Await.until("old stream gone", () -> a.transport.activeSince(2) == 0);

    a.transport.updatePeer(2, List.of(b.url()));
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 0, 5));
    Await.until("delivered at the new URL", () -> b.handler.processed.size() == 5);
  }

  @Test
  void secondUrlIsTriedWhenTheFirstIsDead() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.transport.addPeer(2, List.of(deadUrl(), b.url()));
    b.transport.addPeer(1, List.of(a.url()));
    awaitActive(a, b);
    a.transport.send(apps(1, 2, 0, 2));
    Await.until("delivered", () -> b.handler.processed.size() == 2);
  }

  // ------------------------------------------------------------------ snapshots

  @Test
  void snapshotOfSeveralMiBArrivesByteIdentical() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    byte[] data = new byte[5 * TransportConfig.MIB + 12345]; // not a whole number of chunks
    new Random(42).nextBytes(data);
    Path file = dir.resolve("outgoing.snap");
    Files.write(file, data);

    CompletableFuture<Boolean> done =
        a.transport.sendSnapshot(msgSnap(1, 2, 777, ByteString.EMPTY), SnapshotSource.ofPath(file));
    assertTrue(done.get(30, TimeUnit.SECONDS));

    RecordingHandler.ReceivedSnapshot got = b.handler.snapshots.poll(10, TimeUnit.SECONDS);
    assertNotNull(got);
    assertEquals(MessageType.MSG_SNAP, got.msgSnap().getType());
    assertEquals(777, got.msgSnap().getSnapshot().getMetadata().getIndex());
    assertEquals(1, got.msgSnap().getFrom());
    assertTrue(got.file().startsWith(b.config.snapshotDir()));
    assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(got.file())), "byte-identical");
    assertEquals(List.of(new RecordingHandler.SnapshotReport(2, true)), a.handler.snapshotReports);
    assertEquals(1, stats(a, 2).snapshotsSent());
    assertEquals(1, b.transport.stats().snapshotsReceived());
  }

  @Test
  void snapshotToDeadPeerFails() throws Exception {
    Node a = node(1);
    a.transport.addPeer(9, List.of(deadUrl()));
    byte[] data = new byte[3 * TransportConfig.MIB];
    CompletableFuture<Boolean> done =
        a.transport.sendSnapshot(msgSnap(1, 9, 5, ByteString.EMPTY), SnapshotSource.ofBytes(data));
    assertFalse(done.get(30, TimeUnit.SECONDS));
    assertEquals(List.of(new RecordingHandler.SnapshotReport(9, false)), a.handler.snapshotReports);
    assertTrue(a.handler.unreachableCount(9) > 0);
    assertEquals(1, stats(a, 9).snapshotsFailed());

    // To a peer nobody added: fails too, and is still reported exactly once.
    assertFalse(
        a.transport
            .sendSnapshot(msgSnap(1, 8, 5, ByteString.EMPTY), SnapshotSource.ofBytes(data))
            .get(10, TimeUnit.SECONDS));
    assertEquals(new RecordingHandler.SnapshotReport(8, false), a.handler.snapshotReports.get(1));
  }

  @Test
  void msgSnapGivenToSendTravelsAsASnapshot() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    ByteString inline = ByteString.copyFromUtf8("small inline snapshot");
    a.transport.send(List.of(app(1, 2, 1), msgSnap(1, 2, 9, inline), app(1, 2, 2)));

    RecordingHandler.ReceivedSnapshot got = b.handler.snapshots.poll(10, TimeUnit.SECONDS);
    assertNotNull(got);
    assertTrue(got.msgSnap().getSnapshot().getData().isEmpty(), "data travels in the file");
    assertEquals(inline, ByteString.copyFrom(Files.readAllBytes(got.file())));
    Await.until("snapshot reported", () -> a.handler.snapshotReports.size() == 1);
    assertEquals(new RecordingHandler.SnapshotReport(2, true), a.handler.snapshotReports.get(0));
    Await.until("others delivered", () -> b.handler.processed.size() == 2);
  }

  @Test
  void oversizedSnapshotIsRejectedByTheReceiver() throws Exception {
    Node a = node(1);
    Node b = node(2, c -> c.snapshotChunkBytes(64 * 1024).snapshotBytesMax(100_000));
    a.connect(b);
    CompletableFuture<Boolean> done =
        a.transport.sendSnapshot(
            msgSnap(1, 2, 3, ByteString.EMPTY), SnapshotSource.ofBytes(new byte[200_000]));
    assertFalse(done.get(30, TimeUnit.SECONDS));
    assertEquals(0, b.transport.stats().snapshotsReceived());
    Await.until(
        "partial file deleted",
        () -> {
          if (!Files.exists(b.config.snapshotDir())) {
            return true; // rejected before a file was made
          }
          try (var files = Files.list(b.config.snapshotDir())) {
            return files.findAny().isEmpty();
          } catch (IOException e) {
            return false;
          }
        });
  }

  // ------------------------------------------------------------------ API checks

  @Test
  void sendRejectsMisaddressedMessagesAndUnstartedUse() throws Exception {
    Node a = node(1);
    assertThrows(IllegalArgumentException.class, () -> a.transport.send(List.of(app(1, 1, 0))));
    assertThrows(IllegalArgumentException.class, () -> a.transport.send(List.of(app(1, 0, 0))));
    assertThrows(
        IllegalArgumentException.class,
        () -> a.transport.addPeer(5, List.of(URI.create("unix://127.0.0.1:1"))));
    assertThrows(IllegalArgumentException.class, () -> a.transport.addPeer(1, List.of(a.url())));

    Transport t = Transport.create(a.config, new RecordingHandler());
    assertThrows(IllegalStateException.class, () -> t.send(List.of(app(1, 2, 0))));
    t.stop();

    a.transport.send(List.of(app(1, 42, 0))); // unknown peer: dropped, counted
    assertEquals(1, a.transport.stats().droppedUnknownPeer());
  }

  @Test
  void stopEndsWritersAndLaterSendsAreIgnored() throws Exception {
    Node a = node(1);
    Node b = node(2);
    a.connect(b);
    awaitActive(a, b);
    Map<String, Thread> before = threads("etcdj-peer-2");
    assertEquals(1, before.size());
    a.transport.stop();
    Thread writer = before.values().iterator().next();
    writer.join(5_000);
    assertFalse(writer.isAlive());
    a.transport.send(apps(1, 2, 0, 3)); // after stop: ignored, no exception
    assertEquals(0, a.transport.activeSince(2));
  }

  @Test
  void stopFailsSnapshotsInFlightAndReportsEachOnce() throws Exception {
    Node a = node(1, c -> c.snapshotSendersMax(1).snapshotTimeoutsMillis(20_000, 20_000));
    Node b = node(2);
    a.connect(b);
    CountDownLatch opened = new CountDownLatch(1);
    CountDownLatch never = new CountDownLatch(1);
    SnapshotSource stuck =
        new SnapshotSource() {
          @Override
          public java.io.InputStream open() {
            return new java.io.InputStream() {
              @Override
              public int read() throws IOException {
                opened.countDown();
                try {
                  never.await(); // blocks until the sender thread is interrupted
                } catch (InterruptedException e) {
                  throw new java.io.InterruptedIOException("interrupted");
                }
                return -1;
              }
            };
          }

          @Override
          public long sizeBytes() {
            return -1;
          }
        };
    CompletableFuture<Boolean> running =
        a.transport.sendSnapshot(msgSnap(1, 2, 1, ByteString.EMPTY), stuck);
    assertTrue(opened.await(10, TimeUnit.SECONDS));
    CompletableFuture<Boolean> again =
        a.transport.sendSnapshot(
            msgSnap(1, 2, 2, ByteString.EMPTY), SnapshotSource.ofBytes(new byte[10]));
    assertFalse(again.get(10, TimeUnit.SECONDS), "one snapshot per peer at a time");

    a.transport.stop();
    assertFalse(running.get(10, TimeUnit.SECONDS));
    assertEquals(
        List.of(
            new RecordingHandler.SnapshotReport(2, false),
            new RecordingHandler.SnapshotReport(2, false)),
        a.handler.snapshotReports);
    assertEquals(0, b.transport.stats().snapshotsReceived());
  }

  private static Map<String, Thread> threads(String name) {
    Map<String, Thread> out = new HashMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals(name) && t.isAlive()) {
        out.put(t.getName() + "@" + t.getId(), t);
      }
    }
    return out;
  }
}
