package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class CheckCommands {
  private CheckCommands() {}

  static Command check() {
    return new Command("check <subcommand>", "commands for checking properties of the etcd cluster").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
