/**
 * The peer transport between members (etcd's {@code server/etcdserver/api/rafthttp}), as one gRPC
 * service, {@code etcdjpb.Peer} in {@code etcdj_peer.proto}. It moves Raft {@code Message}s and
 * snapshot bytes and knows nothing else of Raft: the node reaches it through {@link
 * io.etcdj.server.transport.Transport} and is reached through {@link
 * io.etcdj.server.transport.RaftHandler}. Beside it, on the same listeners, {@code
 * etcdjpb.PeerCluster} ({@link io.etcdj.server.transport.PeerClusterService} and {@link
 * io.etcdj.server.transport.PeerClusterClient}; etcd's peer handlers {@code /members} and {@code
 * /members/promote}) answers a joining member's request for the member list, with no identity
 * headers, and a follower's forwarded learner promotion.
 *
 * <p><b>What it owns.</b> Per remote member a {@code PeerSender} (etcd's {@code peer.go} with the
 * {@code streamWriter} of {@code stream.go}): a bounded outbound queue, one gRPC channel to the
 * member's current URL and one long-lived {@code Peer.Stream} call, opened by the sender (etcd
 * opens its streams from the receiving side with an HTTP GET; gRPC makes the sending side natural).
 * There is no pipeline: etcd's pipeline only covers the time before a stream is up, and here
 * messages simply wait in the queue while the stream is being dialled and are dropped while it is
 * down. Snapshots go through {@code SnapshotSender} (etcd's {@code snapshot_sender.go}) as chunked
 * {@code Peer.SendSnapshot} calls; incoming ones are written by {@code PeerService} (etcd's {@code
 * http.go} handlers) to a temp file in the snapshot directory and handed over whole.
 *
 * <p><b>Identity.</b> Every call carries the cluster id and the sender and receiver member ids as
 * metadata; the receiver rejects another cluster ({@code FAILED_PRECONDITION "cluster ID
 * mismatch"}), a call meant for another member ({@code "member ID mismatch"}) and a stream from a
 * member it does not know ({@code NOT_FOUND "sender not found"}), like etcd's 412/404 answers; a
 * member the cluster removed (the {@code removedMember} test given to {@link
 * io.etcdj.server.transport.Transport#create(TransportConfig, RaftHandler,
 * java.util.function.LongPredicate)}) is refused on
 * every call and on its open stream ({@code FAILED_PRECONDITION "the member has been permanently
 * removed from the cluster"}, etcd's 410), and its sender reports that so it stops. The
 * sender records the error ({@link io.etcdj.server.transport.PeerStats#lastError()}), reports the
 * peer unreachable and keeps redialling with backoff.
 *
 * <p><b>Threads.</b> The raft loop calls {@code send} and friends; they only take a peer's lock to
 * append to its queue. One writer thread per peer dials, batches and writes; gRPC client callbacks
 * run on the Netty event loops ({@code directExecutor}) and only flip fields and signal. A pool of
 * at most {@code snapshotSendersMax} threads reads and sends snapshots. {@link
 * io.etcdj.server.transport.PeerServer} runs handlers on its own fixed pool; the messages of one
 * stream are handled in order, different peers concurrently.
 *
 * <p><b>Bounds.</b> Outbound queue 4096 messages per peer (etcd's {@code streamBufSize}): a full
 * queue or a down stream drops at once and reports the peer unreachable once per {@code send} call,
 * so the raft loop never blocks and memory never grows. A batch is at most 1024 messages and 1 MiB
 * (one larger message travels alone, up to the 64 MiB inbound limit less framing; larger ones are
 * dropped). The writer takes a batch only while the call {@code isReady()}, so a slow peer holds
 * messages in the bounded queue, not in gRPC buffers. Reconnects back off from 50 ms, doubling to 2
 * s with ±20% jitter; a dial (connect plus the receiver's ack) times out after 2 s. Snapshots
 * travel in 1 MiB chunks under the same {@code isReady()} rule, one in flight per peer; a stalled
 * snapshot fails after 10 s without progress.
 */
package io.etcdj.server.transport;
