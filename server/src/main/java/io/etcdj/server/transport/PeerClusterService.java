package io.etcdj.server.transport;

import io.etcdj.api.internal.LeaseRenewAnswer;
import io.etcdj.api.internal.LeaseRenewForward;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.MembersRequest;
import io.etcdj.api.internal.MembersResponse;
import io.etcdj.api.internal.PeerClusterGrpc;
import io.etcdj.api.internal.PromoteMemberRequest;
import io.etcdj.server.errors.ErrorMapping;
import io.grpc.stub.StreamObserver;
import java.util.List;

/**
 * {@code etcdjpb.PeerCluster} on the peer URLs (etcd's {@code peerMembersHandler} and {@code
 * peerMemberPromoteHandler} in etcdserver/api/etcdhttp/peer.go): the member list for a member
 * joining the cluster, and learner promotion forwarded by a follower to the leader.
 *
 * <p>Threads: peer server threads; neither call blocks (a promotion completes the call from the
 * apply thread).
 */
public final class PeerClusterService extends PeerClusterGrpc.PeerClusterImplBase {
  private final ClusterSource source;

  public PeerClusterService(ClusterSource source) {
    this.source = source;
  }

  @Override
  public void members(MembersRequest request, StreamObserver<MembersResponse> out) {
    out.onNext(response(source.members()));
    out.onCompleted();
  }

  @Override
  public void promoteMember(PromoteMemberRequest request, StreamObserver<MembersResponse> out) {
    source
        .promoteAsLeader(request.getMemberId())
        .whenComplete(
            (members, error) -> {
              if (error != null) {
                out.onError(ErrorMapping.toStatus(error));
              } else {
                out.onNext(response(members));
                out.onCompleted();
              }
            });
  }

  /**
   * A follower's stream of forwarded keep-alives: each is renewed by this member's lessor and
   * answered by seq as soon as it is (a renewal of a checkpointed lease waits for Raft, so answers
   * may pass each other). Runs on the event loop: renewals never block.
   */
  @Override
  public StreamObserver<LeaseRenewForward> leaseRenewStream(StreamObserver<LeaseRenewAnswer> out) {
    return new StreamObserver<>() {
      private boolean done; // guarded by out

      @Override
      public void onNext(LeaseRenewForward f) {
        source
            .leaseRenewAsLeader(f.getLeaseId())
            .whenComplete((r, e) -> answer(f.getSeq(), r, e));
      }

      private void answer(long seq, Long ttl, Throwable e) {
        LeaseRenewAnswer.Builder a = LeaseRenewAnswer.newBuilder().setSeq(seq);
        if (e == null) {
          a.setTtl(ttl);
        } else if (ErrorMapping.etcdError(e) == EtcdError.LEASE_NOT_FOUND) {
          a.setOutcome(LeaseRenewAnswer.Outcome.NOT_FOUND);
        } else {
          a.setOutcome(LeaseRenewAnswer.Outcome.NOT_LEADER);
        }
        synchronized (out) {
          if (!done) {
            out.onNext(a.build());
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        synchronized (out) {
          done = true;
        }
      }

      @Override
      public void onCompleted() {
        synchronized (out) {
          if (!done) {
            done = true;
            out.onCompleted();
          }
        }
      }
    };
  }

  @Override
  public void leaseTimeToLive(
      LeaseTimeToLiveRequest request, StreamObserver<LeaseTimeToLiveResponse> out) {
    answer(source.leaseTimeToLiveAsLeader(request), out);
  }

  @Override
  public void hashKV(
      io.etcdj.api.etcdserverpb.HashKVRequest request,
      StreamObserver<io.etcdj.api.etcdserverpb.HashKVResponse> out) {
    answer(source.hashKV(request.getRevision()), out);
  }

  private static <T> void answer(
      java.util.concurrent.CompletableFuture<T> future, StreamObserver<T> out) {
    future.whenComplete(
        (value, error) -> {
          if (error != null) {
            out.onError(ErrorMapping.toStatus(error));
          } else {
            out.onNext(value);
            out.onCompleted();
          }
        });
  }

  private MembersResponse response(List<Member> members) {
    return MembersResponse.newBuilder()
        .setClusterId(source.clusterId())
        .addAllMembers(members)
        .build();
  }
}
