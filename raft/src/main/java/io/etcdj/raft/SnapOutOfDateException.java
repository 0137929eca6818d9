package io.etcdj.raft;

/** A snapshot older than the current one was offered (etcd's {@code ErrSnapOutOfDate}). */
public final class SnapOutOfDateException extends RaftStorageException {
  private static final long serialVersionUID = 1L;

  public SnapOutOfDateException(long index, long currentIndex) {
    super("requested snapshot index " + index + " is older than the existing snapshot " + currentIndex);
  }
}
