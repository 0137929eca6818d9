package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.membership.Member;
import io.grpc.stub.StreamObserver;
import java.net.URI;

/**
 * {@code etcdserverpb.Cluster}. MemberList is served; membership changes come with the Raft
 * issue and answer UNIMPLEMENTED until then. As in etcd, the header carries no revision.
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
    for (Member m : server.members()) {
      var pb = io.etcdj.api.etcdserverpb.Member.newBuilder()
          .setID(m.id())
          .setName(m.name())
          .setIsLearner(m.learner());
      for (URI u : m.peerUrls()) {
        pb.addPeerURLs(u.toString());
      }
      for (URI u : m.clientUrls()) {
        pb.addClientURLs(u.toString());
      }
      resp.addMembers(pb);
    }
    out.onNext(resp.build());
    out.onCompleted();
  }
}
