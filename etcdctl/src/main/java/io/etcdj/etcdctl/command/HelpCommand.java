package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;

/** cobra's built-in {@code help [command]}; {@link io.etcdj.etcdctl.cli.Runner} prints the usage. */
final class HelpCommand {
  private HelpCommand() {}

  static Command help() {
    return new Command("help [command]", "Help about any command")
        .longDesc("Help provides help for any command in the application.\nSimply type etcdctl help [path to command] for full details.")
        .runner(inv -> {});
  }
}
