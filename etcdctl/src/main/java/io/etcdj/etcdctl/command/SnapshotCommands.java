package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.bbolt.BoltException;
import io.etcdj.etcdctl.bbolt.BoltFault;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Humanize;
import io.etcdj.etcdctl.print.Table;
import io.etcdj.etcdctl.snapshot.RestoreChecks;
import io.etcdj.etcdctl.snapshot.SnapshotSaver;
import io.etcdj.etcdctl.snapshot.SnapshotStatus;
import io.grpc.Deadline;
import java.util.Arrays;
import java.util.List;

/**
 * {@code snapshot save|status|restore} (ctlv3 snapshot_command.go over clientv3/snapshot). Restore
 * runs every check etcd runs and then writes an etcdj member directory (LMDB store, WAL, member
 * list, ids), not an etcd one: stock etcdctl makes etcd's.
 */
final class SnapshotCommands {
  /** Exit code of a status on a file bbolt would crash on (a Go fatal error exits with 2). */
  static final int EXIT_FAULT = 2;

  private SnapshotCommands() {}

  static Command snapshot() {
    return new Command("snapshot <subcommand>", "Manages etcd node snapshots").add(save(), restore(), status());
  }

  private static Command save() {
    return new Command("save <filename>", "Stores an etcd node backend snapshot to a given file").runner(SnapshotCommands::runSave);
  }

  private static Command status() {
    return new Command("status <filename>", "Gets backend snapshot status of a given file")
        .longDesc(
            "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\n"
                + "The items in the lists are hash, revision, total keys, total size.\n")
        .runner(SnapshotCommands::runStatus);
  }

  private static Command restore() {
    return new Command("restore <filename> [options]", "Restores an etcd member snapshot to an etcd directory")
        .stringFlag("data-dir", "", "Path to the data directory")
        .stringFlag("wal-dir", "", "Path to the WAL directory (use --data-dir if none given)")
        .stringFlag("initial-cluster", "default=http://localhost:2380", "Initial cluster configuration for restore bootstrap")
        .stringFlag("initial-cluster-token", "etcd-cluster", "Initial cluster token for the etcd cluster during restore bootstrap")
        .stringFlag("initial-advertise-peer-urls", "http://localhost:2380", "List of this member's peer URLs to advertise to the rest of the cluster")
        .stringFlag("name", "default", "Human-readable name for this member")
        .boolFlag("skip-hash-check", false, "Ignore snapshot integrity hash value (required if copied from data directory)")
        .runner(SnapshotCommands::runRestore);
  }

  static void runSave(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "snapshot save expects one argument");
    }
    String path = inv.args().get(0);
    List<String> endpoints = inv.global().endpoints();
    // Without --command-timeout a snapshot may take as long as it takes (etcdctl sets no deadline).
    Deadline deadline = inv.changed("command-timeout") ? Deadline.after(inv.global().commandTimeoutNanos(), java.util.concurrent.TimeUnit.NANOSECONDS) : null;
    // A snapshot is one member's backend: the request must go to exactly that member.
    if (endpoints.size() != 1) {
      throw new CtlException(ExitCode.INTERRUPTED, "snapshot must be requested to one selected node, not multiple [" + String.join(" ", endpoints) + "]");
    }
    try {
      Client c = inv.client();
      new SnapshotSaver(inv.err(), c::goStatus).save(endpoints.get(0), c.channelFor(endpoints.get(0)), deadline, path, inv.io().interrupt());
    } catch (SnapshotSaver.SaveException e) {
      throw new CtlException(ExitCode.INTERRUPTED, e.getMessage());
    }
    inv.println("Snapshot saved at " + path);
  }

  static void runStatus(Invocation inv) {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "snapshot status requires exactly one argument");
    }
    inv.format();
    SnapshotStatus st;
    try {
      st = SnapshotStatus.of(inv.args().get(0));
    } catch (BoltFault e) {
      throw new CtlException(EXIT_FAULT, "unreadable snapshot file (bbolt would crash here): " + e.getMessage());
    } catch (BoltException e) {
      throw new CtlException(ExitCode.ERROR, e.getMessage());
    }
    List<String> row =
        Arrays.asList(Long.toHexString(st.hash()), Long.toString(st.revision()), Long.toString(st.totalKey()), Humanize.bytes(st.totalSize()));
    switch (inv.format()) {
      case SIMPLE:
        inv.println(String.join(", ", row));
        break;
      case JSON:
        inv.println(
            new GoJson.Obj().num("hash", st.hash()).num("revision", st.revision()).num("totalKey", st.totalKey()).num("totalSize", st.totalSize()).toString());
        break;
      case FIELDS:
        inv.println("\"Hash\" : " + st.hash());
        inv.println("\"Revision\" : " + st.revision());
        inv.println("\"Keys\" : " + st.totalKey());
        inv.println("\"Size\" : " + st.totalSize());
        break;
      case TABLE:
        inv.out().print(Table.render(List.of("hash", "revision", "total keys", "total size"), List.of(row)));
        break;
      default:
        throw inv.format().unsupported();
    }
  }

  static void runRestore(Invocation inv) {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "snapshot restore requires exactly one argument");
    }
    String name = inv.string("name");
    String dataDir = inv.string("data-dir");
    if (dataDir.isEmpty()) {
      dataDir = name + ".etcd";
    }
    String walFlag = inv.string("wal-dir");
    String walDir = walFlag.isEmpty() ? RestoreChecks.goJoin(dataDir, "member", "wal") : walFlag;
    RestoreChecks.Config cfg =
        new RestoreChecks.Config(
            inv.args().get(0), name, dataDir, walDir, walFlag, Arrays.asList(inv.string("initial-advertise-peer-urls").split(",", -1)),
            inv.string("initial-cluster"), inv.string("initial-cluster-token"), inv.bool("skip-hash-check"));
    try {
      RestoreChecks.restore(cfg, inv.err());
    } catch (RestoreChecks.RestoreException e) {
      throw new CtlException(ExitCode.ERROR, e.getMessage());
    }
  }
}
