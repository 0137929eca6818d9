/**
 * The etcdj member (etcd's {@code etcdserver}): {@link io.etcdj.server.EtcdServer} wires the
 * store, the WAL-backed log and the apply loop; {@link io.etcdj.server.EtcdMain} is the command.
 *
 * <p>Threads: gRPC handler threads validate and propose through a bounded queue; the raft-loop
 * thread ({@link io.etcdj.server.RaftLoop}) owns the Raft node and the WAL, group-commits each
 * Ready and talks to peers through the transport; the apply thread ({@link
 * io.etcdj.server.ApplyLoop}) is the only writer of the store and answers proposers after each
 * backend commit. Reads run on handler threads over store views. One scheduler thread runs request
 * deadlines and the start-up election-clock advance; membership changes forwarded to the leader
 * (promote) wait on a small pool.
 *
 * <p>Snapshots between members: the apply thread opens a read snapshot of the store between two
 * batches and a transport thread streams it ({@link io.etcdj.server.SnapshotData} is the format);
 * a received one is read whole on the peer server's snapshot thread before raft may accept it, then
 * kept as {@code member/snap/<index>.snap.db} until the store holding it is synced, so a restart can
 * install it again.
 */
package io.etcdj.server;
