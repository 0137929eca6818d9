package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class SnapshotCommands {
  private SnapshotCommands() {}

  static Command snapshot() {
    return new Command("snapshot <subcommand>", "Manages etcd node snapshots").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
