package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.server.EtcdServer;
import io.grpc.stub.StreamObserver;

/**
 * {@code etcdserverpb.Cluster}. MemberList is served from the membership the log decided;
 * MemberAdd/Remove/Update/Promote are not wired yet and answer UNIMPLEMENTED. As in etcd, the
 * header carries no revision.
 */
public final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final EtcdServer server;

  public ClusterService(EtcdServer server) {
    this.server = server;
  }

  @Override
  public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
    MemberListResponse.Builder resp =
        MemberListResponse.newBuilder()
            .setHeader(
                ResponseHeader.newBuilder()
                    .setClusterId(server.cluster().clusterId())
                    .setMemberId(server.cluster().memberId())
                    .setRaftTerm(server.term()));
    resp.addAllMembers(server.members());
    out.onNext(resp.build());
    out.onCompleted();
  }
}
