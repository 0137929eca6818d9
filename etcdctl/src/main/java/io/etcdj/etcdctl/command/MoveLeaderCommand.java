package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class MoveLeaderCommand {
  private MoveLeaderCommand() {}

  static Command moveLeader() {
    return new Command("move-leader <transferee-member-id>", "Transfers leadership to another etcd cluster member.").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
