package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class LockCommand {
  private LockCommand() {}

  static Command lock() {
    return new Command("lock <lockname> [exec-command arg1 arg2 ...]", "Acquires a named lock").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
