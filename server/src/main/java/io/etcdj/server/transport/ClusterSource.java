package io.etcdj.server.transport;

import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.Member;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What {@link PeerClusterService} answers from: this member's view of the cluster (etcd's {@code
 * RaftCluster} as its peer handlers see it).
 *
 * <p>Threads: called on peer server threads; implementations must not block.
 */
public interface ClusterSource {
  long clusterId();

  /** Every member, learners and not-yet-started ones included, ordered by id. */
  List<Member> members();

  /**
   * Promotes learner {@code id} if this member leads the cluster and the learner has caught up;
   * completes with the member list after the change is applied, or exceptionally with an {@code
   * EtcdException} ("not leader" on a follower).
   */
  CompletableFuture<List<Member>> promoteAsLeader(long id);

  /**
   * Renews a lease if this member's lessor keeps lease time (it leads); else fails with a {@code
   * LeaseException} NOT_PRIMARY ("not leader" on the wire). An unknown lease fails NOT_FOUND.
   */
  CompletableFuture<Long> leaseRenewAsLeader(long leaseId);

  /** A lease's time to live from this leader's lessor (TTL -1 when unknown); as above. */
  CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLiveAsLeader(
      LeaseTimeToLiveRequest request);

  /**
   * This member's HashKV at {@code revision} (0: the current one), computed off the calling
   * thread; fails with etcd's compacted or future-revision error.
   */
  CompletableFuture<io.etcdj.api.etcdserverpb.HashKVResponse> hashKV(long revision);
}
