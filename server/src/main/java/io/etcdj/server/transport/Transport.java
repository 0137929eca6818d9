package io.etcdj.server.transport;

import io.etcdj.api.internal.Message;
import io.grpc.ServerServiceDefinition;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The narrow API the raft loop uses to reach the other members (etcd's {@code
 * rafthttp.Transporter}).
 *
 * <p>Threads: one thread (the raft loop) calls {@link #send} and the peer membership methods;
 * {@link #sendSnapshot} may be called from any thread (the apply thread makes snapshots). None of
 * them blocks on the network. {@link #activeSince}, the stats getters
 * and {@link #stop} may be called from any thread.
 */
public interface Transport {
  static Transport create(TransportConfig config, RaftHandler handler) {
    return create(config, handler, id -> false);
  }

  /**
   * @param removedMember true for an id the cluster removed (etcd's IsIDRemoved; any thread, must
   *     not block): its calls are refused, its open stream included, with "the member has been
   *     permanently removed from the cluster", so a removed member that missed its removal learns
   *     it and stops (etcd answers it 410 Gone)
   */
  static Transport create(
      TransportConfig config, RaftHandler handler, java.util.function.LongPredicate removedMember) {
    return new GrpcTransport(config, handler, removedMember, PeerTraffic.NONE);
  }

  /** As {@link #create(TransportConfig, RaftHandler, java.util.function.LongPredicate)}, reporting its traffic to {@code traffic}. */
  static Transport create(
      TransportConfig config,
      RaftHandler handler,
      java.util.function.LongPredicate removedMember,
      PeerTraffic traffic) {
    return new GrpcTransport(config, handler, removedMember, traffic);
  }

  /** Starts the writers of the peers added so far; peers added later start at once. */
  void start();

  /**
   * Queues each message for the peer named by its {@code to}. Never blocks: a message for an
   * unknown peer is dropped and counted ({@link TransportStats#droppedUnknownPeer}); a message for
   * a peer whose queue is full or whose stream is down is dropped, counted, and the peer is
   * reported with {@link RaftHandler#reportUnreachable} (once per call per peer). A MsgSnap is
   * handed to {@link #sendSnapshot} with its inline {@code snapshot.data}.
   *
   * @throws IllegalArgumentException when a message's {@code to} is 0 or this member (a raft bug)
   */
  void send(List<Message> msgs);

  /**
   * Streams a snapshot to {@code msgSnap.to} in chunks on a snapshot thread. When it ends the
   * transport calls {@link RaftHandler#reportSnapshot} exactly once (and, on failure, {@link
   * RaftHandler#reportUnreachable}, as etcd's snapshot sender does), then completes the returned
   * future with the same outcome so the caller can release the data. A snapshot that cannot start
   * (unknown peer, a second one to a peer while one is in flight, too many queued) fails at once,
   * reported on the calling thread before this returns.
   */
  CompletableFuture<Boolean> sendSnapshot(Message msgSnap, SnapshotSource data);

  /** Adds a peer and (once started) connects to it; an id already present is ignored. */
  void addPeer(long id, List<URI> peerUrls);

  /** Stops sending to a peer; queued messages are dropped. Unknown ids are ignored. */
  void removePeer(long id);

  /** Replaces a peer's URLs; the stream reconnects to the new ones. Unknown ids are ignored. */
  void updatePeer(long id, List<URI> peerUrls);

  /** The peers and their URLs as this transport knows them now. Any thread. */
  java.util.Map<Long, List<URI>> peers();

  /** Epoch millis since the stream to {@code id} is connected, or 0 (down or unknown). */
  long activeSince(long id);

  /** The receiving side: add it to the server bound on {@code --listen-peer-urls}. */
  ServerServiceDefinition service();

  Optional<PeerStats> peerStats(long id);

  TransportStats stats();

  /** Stops every writer and snapshot sender; in-flight messages are lost. Idempotent. */
  void stop();
}
