package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.Versions;

/** {@code version} (ctlv3 version_command.go): the etcdctl and API versions this CLI stands in for. */
final class VersionCommand {
  private VersionCommand() {}

  static Command version() {
    return new Command("version", "Prints the version of etcdctl").runner(inv -> {
      inv.println("etcdctl version: " + Versions.CLIENT);
      inv.println("API version: " + Versions.API);
    });
  }
}
