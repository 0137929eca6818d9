package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/** PLACEHOLDER: being written (issue 12). */
final class MakeMirrorCommand {
  private MakeMirrorCommand() {}

  static Command makeMirror() {
    return new Command("make-mirror [options] <destination>", "Makes a mirror at the destination etcd cluster").runner(inv -> {
      throw new CtlException(ExitCode.ERROR, "not implemented yet");
    });
  }
}
