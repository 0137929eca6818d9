package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;

/**
 * {@code migrate} (ctlv3 migrate_command.go, 3.4 only): rewrites an etcd member's v2 store (its
 * WAL and snapshots) into the v3 backend in place. That needs etcd's v2 store, WAL, snap and bbolt
 * formats, which etcdj neither has nor reads, so the command takes stock's flags (its help is
 * stock's) and refuses to run instead of pretending.
 */
final class MigrateCommand {
  private MigrateCommand() {}

  static Command migrate() {
    return new Command("migrate", "Migrates keys in a v2 store to a mvcc store")
        .boolFlag("no-ttl", false, "Do not convert TTL keys")
        .stringFlag("data-dir", "", "Path to the data directory")
        .stringFlag("wal-dir", "", "Path to the WAL directory")
        .stringFlag("transformer", "", "Path to the user-provided transformer program")
        .runner(inv -> {
          throw new CtlException(
              ExitCode.ERROR,
              "migrate is not supported by etcdj's etcdctl: it cannot read an etcd v2 data directory"
                  + " (v2 store, WAL, snapshots); run etcd 3.4's own etcdctl migrate on the stopped member");
        });
  }
}
