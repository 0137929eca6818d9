package io.etcdj.server.errors;

/** An expected, client-caused outcome carrying one {@link EtcdError}. No stack trace. */
public final class EtcdException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient EtcdError error;

  public EtcdException(EtcdError error) {
    super(error.message(), null, false, false);
    this.error = error;
  }

  public EtcdError error() {
    return error;
  }
}
