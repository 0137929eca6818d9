package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.GlobalOptions;

/** etcdctl's command tree (ctlv3/ctl.go): the root, its global flags and every command. */
public final class Tree {
  private Tree() {}

  public static Command build() {
    Command root = new Command("etcdctl", "A simple command line client for etcd3.");
    GlobalOptions.define(root);
    root.add(
        KvCommands.get(),
        KvCommands.put(),
        KvCommands.del(),
        TxnCommand.txn(),
        CompactionCommand.compaction(),
        AlarmCommands.alarm(),
        DefragCommand.defrag(),
        EndpointCommands.endpoint(),
        MoveLeaderCommand.moveLeader(),
        WatchCommand.watch(),
        VersionCommand.version(),
        LeaseCommands.lease(),
        MemberCommands.member(),
        SnapshotCommands.snapshot(),
        MakeMirrorCommand.makeMirror(),
        LockCommand.lock(),
        ElectCommand.elect(),
        CheckCommands.check(),
        MigrateCommand.migrate(),
        AuthCommands.auth(),
        UserCommands.user(),
        RoleCommands.role(),
        CompletionCommands.completion(),
        HelpCommand.help());
    return root;
  }
}
