/**
 * The etcdj member (etcd's {@code etcdserver}): {@link io.etcdj.server.EtcdServer} wires the
 * store, the WAL-backed log and the apply loop; {@link io.etcdj.server.EtcdMain} is the command.
 *
 * <p>Threads: gRPC handler threads validate and propose through a bounded queue; the raft-loop
 * thread ({@link io.etcdj.server.RaftLoop}) owns the Raft node and the WAL, group-commits each
 * Ready and talks to peers through the transport; the
 * apply thread ({@link io.etcdj.server.ApplyLoop}) is the only writer of the store and answers
 * proposers after each backend commit. Reads run on handler threads over store views.
 */
package io.etcdj.server;
