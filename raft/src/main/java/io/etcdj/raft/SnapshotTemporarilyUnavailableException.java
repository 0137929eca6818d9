package io.etcdj.raft;

/**
 * The storage cannot produce a snapshot right now; the leader retries later (etcd's {@code
 * ErrSnapshotTemporarilyUnavailable}).
 */
public final class SnapshotTemporarilyUnavailableException extends RaftStorageException {
  private static final long serialVersionUID = 1L;

  public SnapshotTemporarilyUnavailableException() {
    super("snapshot is temporarily unavailable");
  }
}
