package io.etcdj.server.config;

/** A bad command line or environment; the message is what etcd would print. */
public final class FlagException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  public FlagException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }
}
