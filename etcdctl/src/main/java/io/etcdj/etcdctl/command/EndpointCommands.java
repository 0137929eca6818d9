package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Flag;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.GoErrors;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code endpoint health|status|hashkv} (ctlv3 ep_command.go): one call per endpoint of
 * {@code --endpoints}, or with {@code --cluster} per client URL of the member list. Health reads a
 * key on every endpoint at once and reports in the order the answers come, as etcdctl does; status
 * and hashkv ask the endpoints one by one. Printing is in {@link EndpointPrint}.
 */
final class EndpointCommands {
  private EndpointCommands() {}

  /** What {@code endpoint health} found on one endpoint (etcdctl's epHealth). */
  record Health(String endpoint, boolean healthy, String took, String error) {}

  record EpStatus(String endpoint, StatusResponse status) {}

  record EpHash(String endpoint, HashKVResponse hash) {}

  static Command endpoint() {
    Command ep = new Command("endpoint <subcommand>", "Endpoint related commands");
    ep.persistentFlag("cluster", "", Flag.Type.BOOL, "false", "use all endpoints from the cluster member list");
    Command hashkv = new Command("hashkv", "Prints the KV history hash for each endpoint in --endpoints").runner(EndpointCommands::runHashKv);
    hashkv.persistentFlag("rev", "", Flag.Type.INT64, "0", "maximum revision to hash (default: all revisions)");
    return ep.add(
        new Command("health", "Checks the healthiness of endpoints specified in `--endpoints` flag").runner(EndpointCommands::runHealth),
        new Command("status", "Prints out the status of endpoints specified in `--endpoints` flag")
            .longDesc(
                "When --write-out is set to simple, this command prints out comma-separated status lists for each endpoint.\n"
                    + "The items in the lists are endpoint, ID, version, db size, is leader, is learner, raft term, raft index, raft applied index, errors.\n")
            .runner(EndpointCommands::runStatus),
        hashkv);
  }

  /**
   * The endpoints to ask: {@code --endpoints}, or with {@code --cluster} the client URLs of every
   * member, from a member list that is sent without credentials (etcdctl needs none for it).
   */
  static List<String> endpointsFromCluster(Invocation inv) throws InterruptedException {
    if (!inv.bool("cluster")) {
      return inv.global().endpoints();
    }
    Client c = inv.client();
    Deadline d = c.commandDeadline();
    MemberListResponse members;
    try {
      members = c.unary(() -> c.cluster(d).memberList(MemberListRequest.getDefaultInstance()));
    } catch (CtlException e) {
      throw new CtlException(ExitCode.ERROR, "failed to fetch endpoints from etcd cluster member list: " + e.getMessage());
    }
    List<String> eps = new ArrayList<>();
    for (Member m : members.getMembersList()) {
      eps.addAll(m.getClientURLsList());
    }
    return eps;
  }

  static void runHealth(Invocation inv) throws InterruptedException {
    inv.format();
    List<String> eps = endpointsFromCluster(inv);
    Client c = inv.client();
    BlockingQueue<Health> done = new LinkedBlockingQueue<>();
    for (String ep : eps) {
      Thread t = new Thread(() -> done.add(health(c, ep)), "endpoint-health");
      t.setDaemon(true);
      t.start();
    }
    List<Health> all = new ArrayList<>();
    boolean unhealthy = false;
    for (int i = 0; i < eps.size(); i++) {
      Health h = done.take();
      all.add(h);
      unhealthy |= !h.error().isEmpty();
    }
    EndpointPrint.health(inv, all);
    if (unhealthy) {
      throw new CtlException(ExitCode.ERROR, "unhealthy cluster");
    }
  }

  /**
   * A linearizable get of a key nobody writes: an answer means a quorum is there. "permission
   * denied" also counts, since it comes after the read went through consensus.
   */
  private static Health health(Client c, String ep) {
    long startNs = System.nanoTime();
    Deadline d = c.commandDeadline();
    RangeRequest req = RangeRequest.newBuilder().setKey(Keys.bytes("health")).build();
    String error = "";
    try {
      PerEndpoint.call(
          c, ep, PerEndpoint.Dial.OWN_CLIENT,
          () -> KVGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(d).withWaitForReady().range(req));
    } catch (StatusRuntimeException e) {
      String text = GoErrors.clientError(e);
      if (!text.equals("etcdserver: permission denied")) {
        error = text;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      error = "context canceled";
    }
    String took = io.etcdj.etcdctl.cli.GoDuration.format(System.nanoTime() - startNs);
    return new Health(ep, error.isEmpty(), took, error);
  }

  static void runStatus(Invocation inv) throws InterruptedException {
    Client c = inv.client();
    List<EpStatus> list = new ArrayList<>();
    boolean failed = false;
    for (String ep : endpointsFromCluster(inv)) {
      Deadline d = c.commandDeadline();
      try {
        StatusResponse r =
            PerEndpoint.call(
                c, ep, PerEndpoint.Dial.PASSTHROUGH,
                () -> MaintenanceGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(d).withWaitForReady().status(StatusRequest.getDefaultInstance()));
        list.add(new EpStatus(ep, as34(r)));
      } catch (StatusRuntimeException e) {
        failed = true;
        inv.err().println("Failed to get the status of endpoint " + ep + " (" + GoErrors.clientError(e) + ")");
      }
    }
    EndpointPrint.status(inv, list);
    if (failed) {
      throw new CtlException.Silent(ExitCode.ERROR);
    }
  }

  /** etcdctl 3.4 knows none of the later StatusResponse fields, so it neither prints nor re-encodes them. */
  private static StatusResponse as34(StatusResponse r) {
    return r.toBuilder().clearStorageVersion().clearDbSizeQuota().clearDowngradeInfo().build();
  }

  static void runHashKv(Invocation inv) throws InterruptedException {
    Client c = inv.client();
    long rev = inv.int64("rev");
    List<EpHash> list = new ArrayList<>();
    String lastError = null;
    for (String ep : endpointsFromCluster(inv)) {
      Deadline d = c.commandDeadline();
      try {
        HashKVResponse r =
            PerEndpoint.call(
                c, ep, PerEndpoint.Dial.PASSTHROUGH,
                () -> MaintenanceGrpc.newBlockingStub(c.channelFor(ep)).withDeadline(d).withWaitForReady()
                    .hashKV(HashKVRequest.newBuilder().setRevision(rev).build()));
        // hash_revision is a 3.6 field 3.4 does not know.
        list.add(new EpHash(ep, r.toBuilder().clearHashRevision().build()));
      } catch (StatusRuntimeException e) {
        lastError = GoErrors.clientError(e);
        inv.err().println("Failed to get the hash of endpoint " + ep + " (" + lastError + ")");
      }
    }
    EndpointPrint.hashKv(inv, list);
    if (lastError != null) {
      throw new CtlException(ExitCode.ERROR, lastError);
    }
  }
}
