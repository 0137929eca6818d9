/**
 * The client-facing database snapshot (etcd's {@code Maintenance.Snapshot}, v3rpc/maintenance.go):
 * this member's store written as the bbolt file etcd 3.4 would have sent, and streamed to the
 * client in 32 KiB pieces followed by the file's sha256.
 *
 * <p>Owns: the mapping of etcdj's store and membership onto etcd 3.4's buckets ({@link
 * io.etcdj.server.snapshot.EtcdBackendFile}), and the flow-controlled sending ({@link
 * io.etcdj.server.snapshot.SnapshotStream}).
 *
 * <p>Threading: the file is built on the read pool from one LMDB read txn (writes keep flowing);
 * the sending runs on the read pool too, one piece per step and only while gRPC says the client can
 * take more, so no Netty thread ever reads the disk and at most one piece is buffered.
 */
package io.etcdj.server.snapshot;
