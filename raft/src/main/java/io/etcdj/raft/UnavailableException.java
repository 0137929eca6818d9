package io.etcdj.raft;

/** The requested index is beyond the storage's last index (etcd's {@code ErrUnavailable}). */
public final class UnavailableException extends RaftStorageException {
  private static final long serialVersionUID = 1L;

  public UnavailableException(long index, long lastIndex) {
    super("requested entry at index " + index + " is unavailable (last " + lastIndex + ")");
  }
}
