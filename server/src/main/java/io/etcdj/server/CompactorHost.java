package io.etcdj.server;

import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.compactor.AutoCompactor;
import java.util.concurrent.CompletableFuture;

/** The leader's auto-compaction proposes an ordinary Compaction through the log, as a client's. */
final class CompactorHost implements AutoCompactor.Host {
  private final EtcdServer server;

  CompactorHost(EtcdServer server) {
    this.server = server;
  }

  @Override
  public long rev() {
    return server.kv().rev();
  }

  @Override
  public boolean isLeader() {
    return server.leaderId() == server.cluster().memberId();
  }

  @Override
  public CompletableFuture<?> compact(long revision) {
    return server.propose(
        InternalRaftRequest.newBuilder()
            .setCompaction(CompactionRequest.newBuilder().setRevision(revision)));
  }
}
