package io.etcdj.raft;

/**
 * Expected outcome of a {@link RaftStorage} read (etcd's {@code ErrCompacted}, {@code
 * ErrUnavailable}, ...). Thrown on hot paths as control flow, so no stack trace is captured.
 */
public abstract class RaftStorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected RaftStorageException(String message) {
    super(message, null, false, false);
  }
}
