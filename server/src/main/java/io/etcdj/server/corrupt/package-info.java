/**
 * Corruption checks, as etcd 3.4.23's {@code etcdserver/corrupt.go}: members compare their
 * HashKV (a CRC over the MVCC key history up to a revision) to find a store that diverged.
 *
 * <p>With {@code --experimental-initial-corrupt-check}, a restarting member asks every peer for
 * its HashKV at this member's current revision before it starts Raft or serves clients, and
 * refuses to start when a peer with the same compaction revision has another hash. With {@code
 * --experimental-corrupt-check-time}, the leader periodically compares its own hash with its
 * followers' and raises the CORRUPT alarm through Raft on a mismatch. Peers answer over the peer
 * transport's {@code PeerCluster.HashKV} (etcd's {@code /members/hashkv}).
 *
 * <p>Threading: the initial check runs on the starting thread; the periodic check on its own
 * timer thread (its peer calls block it, never a gRPC or raft thread); hashes for peers are
 * computed on a one-thread pool with a bounded queue.
 */
package io.etcdj.server.corrupt;
