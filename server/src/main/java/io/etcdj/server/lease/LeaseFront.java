package io.etcdj.server.lease;

import io.etcdj.api.etcdserverpb.LeaseCheckpoint;
import io.etcdj.api.etcdserverpb.LeaseCheckpointRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseLeasesResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.LeaseStatus;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.IdGenerator;
import io.etcdj.lease.Checkpoint;
import io.etcdj.lease.LeaseException;
import io.etcdj.lease.Lessor;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.storage.failpoint.FailPoints;
import io.grpc.Status;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease operations of the server (etcd's {@code EtcdServer.LeaseGrant}, {@code LeaseRevoke},
 * {@code LeaseRenew}, {@code LeaseTimeToLive}, {@code LeaseLeases}) and the leader's lease loop.
 *
 * <p>Grant and revoke go through Raft. Renew and time-to-live are answered by the lessor of the
 * leader: on a follower (or a leader that has not yet applied its first entry) they are forwarded
 * to the leader's peer port, retried every 50 ms until the request timeout, as etcd does. Every
 * {@value #LOOP_PERIOD_MS} ms the leader proposes the revocation of expired leases (the lessor
 * rate-limits them) and the due checkpoints.
 *
 * <p>Threading: any thread; nothing blocks. Leadership changes come from the apply thread
 * ({@link #leaderEntryApplied}) and the raft loop ({@link #steppedDown}).
 */
public final class LeaseFront implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeaseFront.class);
  static final long LOOP_PERIOD_MS = 500;
  static final long FORWARD_RETRY_MS = 50;
  /** What the lease operations need from the server. */
  public interface Host {
    long memberId();

    long leaderId();

    long term();

    /** The member's peer URLs, empty when unknown. */
    List<URI> peerUrls(long memberId);

    /** See {@code EtcdServer.propose}: the apply result, or an etcd error. */
    CompletableFuture<Object> propose(InternalRaftRequest.Builder request, long clientTimeoutNanos);

    /** See {@code EtcdServer.linearizableRead}: a read index confirmed by a quorum, applied here. */
    CompletableFuture<Void> linearizableRead();

    long requestTimeoutMs();

    long electionTimeoutMs();

    ScheduledExecutorService timers();
  }

  private final Lessor lessor;
  private final Host host;
  private final LeaderForwarder forwarder = new LeaderForwarder();
  private final IdGenerator leaseIds;
  /** Orders promotion (apply thread) against demotion (raft loop). */
  private final Object leadership = new Object();

  private ScheduledFuture<?> loop;
  /** A tick's leadership check is under way: the next tick skips. */
  private final AtomicBoolean ticking = new AtomicBoolean();

  public LeaseFront(Lessor lessor, Host host) {
    this.lessor = lessor;
    this.host = host;
    this.leaseIds = new IdGenerator(host.memberId(), System.currentTimeMillis());
    lessor.setCheckpointer(
        cps ->
            ensureLeadership()
                .thenCompose(
                    leads ->
                        leads
                            ? host.propose(checkpoints(cps), Long.MAX_VALUE)
                            : CompletableFuture.failedFuture(notPrimary())));
  }

  public void start() {
    loop =
        host.timers()
            .scheduleWithFixedDelay(this::tick, LOOP_PERIOD_MS, LOOP_PERIOD_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.cancel(false);
    }
    lessor.demote();
    forwarder.close();
  }

  // ------------------------------------------------------------------ leadership

  /**
   * The apply thread applied the empty entry a leader appends in {@code term}: if this member
   * leads that term, everything of earlier terms is applied and its lessor takes over, extending
   * every lease by an election timeout (etcd's {@code Promote} in applyEntryNormal).
   */
  public void leaderEntryApplied(long term) {
    synchronized (leadership) {
      if (host.leaderId() == host.memberId() && host.term() == term && !lessor.isPrimary()) {
        lessor.promote(TimeUnit.MILLISECONDS.toNanos(host.electionTimeoutMs()));
        LOG.info("lessor promoted in term {}: {} leases", term, lessor.leaseCount());
      }
    }
  }

  /** The raft loop saw this member stop leading (after publishing the new leader). */
  public void steppedDown() {
    synchronized (leadership) {
      lessor.demote();
    }
  }

  /**
   * One pass of the leader's lease loop: revocations of expired leases, then checkpoints, each
   * only once {@link #ensureLeadership} holds. A skipped revocation comes back from the lessor
   * after its retry interval; a skipped checkpoint at its next period.
   */
  void tick() {
    if (!lessor.isPrimary() && FailPoints.on(FailPoints.BUG_FOLLOWER_LEASE_CLOCK)) {
      revokeByOwnClock();
      return;
    }
    if (!lessor.isPrimary() || !ticking.compareAndSet(false, true)) {
      return;
    }
    try {
      long[] expired = lessor.expiredLeases();
      List<Checkpoint> cps = lessor.dueCheckpoints();
      if (expired.length == 0 && cps.isEmpty()) {
        ticking.set(false);
        return;
      }
      ensureLeadership()
          .whenComplete(
              (leads, e) -> {
                ticking.set(false);
                if (Boolean.TRUE.equals(leads)) {
                  revokeExpired(expired);
                  if (!cps.isEmpty()) {
                    host.propose(checkpoints(cps), Long.MAX_VALUE);
                  }
                } else {
                  LOG.warn(
                      "ignored {} lease revocations and {} checkpoints: this member is no longer"
                          + " the leader",
                      expired.length,
                      cps.size());
                }
              });
    } catch (RuntimeException e) {
      ticking.set(false);
      LOG.warn("lease loop: {}", e.toString()); // never end the periodic task
    }
  }

  /** When this follower first saw each lease: the planted bug's clock (timer thread only). */
  private final java.util.Map<Long, Long> plantedFirstSeen = new java.util.HashMap<>();

  /**
   * The planted bug BUG_FOLLOWER_LEASE_CLOCK: a follower proposes the revocation of every lease it
   * has known for longer than its TTL, blind to the renewals only the leader sees.
   */
  private void revokeByOwnClock() {
    long now = System.nanoTime();
    java.util.List<Long> due = new java.util.ArrayList<>();
    java.util.Set<Long> live = new java.util.HashSet<>();
    for (long id : lessor.leaseIds()) {
      live.add(id);
      long seen = plantedFirstSeen.computeIfAbsent(id, x -> now);
      io.etcdj.lease.LeaseStatus st = lessor.timeToLive(id);
      if (st != null && now - seen > TimeUnit.SECONDS.toNanos(st.grantedTtlSeconds())) {
        due.add(id);
      }
    }
    plantedFirstSeen.keySet().retainAll(live);
    revokeExpired(due.stream().mapToLong(Long::longValue).toArray());
  }

  private void revokeExpired(long[] expired) {
    for (long id : expired) {
      host.propose(
              InternalRaftRequest.newBuilder()
                  .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(id)),
              Long.MAX_VALUE)
          .whenComplete(
              (r, e) -> {
                if (e != null && !(unwrap(e) instanceof LeaseException)) {
                  LOG.debug("revoking expired lease {}: {}", Long.toHexString(id), e.toString());
                }
              });
    }
  }

  /**
   * Completes true when this member still leads: a quorum confirmed a read index and the leader
   * it knows after that is itself (etcd's {@code ensureLeadership}, since 3.4.31 and 3.5.13). Never
   * fails. A leader that was paused or cut off believes it leads until it hears a higher term;
   * renewing a lease on its own clock then promises the client time that the real leader does not
   * know of, and revoking on its own clock ends leases the real leader keeps: once it has stepped
   * down, raft forwards the revocation to the new leader, which commits it (etcd issue 15247;
   * RobustnessFaultTest's PAUSE_LEADER runs failed 2 in 12 without this check).
   */
  CompletableFuture<Boolean> ensureLeadership() {
    try {
      return host.linearizableRead()
          .handle((v, e) -> e == null && host.leaderId() == host.memberId());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  private static InternalRaftRequest.Builder checkpoints(List<Checkpoint> cps) {
    LeaseCheckpointRequest.Builder b = LeaseCheckpointRequest.newBuilder();
    for (Checkpoint c : cps) {
      b.addCheckpoints(
          LeaseCheckpoint.newBuilder().setID(c.leaseId()).setRemainingTTL(c.remainingTtlSeconds()));
    }
    return InternalRaftRequest.newBuilder().setLeaseCheckpoint(b);
  }

  // ------------------------------------------------------------------ client operations

  /** Proposes a grant; an id of 0 gets one chosen here (etcd's reqIDGen, sign bit cleared). */
  public CompletableFuture<LeaseGrantResponse> grant(LeaseGrantRequest r, long clientTimeoutNanos) {
    LeaseGrantRequest req = r;
    while (req.getID() == 0) {
      req = r.toBuilder().setID(nextLeaseId()).build();
    }
    return host.propose(InternalRaftRequest.newBuilder().setLeaseGrant(req), clientTimeoutNanos)
        .thenApply(LeaseGrantResponse.class::cast);
  }

  long nextLeaseId() {
    return leaseIds.next() & Long.MAX_VALUE; // a lease id is positive
  }

  public CompletableFuture<LeaseRevokeResponse> revoke(
      LeaseRevokeRequest r, long clientTimeoutNanos) {
    return host.propose(InternalRaftRequest.newBuilder().setLeaseRevoke(r), clientTimeoutNanos)
        .thenApply(LeaseRevokeResponse.class::cast);
  }

  /**
   * Renews a lease wherever the leader is. Completes with the TTL, or fails with LEASE_NOT_FOUND,
   * or with "request timed out" / "no leader" when the leader cannot be reached in time.
   */
  public CompletableFuture<Long> renew(long leaseId, long clientTimeoutNanos) {
    return renewUntil(leaseId, deadline(clientTimeoutNanos));
  }

  private CompletableFuture<Long> renewUntil(long leaseId, long deadlineNanos) {
    if (lessor.isPrimary()) {
      return renewAsLeader(leaseId)
          .exceptionallyCompose(
              e ->
                  isNotPrimary(e)
                      ? later(() -> renewUntil(leaseId, deadlineNanos), deadlineNanos)
                      : CompletableFuture.failedFuture(unwrap(e)));
    }
    URI leader = leaderUrl();
    if (leader == null) {
      return later(() -> renewUntil(leaseId, deadlineNanos), deadlineNanos);
    }
    return forwarder
        .renew(leader, leaseId, Math.max(1, deadlineNanos - System.nanoTime()))
        .exceptionallyCompose(
            e ->
                Status.fromThrowable(e).getCode() == Status.Code.NOT_FOUND
                    ? CompletableFuture.failedFuture(
                        new LeaseException(LeaseException.Kind.NOT_FOUND))
                    : later(() -> renewUntil(leaseId, deadlineNanos), deadlineNanos));
  }

  /**
   * A renewal by this member's lessor (also the peer side of a forwarded one): fails NOT_PRIMARY
   * unless it keeps lease time and {@link #ensureLeadership} holds, so a deposed leader never
   * renews (etcd's {@code LeaseRenew}).
   */
  public CompletableFuture<Long> renewAsLeader(long leaseId) {
    if (!lessor.isPrimary()) {
      return CompletableFuture.failedFuture(notPrimary());
    }
    return ensureLeadership()
        .thenCompose(
            leads -> leads ? lessor.renew(leaseId) : CompletableFuture.failedFuture(notPrimary()));
  }

  /** Time-to-live from the leader's lessor; an unknown lease answers TTL -1 (etcd 3.4). */
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLive(
      LeaseTimeToLiveRequest r, long clientTimeoutNanos) {
    return timeToLiveUntil(r, deadline(clientTimeoutNanos));
  }

  private CompletableFuture<LeaseTimeToLiveResponse> timeToLiveUntil(
      LeaseTimeToLiveRequest r, long deadlineNanos) {
    if (lessor.isPrimary()) {
      return CompletableFuture.completedFuture(localTimeToLive(r));
    }
    URI leader = leaderUrl();
    if (leader == null) {
      return later(() -> timeToLiveUntil(r, deadlineNanos), deadlineNanos);
    }
    return forwarder
        .timeToLive(leader, r, Math.max(1, deadlineNanos - System.nanoTime()))
        .exceptionallyCompose(e -> later(() -> timeToLiveUntil(r, deadlineNanos), deadlineNanos));
  }

  /** The peer side of a forwarded time-to-live. */
  public CompletableFuture<LeaseTimeToLiveResponse> timeToLiveAsLeader(LeaseTimeToLiveRequest r) {
    if (!lessor.isPrimary()) {
      return CompletableFuture.failedFuture(new LeaseException(LeaseException.Kind.NOT_PRIMARY));
    }
    return CompletableFuture.completedFuture(localTimeToLive(r));
  }

  private LeaseTimeToLiveResponse localTimeToLive(LeaseTimeToLiveRequest r) {
    io.etcdj.lease.LeaseStatus s = lessor.timeToLive(r.getID());
    LeaseTimeToLiveResponse.Builder b = LeaseTimeToLiveResponse.newBuilder().setID(r.getID());
    if (s == null) {
      return b.setTTL(-1).build();
    }
    b.setTTL(s.remainingSeconds()).setGrantedTTL(s.grantedTtlSeconds());
    if (r.getKeys()) {
      b.addAllKeys(s.keys());
    }
    return b.build();
  }

  /** This member's leases (etcd answers from the local lessor, leader or not). */
  public LeaseLeasesResponse leases() {
    LeaseLeasesResponse.Builder b = LeaseLeasesResponse.newBuilder();
    for (long id : lessor.leaseIds()) {
      b.addLeases(LeaseStatus.newBuilder().setID(id));
    }
    return b.build();
  }

  // ------------------------------------------------------------------ helpers

  private long deadline(long clientTimeoutNanos) {
    long budget =
        Math.min(TimeUnit.MILLISECONDS.toNanos(host.requestTimeoutMs()), clientTimeoutNanos);
    return System.nanoTime() + Math.max(0, budget);
  }

  /** The leader's first peer URL, or null when there is no leader or it is this member. */
  private URI leaderUrl() {
    long leader = host.leaderId();
    if (leader == 0 || leader == host.memberId()) {
      return null; // none yet, or this member leads but has not promoted its lessor yet
    }
    List<URI> urls = host.peerUrls(leader);
    return urls.isEmpty() ? null : urls.get(0);
  }

  /** Runs {@code again} after the forward retry pause, or fails if the deadline comes first. */
  private <T> CompletableFuture<T> later(Supplier<CompletableFuture<T>> again, long deadlineNanos) {
    if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FORWARD_RETRY_MS) - deadlineNanos >= 0) {
      return CompletableFuture.failedFuture(
          (host.leaderId() == 0 ? EtcdError.NO_LEADER : EtcdError.TIMEOUT).exception());
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    try {
      host.timers()
          .schedule(
              () ->
                  again
                      .get()
                      .whenComplete(
                          (v, e) -> {
                            if (e != null) {
                              out.completeExceptionally(unwrap(e));
                            } else {
                              out.complete(v);
                            }
                          }),
              FORWARD_RETRY_MS,
              TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      out.completeExceptionally(EtcdError.STOPPED.exception());
    }
    return out;
  }

  private static LeaseException notPrimary() {
    return new LeaseException(LeaseException.Kind.NOT_PRIMARY);
  }

  private static boolean isNotPrimary(Throwable e) {
    return unwrap(e) instanceof LeaseException le && le.kind() == LeaseException.Kind.NOT_PRIMARY;
  }

  private static Throwable unwrap(Throwable e) {
    Throwable cur = e;
    while (cur instanceof CompletionException && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }
}
