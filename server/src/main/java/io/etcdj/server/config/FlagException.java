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

  /**
   * Whether etcd prints its usage block after this message: exit status 2 is Go's flag parser rejecting the command
   * line, which always does; zap's panic on a bad log level exits 2 too but prints only the panic.
   */
  public boolean printsUsage() {
    return exitCode == 2 && !getMessage().startsWith("panic: ");
  }
}
