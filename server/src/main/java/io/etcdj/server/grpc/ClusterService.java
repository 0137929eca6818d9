package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.etcdserverpb.MemberAddRequest;
import io.etcdj.api.etcdserverpb.MemberAddResponse;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.MemberPromoteRequest;
import io.etcdj.api.etcdserverpb.MemberPromoteResponse;
import io.etcdj.api.etcdserverpb.MemberRemoveRequest;
import io.etcdj.api.etcdserverpb.MemberRemoveResponse;
import io.etcdj.api.etcdserverpb.MemberUpdateRequest;
import io.etcdj.api.etcdserverpb.MemberUpdateResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.errors.ErrorMapping;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * {@code etcdserverpb.Cluster}: the member list as the log decided it, and membership changes
 * proposed as conf-change entries (answered once applied here). As in etcd, the header carries
 * no revision.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final EtcdServer server;

  public ClusterService(EtcdServer server) {
    this.server = server;
  }

  private ResponseHeader header() {
    return ResponseHeader.newBuilder()
        .setClusterId(server.cluster().clusterId())
        .setMemberId(server.cluster().memberId())
        .setRaftTerm(server.term())
        .build();
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    out.onNext(
        MemberListResponse.newBuilder().setHeader(header()).addAllMembers(server.members()).build());
    out.onCompleted();
  }

  @Override
  public void memberAdd(MemberAddRequest request, StreamObserver<MemberAddResponse> out) {
    Answers.answer(
        server.addMember(request.getPeerURLsList(), request.getIsLearner()),
        out,
        (Member m) ->
            MemberAddResponse.newBuilder()
                .setHeader(header())
                .setMember(m)
                .addAllMembers(server.members())
                .build());
  }

  @Override
  public void memberRemove(MemberRemoveRequest request, StreamObserver<MemberRemoveResponse> out) {
    Answers.answer(
        server.removeMember(request.getID()),
        out,
        r -> MemberRemoveResponse.newBuilder().setHeader(header()).addAllMembers(server.members()).build());
  }

  @Override
  public void memberUpdate(MemberUpdateRequest request, StreamObserver<MemberUpdateResponse> out) {
    Answers.answer(
        server.updateMember(request.getID(), request.getPeerURLsList()),
        out,
        r -> MemberUpdateResponse.newBuilder().setHeader(header()).addAllMembers(server.members()).build());
  }

  @Override
  public void memberPromote(MemberPromoteRequest request, StreamObserver<MemberPromoteResponse> out) {
    Answers.answer(
        server.promoteMember(request.getID()),
        out,
        // The list as the member that applied the promotion had it: a follower forwards the
        // request to the leader and may not have applied the change yet itself.
        (java.util.List<Member> members) ->
            MemberPromoteResponse.newBuilder().setHeader(header()).addAllMembers(members).build());
  }

}
