package io.etcdj.storage.mvcc;

/** The requested revision has been compacted (etcd's {@code mvcc.ErrCompacted}). */
public final class CompactedException extends MvccException {
  private static final long serialVersionUID = 1L;

  public CompactedException() {
    super("mvcc: required revision has been compacted");
  }
}
