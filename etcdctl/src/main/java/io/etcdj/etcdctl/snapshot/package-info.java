/**
 * etcd's snapshot manager as etcdctl 3.4.23 uses it (clientv3/snapshot/v3_snapshot.go): {@code
 * Save} streams Maintenance.Snapshot into {@code <file>.part}, fsyncs and renames it, logging as
 * etcd's zap logger does ({@link io.etcdj.etcdctl.snapshot.SnapshotSaver}); {@code Status} reads a
 * snapshot or backend file offline through {@link io.etcdj.etcdctl.bbolt} ({@link
 * io.etcdj.etcdctl.snapshot.SnapshotStatus}); {@code Restore}'s checks before it writes anything
 * ({@link io.etcdj.etcdctl.snapshot.RestoreChecks}).
 *
 * <p>Threading: used by the command's thread; the snapshot stream's callbacks hand blobs to it
 * through a bounded queue.
 */
package io.etcdj.etcdctl.snapshot;
