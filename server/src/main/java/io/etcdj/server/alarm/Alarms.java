package io.etcdj.server.alarm;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.errors.EtcdError;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The alarm API of a member, for the Maintenance service, the quota check, the corruption check
 * and /health: raise or clear an alarm (proposed through Raft, so every member applies it), and
 * read the alarms this member has applied. etcd's {@code EtcdServer.Alarm} and {@code Alarms()},
 * plus the quota check of {@code v3rpc/quota.go} ({@code quotaAlarmer}).
 *
 * <p>Threading: any thread; never blocks (proposals complete on the apply thread).
 */
public final class Alarms {
  /** Proposes an entry through Raft (the server's proposal path). */
  @FunctionalInterface
  public interface Proposer {
    CompletableFuture<Object> propose(InternalRaftRequest.Builder request, long clientTimeoutNanos);
  }

  /** A client timeout meaning none: the server's request timeout applies. */
  public static final long NO_CLIENT_TIMEOUT = Long.MAX_VALUE;

  private final AlarmStore store;
  private final long selfId;
  private final BackendQuota quota;
  private final LongSupplier backendBytes;
  private final Proposer proposer;

  /**
   * @param backendBytes the backend size the quota is compared with (bytes in use)
   */
  public Alarms(
      AlarmStore store, long selfId, BackendQuota quota, LongSupplier backendBytes, Proposer proposer) {
    this.store = store;
    this.selfId = selfId;
    this.quota = quota;
    this.backendBytes = backendBytes;
    this.proposer = proposer;
  }

  /** Every alarm this member has applied, ordered by type then member id. */
  public List<AlarmMember> active() {
    return store.active();
  }

  /** The applied alarms of one type ({@link AlarmType#NONE_VALUE}: all). */
  public List<AlarmMember> get(int typeValue) {
    return store.get(typeValue);
  }

  public BackendQuota quota() {
    return quota;
  }

  /** Raises {@code type} for {@code memberId}; completes once applied on this member. */
  public CompletableFuture<AlarmResponse> raise(long memberId, AlarmType type) {
    return propose(
        AlarmRequest.newBuilder()
            .setAction(AlarmRequest.AlarmAction.ACTIVATE)
            .setMemberID(memberId)
            .setAlarm(type)
            .build(),
        NO_CLIENT_TIMEOUT);
  }

  /** Proposes an ACTIVATE or DEACTIVATE request; completes with the applied answer. */
  public CompletableFuture<AlarmResponse> propose(AlarmRequest request, long clientTimeoutNanos) {
    return proposer
        .propose(InternalRaftRequest.newBuilder().setAlarm(request), clientTimeoutNanos)
        .thenApply(AlarmResponse.class::cast);
  }

  /**
   * etcd's quota check in front of Put, Txn and LeaseGrant: null when a write of {@code costBytes}
   * fits the quota; otherwise NOSPACE is raised for this member and the returned future fails with
   * "database space exceeded" once the alarm is applied (or its proposal failed), so a client that
   * sees the error finds the alarm listed. When this member's NOSPACE is already applied the raise
   * is skipped: it would change nothing.
   */
  public CompletableFuture<Void> checkQuota(long costBytes) {
    if (quota.available(costBytes, backendBytes.getAsLong())) {
      return null;
    }
    for (AlarmMember m : store.get(AlarmType.NOSPACE_VALUE)) {
      if (m.getMemberID() == selfId) {
        return CompletableFuture.failedFuture(EtcdError.NO_SPACE.exception());
      }
    }
    return raise(selfId, AlarmType.NOSPACE)
        .handle(
            (r, e) -> {
              throw EtcdError.NO_SPACE.exception();
            });
  }
}
