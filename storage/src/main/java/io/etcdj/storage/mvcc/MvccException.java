package io.etcdj.storage.mvcc;

/** An expected, client-caused outcome of a store operation; mapped to a gRPC status upstream. */
public abstract class MvccException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  protected MvccException(String message) {
    super(message, null, false, false); // no stack trace: these are answers, not bugs
  }
}
