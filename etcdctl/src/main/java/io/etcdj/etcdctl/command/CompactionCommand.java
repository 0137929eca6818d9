package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoParse;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.grpc.Deadline;

/** {@code compaction} (ctlv3 compaction_command.go): one Compact call, "compacted revision N". */
final class CompactionCommand {
  private CompactionCommand() {}

  static Command compaction() {
    return new Command("compaction [options] <revision>", "Compacts the event history in etcd")
        .boolFlag("physical", false, "'true' to wait for compaction to physically remove all old revisions")
        .runner(CompactionCommand::run);
  }

  static void run(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "compaction command needs 1 argument");
    }
    long rev;
    try {
      rev = GoParse.parseDecimal(inv.args().get(0));
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.ERROR, e.getMessage());
    }
    CompactionRequest req = CompactionRequest.newBuilder().setRevision(rev).setPhysical(inv.bool("physical")).build();
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    c.unary(() -> c.kv(d).compact(req));
    inv.println("compacted revision " + rev);
  }
}
