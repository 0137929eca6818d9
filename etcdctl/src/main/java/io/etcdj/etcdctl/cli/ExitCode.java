package io.etcdj.etcdctl.cli;

/** etcdctl's exit codes (ctlv3/command/error.go). */
public final class ExitCode {
  private ExitCode() {}

  public static final int SUCCESS = 0;
  public static final int ERROR = 1;
  public static final int BAD_CONNECTION = 2;
  /** For txn and watch input. */
  public static final int INVALID_INPUT = 3;
  /** A valid flag with an unsupported value (e.g. an output format a command cannot print). */
  public static final int BAD_FEATURE = 4;
  public static final int INTERRUPTED = 5;
  public static final int IO = 6;
  public static final int BAD_ARGS = 128;
  /**
   * Not etcdctl's: what a shell reports for a command that Ctrl-C killed (128 + SIGINT). Commands
   * that stock etcdctl lets SIGINT kill (keep-alive, watch, ...) return it when the run's
   * {@link Io#interrupt()} completes.
   */
  public static final int KILLED_BY_SIGINT = 130;
}
