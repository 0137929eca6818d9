package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.MoveLeaderRequest;
import io.etcdj.api.etcdserverpb.MoveLeaderResponse;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoParse;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.GoErrors;
import io.etcdj.etcdctl.print.GoJson;
import io.etcdj.etcdctl.print.Kvs;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.util.List;

/**
 * {@code move-leader} (ctlv3 move_leader_command.go): asks each endpoint in turn for its Status until
 * one says it is the leader, then sends MoveLeader to that endpoint; the Status calls and the move
 * share one --command-timeout. Any Status failure ends the command; no leader among the endpoints is
 * a bad-arguments exit.
 */
final class MoveLeaderCommand {
  private MoveLeaderCommand() {}

  static Command moveLeader() {
    return new Command("move-leader <transferee-member-id>", "Transfers leadership to another etcd cluster member.")
        .runner(MoveLeaderCommand::run);
  }

  static void run(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "move-leader command needs 1 argument");
    }
    long target;
    try {
      target = GoParse.parseHex(inv.args().get(0), "strconv.ParseUint", false);
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.BAD_ARGS, e.getMessage());
    }
    Client c = inv.client();
    List<String> eps = inv.global().endpoints();
    Deadline d = c.commandDeadline();
    String leaderEp = null;
    long leaderId = 0;
    for (String ep : eps) {
      StatusResponse s;
      try {
        s =
            PerEndpoint.call(
                c, ep, PerEndpoint.Dial.PASSTHROUGH,
                () -> MaintenanceGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(d).withWaitForReady()
                    .status(StatusRequest.getDefaultInstance()));
      } catch (StatusRuntimeException e) {
        throw new CtlException(ExitCode.ERROR, GoErrors.clientError(e));
      }
      if (s.getHeader().getMemberId() == s.getLeader()) {
        leaderEp = ep;
        leaderId = s.getLeader();
        break;
      }
    }
    if (leaderEp == null) {
      throw new CtlException(ExitCode.BAD_ARGS, "no leader endpoint given at [" + String.join(" ", eps) + "]");
    }
    String ep = leaderEp;
    MoveLeaderResponse resp;
    try {
      resp =
          PerEndpoint.call(
              c, ep, PerEndpoint.Dial.OWN_CLIENT,
              () -> MaintenanceGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(d).withWaitForReady()
                  .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(target).build()));
    } catch (StatusRuntimeException e) {
      throw new CtlException(ExitCode.ERROR, GoErrors.clientError(e));
    }
    switch (inv.format()) {
      case SIMPLE:
        inv.println("Leadership transferred from " + Long.toHexString(leaderId) + " to " + Long.toHexString(target));
        break;
      case JSON:
        inv.println(GoJson.marshal(resp));
        break;
      case PROTOBUF:
        Kvs.protobuf(inv, resp);
        break;
      default:
        throw inv.format().unsupported();
    }
  }
}
