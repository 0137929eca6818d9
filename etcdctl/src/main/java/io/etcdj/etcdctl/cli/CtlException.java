package io.etcdj.etcdctl.cli;

/**
 * Ends a command the way etcdctl's {@code ExitWithError} does: {@code Error: <message>} on stderr
 * and the given exit code.
 */
public final class CtlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int exitCode;

  public CtlException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  public int exitCode() {
    return exitCode;
  }

  /** Exits with a code after the message was already printed in another form (e.g. a log line). */
  public static final class Silent extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public Silent(int exitCode) {
      super(null, null, false, false);
      this.exitCode = exitCode;
    }

    public int exitCode() {
      return exitCode;
    }
  }
}
