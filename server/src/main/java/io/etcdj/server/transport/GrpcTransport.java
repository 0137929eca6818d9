package io.etcdj.server.transport;

import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageType;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC {@link Transport} (etcd's {@code rafthttp.Transport}): a map of {@link PeerSender}s for
 * the sending side, a {@link SnapshotSender}, and the {@link PeerService} for the receiving side.
 *
 * <p>Threads: the raft loop calls send/addPeer/removePeer/updatePeer, the apply thread
 * sendSnapshot (etcdj's raft loop never passes a MsgSnap to {@link #send}: the inline path there
 * serves callers that carry the data in the message); the peer map is concurrent so stats and
 * {@link #activeSince} can be read from anywhere.
 */
final class GrpcTransport implements Transport {
  private static final Logger LOG = LoggerFactory.getLogger(GrpcTransport.class);
  private static final long STOP_WAIT_MILLIS = 5_000;
  private static final long UNKNOWN_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final TransportConfig config;
  private final RaftHandler handler;
  private final Map<Long, PeerSender> peers = new ConcurrentHashMap<>();
  /** Members the cluster removed: their calls are refused so that they stop. */
  private final java.util.function.LongPredicate removedMember;
  private final SnapshotSender snapshots;
  private final PeerService service;
  private final ServerServiceDefinition serviceDefinition;
  private final AtomicLong droppedUnknownPeer = new AtomicLong();
  private final AtomicLong callsRejected = new AtomicLong();
  private volatile boolean started;
  private volatile boolean stopped;

  // Confined to the thread calling send.
  private final ArrayList<PeerSender> touched = new ArrayList<>();
  private long sendEpoch;
  private long lastUnknownLogNanos;
  private final PeerTraffic traffic;

  GrpcTransport(
      TransportConfig config,
      RaftHandler handler,
      java.util.function.LongPredicate removedMember,
      PeerTraffic traffic) {
    this.traffic = Objects.requireNonNull(traffic, "traffic");
    this.config = Objects.requireNonNull(config, "config");
    this.handler = Objects.requireNonNull(handler, "handler");
    this.removedMember = Objects.requireNonNull(removedMember, "removedMember");
    this.snapshots = new SnapshotSender(config, handler);
    this.service =
        new PeerService(
            config,
            handler,
            removedMember,
            traffic,
            from -> {
              PeerSender p = peers.get(from);
              if (p != null) {
                p.peerDialledUs();
              }
            });
    this.serviceDefinition =
        ServerInterceptors.intercept(
            service,
            new PeerHeaders.Check(
                config.clusterId(),
                config.memberId(),
                peers::containsKey,
                removedMember,
                callsRejected));
  }

  @Override
  public synchronized void start() {
    if (stopped) {
      throw new IllegalStateException("transport stopped");
    }
    if (started) {
      return;
    }
    started = true;
    for (PeerSender p : peers.values()) {
      p.start();
    }
  }

  @Override
  public void send(List<Message> msgs) {
    if (!started) {
      throw new IllegalStateException("transport not started");
    }
    if (stopped) {
      return;
    }
    long epoch = ++sendEpoch;
    for (int i = 0; i < msgs.size(); i++) {
      Message m = msgs.get(i);
      long to = m.getTo();
      if (to == 0 || to == config.memberId()) {
        throw new IllegalArgumentException(m.getType() + " addressed to " + PeerHeaders.hex(to));
      }
      if (m.getType() == MessageType.MSG_SNAP) {
        sendSnapshot(m, SnapshotSource.ofBytes(m.getSnapshot().getData().toByteArray()));
        continue;
      }
      PeerSender p = peers.get(to);
      if (p == null) {
        dropUnknown(m);
        continue;
      }
      if (p.sendEpoch != epoch) {
        p.sendEpoch = epoch;
        touched.add(p);
      }
      int size = m.getSerializedSize(); // memoized for the writer's batching
      if (size > config.messageBytesMax()) {
        p.dropOversized(m, size);
        p.dropsThisSend++;
      } else if (!p.offer(m)) {
        p.dropsThisSend++;
      }
    }
    for (int i = 0; i < touched.size(); i++) {
      touched.get(i).endSend();
    }
    touched.clear();
  }

  private void dropUnknown(Message m) {
    droppedUnknownPeer.incrementAndGet();
    long now = System.nanoTime();
    if (now - lastUnknownLogNanos > UNKNOWN_LOG_INTERVAL_NANOS) {
      lastUnknownLogNanos = now;
      LOG.warn(
          "dropped {} to unknown peer {} (total {})",
          m.getType(),
          PeerHeaders.hex(m.getTo()),
          droppedUnknownPeer.get());
    }
  }

  @Override
  public CompletableFuture<Boolean> sendSnapshot(Message msgSnap, SnapshotSource data) {
    Objects.requireNonNull(data, "data");
    if (msgSnap.getType() != MessageType.MSG_SNAP) {
      throw new IllegalArgumentException("not a MsgSnap: " + msgSnap.getType());
    }
    if (msgSnap.getTo() == 0 || msgSnap.getTo() == config.memberId()) {
      throw new IllegalArgumentException(
          "MsgSnap addressed to " + PeerHeaders.hex(msgSnap.getTo()));
    }
    return snapshots.send(stopped ? null : peers.get(msgSnap.getTo()), msgSnap, data);
  }

  @Override
  public synchronized void addPeer(long id, List<URI> peerUrls) {
    checkPeer(id, peerUrls);
    if (stopped) {
      return;
    }
    if (peers.containsKey(id)) {
      LOG.debug("peer {} already added", PeerHeaders.hex(id));
      return;
    }
    PeerSender p = new PeerSender(id, peerUrls, config, handler, traffic);
    peers.put(id, p);
    if (started) {
      p.start();
    }
    LOG.info("added peer {} at {}", PeerHeaders.hex(id), peerUrls);
  }

  @Override
  public synchronized void removePeer(long id) {
    PeerSender p = peers.remove(id);
    if (p != null) {
      p.stop();
      LOG.info("removed peer {}", PeerHeaders.hex(id));
    }
  }

  @Override
  public Map<Long, List<URI>> peers() {
    Map<Long, List<URI>> out = new java.util.HashMap<>();
    peers.forEach((id, p) -> out.put(id, p.urls()));
    return out;
  }

  @Override
  public synchronized void updatePeer(long id, List<URI> peerUrls) {
    checkPeer(id, peerUrls);
    PeerSender p = peers.get(id);
    if (p != null) {
      p.updateUrls(peerUrls);
      LOG.info("updated peer {} to {}", PeerHeaders.hex(id), peerUrls);
    }
  }

  private void checkPeer(long id, List<URI> peerUrls) {
    if (id == 0 || id == config.memberId()) {
      throw new IllegalArgumentException("invalid peer id " + PeerHeaders.hex(id));
    }
    if (peerUrls.isEmpty()) {
      throw new IllegalArgumentException("peer " + PeerHeaders.hex(id) + " has no URLs");
    }
    for (URI u : peerUrls) {
      if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null || u.getPort() <= 0) {
        throw new IllegalArgumentException("peer URL " + u + " is not supported: want http(s)://host:port");
      }
    }
  }

  @Override
  public long activeSince(long id) {
    PeerSender p = peers.get(id);
    return p == null ? 0 : p.activeSinceMillis();
  }

  @Override
  public ServerServiceDefinition service() {
    return serviceDefinition;
  }

  @Override
  public Optional<PeerStats> peerStats(long id) {
    PeerSender p = peers.get(id);
    return p == null ? Optional.empty() : Optional.of(p.stats());
  }

  @Override
  public TransportStats stats() {
    return new TransportStats(
        droppedUnknownPeer.get(),
        service.messagesReceived.get(),
        service.batchesReceived.get(),
        service.messagesRejected.get(),
        callsRejected.get(),
        service.snapshotsReceived.get());
  }

  @Override
  public void stop() {
    List<PeerSender> all;
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      all = new ArrayList<>(peers.values());
      peers.clear();
    }
    for (PeerSender p : all) {
      p.stop();
    }
    snapshots.stop();
    try {
      for (PeerSender p : all) {
        if (!p.awaitStopped(STOP_WAIT_MILLIS)) {
          LOG.warn(
              "writer of peer {} did not stop within {} ms",
              PeerHeaders.hex(p.id),
              STOP_WAIT_MILLIS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
