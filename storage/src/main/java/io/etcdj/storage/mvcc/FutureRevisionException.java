package io.etcdj.storage.mvcc;

/** The requested revision is above the current one (etcd's {@code mvcc.ErrFutureRev}). */
public final class FutureRevisionException extends MvccException {
  private static final long serialVersionUID = 1L;

  public FutureRevisionException() {
    super("mvcc: required revision is a future revision");
  }
}
