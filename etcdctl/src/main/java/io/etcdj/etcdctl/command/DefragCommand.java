package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.DefragmentRequest;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Flag;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.GoErrors;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;

/**
 * {@code defrag} (ctlv3 defrag_command.go): Defragment on each endpoint in turn (or each member's
 * client URLs with {@code --cluster}), a line per endpoint on stdout or stderr whatever the output
 * format, exit 1 if any failed. Stock's {@code --data-dir} opens etcd's bbolt file and defragments it
 * offline; this etcdctl has no bbolt (nor a way into an etcdj LMDB data dir), so it refuses that
 * with stock's failure line and exit code rather than pretend.
 */
final class DefragCommand {
  private DefragCommand() {}

  static Command defrag() {
    Command cmd =
        new Command("defrag", "Defragments the storage of the etcd members with given endpoints")
            .stringFlag("data-dir", "", "Optional. If present, defragments a data directory not in use by etcd.")
            .runner(DefragCommand::run);
    cmd.persistentFlag("cluster", "", Flag.Type.BOOL, "false", "use all endpoints from the cluster member list");
    return cmd;
  }

  static void run(Invocation inv) throws InterruptedException {
    String dataDir = inv.string("data-dir");
    if (!dataDir.isEmpty()) {
      inv.err().println(
          "Failed to defragment etcd data[" + dataDir + "] (offline defragmentation is not supported by this etcdctl:"
              + " it cannot open etcd's bbolt file " + dataDir + "/member/snap/db, nor an etcdj LMDB data directory;"
              + " defragment the running member without --data-dir)");
      throw new CtlException.Silent(ExitCode.ERROR);
    }
    Client c = inv.client();
    int failures = 0;
    for (String ep : EndpointCommands.endpointsFromCluster(inv)) {
      Deadline d = c.commandDeadline();
      try {
        PerEndpoint.call(
            c, ep, PerEndpoint.Dial.PASSTHROUGH,
            () -> MaintenanceGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(d).withWaitForReady()
                .defragment(DefragmentRequest.getDefaultInstance()));
        inv.println("Finished defragmenting etcd member[" + ep + "]");
      } catch (StatusRuntimeException e) {
        failures++;
        inv.err().println("Failed to defragment etcd member[" + ep + "] (" + GoErrors.clientError(e) + ")");
      }
    }
    if (failures != 0) {
      throw new CtlException.Silent(ExitCode.ERROR);
    }
  }
}
