package io.etcdj.raft;

/** The requested index is older than the storage's first index (etcd's {@code ErrCompacted}). */
public final class CompactedException extends RaftStorageException {
  private static final long serialVersionUID = 1L;

  public CompactedException(long index, long firstIndex) {
    super("requested index " + index + " is unavailable due to compaction (first " + firstIndex + ")");
  }
}
