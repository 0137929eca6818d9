package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class LeaseCommands {
  private LeaseCommands() {}

  static Command lease() {
    return new Command("lease <subcommand>", "Lease related commands").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
