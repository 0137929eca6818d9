package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GoParse;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.cli.OutputFormat;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.GoErrors;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;

/**
 * {@code lease grant|revoke|timetolive|list|keep-alive} (ctlv3 lease_command.go). Lease ids are
 * read and shown in hex. Grant and revoke run under --command-timeout; timetolive, list and
 * keep-alive under no deadline at all, and their failures exit with code 2, as etcdctl's do.
 */
final class LeaseCommands {
  private LeaseCommands() {}

  static Command lease() {
    return new Command("lease <subcommand>", "Lease related commands")
        .add(grant(), revoke(), timeToLive(), list(), keepAlive());
  }

  static Command grant() {
    return new Command("grant <ttl>", "Creates leases").runner(LeaseCommands::runGrant);
  }

  static void runGrant(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "lease grant command needs TTL argument");
    }
    long ttl;
    try {
      ttl = GoParse.parseDecimal(inv.args().get(0));
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.BAD_ARGS, "bad TTL (" + e.getMessage() + ")");
    }
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    LeaseGrantRequest req = LeaseGrantRequest.newBuilder().setTTL(ttl).build();
    LeaseGrantResponse resp;
    try {
      resp = c.lease(d).leaseGrant(req);
    } catch (StatusRuntimeException e) {
      c.warn(e.getStatus());
      throw new CtlException(ExitCode.ERROR, "failed to grant lease (" + GoErrors.clientError(e) + ")");
    }
    LeasePrinter.grant(inv, resp);
  }

  static Command revoke() {
    return new Command("revoke <leaseID>", "Revokes leases").runner(LeaseCommands::runRevoke);
  }

  static void runRevoke(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "lease revoke command needs 1 argument");
    }
    long id = leaseFromArg(inv.args().get(0));
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    LeaseRevokeResponse resp;
    try {
      resp = c.lease(d).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(id).build());
    } catch (StatusRuntimeException e) {
      c.warn(e.getStatus());
      throw new CtlException(ExitCode.ERROR, "failed to revoke lease (" + GoErrors.clientError(e) + ")");
    }
    LeasePrinter.revoke(inv, id, resp);
  }

  static Command timeToLive() {
    return new Command("timetolive <leaseID> [options]", "Get lease information")
        .boolFlag("keys", false, "Get keys attached to this lease")
        .runner(LeaseCommands::runTimeToLive);
  }

  static void runTimeToLive(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "lease timetolive command needs lease ID as argument");
    }
    boolean keys = inv.bool("keys");
    Client c = inv.client();
    // etcdctl builds its client before it reads the id.
    long id = leaseFromArg(inv.args().get(0));
    LeaseTimeToLiveRequest req = LeaseTimeToLiveRequest.newBuilder().setID(id).setKeys(keys).build();
    LeaseTimeToLiveResponse resp = unboundedCall(c, () -> noDeadline(c).leaseTimeToLive(req));
    LeasePrinter.timeToLive(inv, resp, keys);
  }

  static Command list() {
    return new Command("list", "List all active leases").runner(LeaseCommands::runList);
  }

  static void runList(Invocation inv) throws InterruptedException {
    Client c = inv.client();
    LeaseLeasesResponse resp = unboundedCall(c, () -> noDeadline(c).leaseLeases(LeaseLeasesRequest.getDefaultInstance()));
    LeasePrinter.leases(inv, resp);
  }

  static Command keepAlive() {
    return new Command("keep-alive [options] <leaseID>", "Keeps leases alive (renew)")
        .boolFlag("once", false, "Resets the keep-alive time to its original value and exits immediately")
        .runner(LeaseCommands::runKeepAlive);
  }

  static void runKeepAlive(Invocation inv) throws InterruptedException {
    if (inv.args().size() != 1) {
      throw new CtlException(ExitCode.BAD_ARGS, "lease keep-alive command needs lease ID as argument");
    }
    long id = leaseFromArg(inv.args().get(0));
    Client c = inv.client();
    if (inv.bool("once")) {
      LeaseKeepAliveResponse r = KeepAliveOnce.renew(c, id, inv.io());
      if (r == null) {
        throw new CtlException.Silent(ExitCode.KILLED_BY_SIGINT);
      }
      LeasePrinter.keepAlive(inv, r);
      return;
    }
    try (KeepAlive ka = KeepAlive.start(c.channel(c.commandDeadline()), id, Session.firstKeepAliveTimeoutNanos(c), true)) {
      inv.io().interrupt().thenRun(ka::wake);
      for (LeaseKeepAliveResponse r = ka.next(); r != null; r = ka.next()) {
        LeasePrinter.keepAlive(inv, r);
        inv.out().flush();
      }
    }
    if (inv.io().interrupt().isDone()) {
      // etcdctl does not catch the signal: Ctrl-C kills it without a word.
      throw new CtlException.Silent(ExitCode.KILLED_BY_SIGINT);
    }
    if (inv.format() == OutputFormat.SIMPLE) {
      inv.println("lease " + LeasePrinter.hexId(id) + " expired or revoked.");
    }
  }

  /** etcdctl's leaseFromArgs: a hex id, as strconv.ParseInt(arg, 16, 64) reads it. */
  static long leaseFromArg(String arg) {
    try {
      return GoParse.parseHex(arg, "strconv.ParseInt", true);
    } catch (IllegalArgumentException e) {
      throw new CtlException(ExitCode.BAD_ARGS, "bad lease ID arg (" + e.getMessage() + "), expecting ID in Hex");
    }
  }

  /** A lease stub for etcdctl's context.TODO() calls: no deadline, waiting for a connection. */
  private static LeaseGrpc.LeaseBlockingStub noDeadline(Client c) throws InterruptedException {
    return LeaseGrpc.newBlockingStub(c.channel(c.commandDeadline())).withWaitForReady();
  }

  /** timetolive and list: the error, after clientv3's warning line, exits with ExitBadConnection. */
  private static <R> R unboundedCall(Client c, Client.Call<R> call) throws InterruptedException {
    try {
      return call.call();
    } catch (StatusRuntimeException e) {
      c.warn(e.getStatus());
      throw new CtlException(ExitCode.BAD_CONNECTION, GoErrors.clientError(e));
    }
  }
}
