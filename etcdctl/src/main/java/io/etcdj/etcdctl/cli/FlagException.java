package io.etcdj.etcdctl.cli;

/** A command line that pflag would refuse; the message is pflag's. */
public class FlagException extends Exception {
  private static final long serialVersionUID = 1L;

  public FlagException(String message) {
    super(message);
  }

  /** {@code -h}/{@code --help} was given: print the command's usage and exit 0. */
  public static final class Help extends FlagException {
    private static final long serialVersionUID = 1L;

    Help() {
      super("help requested");
    }
  }
}
