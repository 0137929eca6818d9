package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.v3electionpb.CampaignRequest;
import io.etcdj.api.v3electionpb.CampaignResponse;
import io.etcdj.api.v3electionpb.ElectionGrpc;
import io.etcdj.api.v3electionpb.LeaderKey;
import io.etcdj.api.v3electionpb.LeaderRequest;
import io.etcdj.api.v3electionpb.LeaderResponse;
import io.etcdj.api.v3electionpb.ResignRequest;
import io.etcdj.etcdctl.cli.Command;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Invocation;
import io.etcdj.etcdctl.client.Client;
import io.grpc.Channel;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code elect <election-name> [proposal]} and {@code elect -l <election-name>} (ctlv3
 * elect_command.go) over the v3election service, under a 60 s session lease as etcdctl's
 * concurrency.Session. Campaigning prints the leader key once elected and holds it until
 * interrupted, then resigns; listening prints the leader at each change, as the get printer
 * prints a response holding that one key-value (clientv3's Observe hands etcdctl exactly that).
 */
final class ElectCommand {
  private ElectCommand() {}

  static Command elect() {
    return new Command("elect <election-name> [proposal]", "Observes and participates in leader election")
        .boolFlag("listen", "l", false, "observation mode")
        .runner(ElectCommand::run);
  }

  static void run(Invocation inv) throws InterruptedException {
    List<String> args = inv.args();
    if (args.size() != 1 && args.size() != 2) {
      throw new CtlException(ExitCode.BAD_ARGS, "elect takes one election name argument and an optional proposal argument");
    }
    Client c = inv.client();
    boolean listen = inv.bool("listen");
    if (args.size() == 1) {
      if (!listen) {
        throw new CtlException(ExitCode.BAD_ARGS, "no proposal argument but -l not set");
      }
      observe(inv, c, args.get(0));
    } else {
      if (listen) {
        throw new CtlException(ExitCode.BAD_ARGS, "proposal given but -l is set");
      }
      campaign(inv, c, args.get(0), args.get(1));
    }
  }

  private static void campaign(Invocation inv, Client c, String election, String proposal) throws InterruptedException {
    try (Session s = Session.open(c, Session.DEFAULT_TTL_SECONDS)) {
      Channel ch = c.channel(c.commandDeadline());
      CampaignRequest req =
          CampaignRequest.newBuilder().setName(Keys.bytes(election)).setLease(s.lease()).setValue(Keys.bytes(proposal)).build();
      AsyncCall<CampaignResponse> call = AsyncCall.unary(ch, ElectionGrpc.getCampaignMethod(), req);
      CampaignResponse elected;
      try {
        elected = call.awaitOrInterrupt(inv.io());
      } catch (StatusRuntimeException e) {
        throw c.fail(e);
      }
      if (elected == null) {
        // Interrupted while waiting: the cancelled campaign withdraws the candidate on the server.
        throw new CtlException(ExitCode.ERROR, "context canceled");
      }
      LeaderKey leader = elected.getLeader();
      RangeRequest get = RangeRequest.newBuilder().setKey(leader.getKey()).build();
      RangeResponse resp = c.unary(() -> KVGrpc.newBlockingStub(ch).withWaitForReady().range(get));
      KvCommands.printGet(inv, resp, false);
      inv.out().flush();
      try {
        CompletableFuture.anyOf(inv.io().interrupt(), s.done()).get();
      } catch (ExecutionException e) {
        throw new IllegalStateException(e.getCause());
      }
      if (!inv.io().interrupt().isDone()) {
        throw new CtlException(ExitCode.ERROR, "elect: session expired");
      }
      ResignRequest resign = ResignRequest.newBuilder().setLeader(leader).build();
      c.unary(() -> ElectionGrpc.newBlockingStub(ch).withWaitForReady().resign(resign));
    }
  }

  private static final Object END = new Object();

  private static void observe(Invocation inv, Client c, String election) throws InterruptedException {
    // etcdctl opens a session to observe too, though nothing is put under its lease.
    try (Session s = Session.open(c, Session.DEFAULT_TTL_SECONDS)) {
      Channel ch = c.channel(c.commandDeadline());
      LinkedBlockingQueue<Object> leaders = new LinkedBlockingQueue<>();
      inv.io().interrupt().thenRun(() -> leaders.offer(END));
      StreamObserver<LeaderResponse> o =
          new StreamObserver<>() {
            @Override
            public void onNext(LeaderResponse r) {
              leaders.offer(r);
            }

            @Override
            public void onError(Throwable t) {
              leaders.offer(END);
            }

            @Override
            public void onCompleted() {
              leaders.offer(END);
            }
          };
      LeaderRequest req = LeaderRequest.newBuilder().setName(Keys.bytes(election)).build();
      AsyncCall<LeaderResponse> observing = AsyncCall.serverStreaming(ch, ElectionGrpc.getObserveMethod(), req, o);
      try {
        for (Object next = leaders.take(); next != END; next = leaders.take()) {
          LeaderResponse r = (LeaderResponse) next;
          KvCommands.printGet(inv, RangeResponse.newBuilder().setHeader(r.getHeader()).addKvs(r.getKv()).build(), false);
          inv.out().flush();
        }
      } finally {
        observing.cancel();
      }
      if (!inv.io().interrupt().isDone()) {
        throw new CtlException(ExitCode.ERROR, "elect: observer lost");
      }
    }
  }
}
