package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.api.v3electionpb.CampaignRequest;
import io.etcdj.api.v3electionpb.CampaignResponse;
import io.etcdj.api.v3electionpb.ElectionGrpc;
import io.etcdj.api.v3electionpb.LeaderKey;
import io.etcdj.api.v3electionpb.LeaderRequest;
import io.etcdj.api.v3electionpb.LeaderResponse;
import io.etcdj.api.v3electionpb.ProclaimRequest;
import io.etcdj.api.v3electionpb.ProclaimResponse;
import io.etcdj.api.v3electionpb.ResignRequest;
import io.etcdj.api.v3electionpb.ResignResponse;
import io.etcdj.server.concurrency.Election;
import io.etcdj.server.concurrency.LeaderSink;
import io.etcdj.server.concurrency.Session;
import io.etcdj.server.concurrency.V3Client;
import io.etcdj.server.errors.EtcdError;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code v3electionpb.Election} (etcd 3.4's {@code v3election/election.go}): the {@link Election}
 * recipe run for remote callers over a client of the member's own KV, Watch and Lease services.
 *
 * <p>As in etcd, Campaign, Proclaim and Resign each open a session on the request's lease, so a
 * lease of 0 makes the server grant a 60 s lease (never kept alive) even for Proclaim and Resign;
 * Leader and Observe need none. Proclaim and Resign without a {@code leader} field fail with
 * etcd's {@code "leader" field must be provided}. Handlers only start futures or an observation;
 * answers are sent from the client's executor. Stateless besides the client.
 */
public final class ElectionService extends ElectionGrpc.ElectionImplBase {
  private final V3Client client;

  /** @param channel reaches the KV, Watch and Lease services this election is built on */
  public ElectionService(Channel channel) {
    this.client = new V3Client(channel);
  }

  @Override
  public void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
    Context ctx = Context.current();
    CompletableFuture<CampaignResponse> won =
        Session.open(client, ctx, request.getLease())
            .thenCompose(
                session ->
                    Election.campaign(session, ctx, request.getName(), request.getValue())
                        .thenApply(
                            elected ->
                                CampaignResponse.newBuilder()
                                    .setHeader(elected.header())
                                    .setLeader(
                                        LeaderKey.newBuilder()
                                            .setName(request.getName())
                                            .setKey(elected.key())
                                            .setRev(elected.createRevision())
                                            .setLease(session.leaseId()))
                                    .build()));
    Answers.answerViaV3Client(won, out);
  }

  @Override
  public void proclaim(ProclaimRequest request, StreamObserver<ProclaimResponse> out) {
    if (!request.hasLeader()) {
      Answers.answerViaV3Client(
          CompletableFuture.failedFuture(EtcdError.MISSING_LEADER_KEY.exception()), out);
      return;
    }
    Context ctx = Context.current();
    LeaderKey leader = request.getLeader();
    Answers.answerViaV3Client(
        Session.open(client, ctx, leader.getLease())
            .thenCompose(
                session ->
                    Election.proclaim(
                        session, ctx, leader.getKey(), leader.getRev(), request.getValue()))
            .thenApply(header -> ProclaimResponse.newBuilder().setHeader(header).build()),
        out);
  }

  @Override
  public void leader(LeaderRequest request, StreamObserver<LeaderResponse> out) {
    Answers.answerViaV3Client(
        Election.leader(client, Context.current(), request.getName())
            .thenApply(
                range ->
                    LeaderResponse.newBuilder()
                        .setHeader(range.getHeader())
                        .setKv(range.getKvs(0))
                        .build()),
        out);
  }

  @Override
  public void observe(LeaderRequest request, StreamObserver<LeaderResponse> responses) {
    ServerCallStreamObserver<LeaderResponse> out =
        (ServerCallStreamObserver<LeaderResponse>) responses;
    StreamSink sink = new StreamSink(out);
    out.setOnReadyHandler(sink::onReady);
    // The call's context is cancelled with the call, which ends the observation; a handler set
    // here makes sends after the cancellation no-ops instead of exceptions.
    out.setOnCancelHandler(() -> {});
    Election.observe(client, Context.current(), request.getName(), sink);
  }

  @Override
  public void resign(ResignRequest request, StreamObserver<ResignResponse> out) {
    if (!request.hasLeader()) {
      Answers.answerViaV3Client(
          CompletableFuture.failedFuture(EtcdError.MISSING_LEADER_KEY.exception()), out);
      return;
    }
    Context ctx = Context.current();
    LeaderKey leader = request.getLeader();
    Answers.answerViaV3Client(
        // The session is unused but opened as etcd opens it: a lease of 0 is granted one.
        Session.open(client, ctx, leader.getLease())
            .thenCompose(session -> Election.resign(client, ctx, leader.getKey(), leader.getRev()))
            .thenApply(header -> ResignResponse.newBuilder().setHeader(header).build()),
        out);
  }

  /**
   * The Observe stream as a {@link LeaderSink}: a leader is sent only while gRPC says the stream
   * can take it, otherwise the observer's next step is parked until the stream's onReady. Sends
   * and the completion come from different threads (the client's executor, the transport's
   * onReady), so they are serialised on this object; each is a non-blocking enqueue.
   */
  private static final class StreamSink implements LeaderSink {
    private final ServerCallStreamObserver<LeaderResponse> out;
    private final AtomicReference<Runnable> parked = new AtomicReference<>();
    private boolean ended; // guarded by this

    StreamSink(ServerCallStreamObserver<LeaderResponse> out) {
      this.out = out;
    }

    @Override
    public void whenReady(Runnable resume) {
      if (out.isReady()) {
        resume.run();
        return;
      }
      if (parked.getAndSet(resume) != null) {
        // The observer takes one step at a time: a second park means it lost track of the first.
        throw new IllegalStateException("observe parked twice");
      }
      if (out.isReady()) { // onReady may have run between the check and the park
        onReady();
      }
    }

    void onReady() {
      Runnable resume = parked.getAndSet(null);
      if (resume != null) {
        resume.run();
      }
    }

    @Override
    public synchronized void onLeader(ResponseHeader header, KeyValue kv) {
      if (!ended && !out.isCancelled()) {
        out.onNext(LeaderResponse.newBuilder().setHeader(header).setKv(kv).build());
      }
    }

    @Override
    public synchronized void onEnd(Throwable cause) {
      if (ended) {
        return;
      }
      ended = true;
      if (!out.isCancelled()) {
        // etcd's Observe returns nil when its observer stops: the stream ends without an error.
        out.onCompleted();
      }
    }
  }
}
