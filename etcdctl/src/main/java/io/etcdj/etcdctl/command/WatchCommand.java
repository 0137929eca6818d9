package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class WatchCommand {
  private WatchCommand() {}

  static Command watch() {
    return new Command("watch [options] [key or prefix] [range_end] [--] [exec-command arg1 arg2 ...]", "Watches events stream on keys or prefixes").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
