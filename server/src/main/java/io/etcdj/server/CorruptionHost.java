package io.etcdj.server;

import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.server.corrupt.CorruptionCheck;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.transport.PeerClusterClient;
import io.etcdj.storage.mvcc.HashResult;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The server side of the corruption checks: this member's HashKV as Maintenance.HashKV answers
 * it, peers' over the peer transport (their etcd errors turned back into exceptions), the
 * linearizable read, and the CORRUPT alarm proposal.
 */
final class CorruptionHost implements CorruptionCheck.Host {
  private final EtcdServer server;

  CorruptionHost(EtcdServer server) {
    this.server = server;
  }

  @Override
  public long memberId() {
    return server.cluster().memberId();
  }

  @Override
  public List<Member> members() {
    return server.members();
  }

  @Override
  public boolean isLeader() {
    return server.leaderId() == memberId();
  }

  @Override
  public HashKVResponse localHashKV(long revision) {
    HashResult h = server.kv().hashByRev(revision);
    // As etcd 3.4 answers HashKV: compact revision -1 before the first compaction.
    return HashKVResponse.newBuilder()
        .setHeader(server.header(h.currentRevision()))
        .setHash(h.hash())
        .setCompactRevision(h.compactRevision() == 0 ? -1 : h.compactRevision())
        .setHashRevision(h.hashRevision())
        .build();
  }

  @Override
  public HashKVResponse peerHashKV(URI peerUrl, long revision, long timeoutMs) {
    try {
      return PeerClusterClient.hashKV(peerUrl, revision, timeoutMs);
    } catch (StatusRuntimeException e) {
      EtcdError error = EtcdError.ofMessage(e.getStatus().getDescription());
      throw error != null ? error.exception() : e;
    }
  }

  @Override
  public CompletableFuture<Void> linearizableRead() {
    return server.linearizableRead(EtcdServer.NO_CLIENT_TIMEOUT);
  }

  @Override
  public CompletableFuture<?> raiseCorrupt() {
    return server.alarms().raise(0, AlarmType.CORRUPT);
  }
}
