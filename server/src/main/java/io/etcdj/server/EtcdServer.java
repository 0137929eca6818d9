package io.etcdj.server;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.internal.ClusterVersionSetRequest;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.api.internal.MemberAttributesRequest;
import io.etcdj.api.internal.RequestHeader;
import io.etcdj.raft.wal.Wal;
import io.etcdj.raft.wal.WalOptions;
import io.etcdj.server.apply.KvApplier;
import io.etcdj.server.apply.Leases;
import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.List;
import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.ConfChange;
import io.etcdj.api.internal.ConfChangeType;
import io.etcdj.raft.RawNode;
import io.etcdj.server.membership.MemberIds;
import io.etcdj.server.membership.Membership;
import io.etcdj.server.transport.PeerServer;
import io.etcdj.server.transport.Transport;
import io.etcdj.server.transport.TransportConfig;
import java.util.Map;
import java.net.URI;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One etcdj member (etcd's {@code EtcdServer}): owns the store, the WAL-backed log, the apply
 * loop and the proposal path. gRPC services call {@link #propose} (never blocks) and read through
 * {@link #kv()}.
 */
public final class EtcdServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EtcdServer.class);

  /** The etcd version this server answers as (Status, /version): its API is etcd 3.4's. */
  public static final String VERSION = "3.4.23";

  private final ServerConfig config;
  private final ClusterInfo cluster;
  private final KV kv;
  private final Wal wal;
  private final Wait wait = new Wait();
  private final KvApplier applier = new KvApplier(Leases.NONE);
  private final ApplyLoop applyLoop;
  private final RaftLoop log;
  private final Membership membership;
  private final TransportConfig transportConfig;
  private final Transport transport;
  private PeerServer peerServer;
  private final AtomicLong requestIds;
  private volatile boolean stopped;
  private final CompletableFuture<Void> removed = new CompletableFuture<>();
  private final java.util.concurrent.ScheduledThreadPoolExecutor timers;

  private EtcdServer(ServerConfig config, ClusterInfo cluster, KV kv, Wal wal) {
    this.config = config;
    this.cluster = cluster;
    this.kv = kv;
    this.wal = wal;
    this.membership = Membership.load(config.memberDir().resolve("members"));
    this.applyLoop =
        new ApplyLoop(kv, membership, applier, wait, 1_024, config.applyBatchEntriesMax());
    List<Member> initialMembers = new ArrayList<>();
    for (Map.Entry<String, List<URI>> m : config.initialCluster().entrySet()) {
      initialMembers.add(
          Member.newBuilder()
              .setID(MemberIds.memberId(m.getValue(), config.initialClusterToken()))
              .addAllPeerURLs(m.getValue().stream().map(Object::toString).toList())
              .build());
    }
    this.log =
        RaftLoop.recover(
            wal,
            kv,
            applyLoop,
            wait,
            new RaftLoop.Params(
                cluster.memberId(),
                initialMembers,
                config.electionTicks(),
                1,
                config.heartbeatIntervalMs(),
                config.requestTimeoutMs(),
                config.snapshotCount(),
                config.snapshotCatchUpEntries(),
                config.proposalQueueMax(),
                config.memberDir().resolve("snap")));
    this.timers =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "etcdj-request-timeouts");
              t.setDaemon(true);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
    this.transportConfig =
        TransportConfig.builder(
                cluster.clusterId(), cluster.memberId(), config.memberDir().resolve("snap"))
            .build();
    this.transport = Transport.create(transportConfig, log.handler());
    // Peers known now: the saved membership after a restart, the initial cluster on a first start.
    List<Member> peers = membership.list().isEmpty() ? initialMembers : membership.list();
    for (Member m : peers) {
      if (m.getID() != cluster.memberId()) {
        transport.addPeer(m.getID(), RaftLoop.urls(m));
      }
    }
    log.attach(transport);
    applyLoop.onSelfRemoved(
        cluster.memberId(),
        () -> new Thread(() -> {
          close();
          removed.complete(null);
        }, "etcdj-removed").start());
    // Unique per member across restarts: the high bits come from the start time.
    this.requestIds = new AtomicLong(System.currentTimeMillis() << 20);
  }

  /** Opens the data dir, replays what the store has not applied, and starts the loops. */
  public static EtcdServer start(ServerConfig config) {
    KV kv = null;
    Wal wal = null;
    try {
      Files.createDirectories(config.backendDir());
      Files.createDirectories(config.walDir());
      ClusterInfo cluster = ClusterInfo.loadOrCreate(config);
      kv = KvStores.openLmdb(config.backendDir(), mapSizeBytes(config));
      wal = Wal.open(config.walDir(), WalOptions.defaults());
      EtcdServer server = new EtcdServer(config, cluster, kv, wal);
      server.recoverAndStart();
      return server;
    } catch (IOException e) {
      closeQuietly(wal, kv);
      throw new UncheckedIOException("cannot open data dir " + config.dataDir(), e);
    } catch (RuntimeException e) {
      closeQuietly(wal, kv);
      throw e;
    }
  }

  /** LMDB's map is a hard ceiling: leave room above the quota so the quota check fires first. */
  private static long mapSizeBytes(ServerConfig config) {
    return Math.max(config.effectiveQuotaBytes() * 2, 8L * 1024 * 1024 * 1024);
  }

  /** How long one publish attempt waits before it is retried. */
  private static final long PUBLISH_ATTEMPT_SECONDS = 5;

  private void publishUntilApplied(InternalRaftRequest.Builder request) {
    long attempts = 0;
    while (!stopped) {
      attempts++;
      try {
        propose(request.clone()).get(PUBLISH_ATTEMPT_SECONDS, TimeUnit.SECONDS);
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while publishing this member", e);
      } catch (ExecutionException | TimeoutException e) {
        if (attempts % 10 == 1) {
          LOG.warn("publishing this member failed ({}); retrying until the cluster has a leader",
              e.getCause() == null ? e.toString() : e.getCause().getMessage());
        }
        try {
          Thread.sleep(100);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while publishing this member", ie);
        }
      }
    }
    throw new IllegalStateException("stopped before this member was published");
  }

  /**
   * Starts the loops, then announces this member through the log as etcd does (its name and client
   * URLs; a new cluster also records its version) and returns once that is applied, so that
   * everything before it in the log has been replayed into the store.
   */
  private void recoverAndStart() {
    try {
      peerServer =
          PeerServer.start(transportConfig, config.listenPeerUrls(), transport);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + config.listenPeerUrls(), e);
    }
    transport.start();
    applyLoop.start();
    log.start();
    InternalRaftRequest.Builder publish =
        InternalRaftRequest.newBuilder()
            .setMemberAttributes(
                MemberAttributesRequest.newBuilder()
                    .setMemberId(cluster.memberId())
                    .setName(config.name())
                    .addAllClientUrls(
                        config.advertiseClientUrls().stream().map(Object::toString).toList()));
    // As etcd, keep trying until the cluster has a leader and the entry is applied; clients are
    // served only afterwards.
    publishUntilApplied(publish);
    if (log.bootstrapped() && log.leaderId() == cluster.memberId()) {
      publishUntilApplied(
          InternalRaftRequest.newBuilder()
              .setClusterVersionSet(ClusterVersionSetRequest.newBuilder().setVersion("3.4.0")));
    }
    LOG.info(
        "recovered: term {}, applied index {}, revision {}, compacted revision {}",
        log.term(),
        applyLoop.appliedIndex(),
        kv.rev(),
        kv.compactRev());
  }

  public ServerConfig config() {
    return config;
  }

  public ClusterInfo cluster() {
    return cluster;
  }

  public KV kv() {
    return kv;
  }

  public KvApplier applier() {
    return applier;
  }

  public long term() {
    return log.term();
  }

  public long leaderId() {
    return log.leaderId();
  }

  public long committedIndex() {
    return log.committedIndex();
  }

  public long appliedIndex() {
    return applyLoop.appliedIndex();
  }

  /** The members as the log has decided them, ordered by id. */
  public List<Member> members() {
    return membership.list();
  }

  /** True while the member list says this member is a learner (etcd's IsLearner). */
  public boolean isLearner() {
    Member self = membership.get(cluster.memberId());
    return self != null && self.getIsLearner();
  }

  // ------------------------------------------------------------------ membership changes

  /** etcd's HealthInterval: peers must have been connected this long for a reconfiguration. */
  private static final long HEALTH_INTERVAL_MS = 5_000;

  /** MemberAdd: proposes the new member; completes with the new member and the member list. */
  public CompletableFuture<Member> addMember(List<String> peerUrls, boolean learner) {
    List<URI> urls = new ArrayList<>();
    try {
      for (String u : peerUrls) {
        URI uri = new URI(u);
        if (uri.getScheme() == null || uri.getHost() == null || uri.getPort() < 0) {
          throw new java.net.URISyntaxException(u, "not scheme://host:port");
        }
        urls.add(uri);
      }
    } catch (java.net.URISyntaxException e) {
      return CompletableFuture.failedFuture(EtcdError.INVALID_PEER_URLS.exception());
    }
    if (urls.isEmpty()) {
      return CompletableFuture.failedFuture(EtcdError.INVALID_PEER_URLS.exception());
    }
    for (Member m : membership.list()) {
      for (String u : m.getPeerURLsList()) {
        if (peerUrls.contains(u)) {
          return CompletableFuture.failedFuture(EtcdError.PEER_URL_EXISTS.exception());
        }
      }
    }
    if (learner && membership.list().stream().filter(Member::getIsLearner).count() >= 1) {
      return CompletableFuture.failedFuture(EtcdError.TOO_MANY_LEARNERS.exception());
    }
    if (!learner) {
      EtcdError unready = checkReconfiguration(0, +1);
      if (unready != null) {
        return CompletableFuture.failedFuture(unready.exception());
      }
    }
    // As etcd: the id mixes the peer URLs, the cluster token and the time, so re-adding the same
    // URLs later gives a new member.
    long id = MemberIds.memberId(urls, config.initialClusterToken() + (System.currentTimeMillis() / 1000));
    if (membership.contains(id)) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_EXISTS.exception());
    }
    Member m = Member.newBuilder().setID(id).addAllPeerURLs(peerUrls).setIsLearner(learner).build();
    return proposeConfChange(
            learner ? ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE : ConfChangeType.CONF_CHANGE_ADD_NODE,
            id,
            m)
        .thenApply(v -> m);
  }

  public CompletableFuture<Object> removeMember(long id) {
    Member m = membership.get(id);
    if (m == null) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
    }
    if (!m.getIsLearner()) {
      // A member that is down is safe to remove: it is not part of the active quorum.
      boolean down = id != cluster.memberId() && transport.activeSince(id) == 0;
      EtcdError unready = down ? null : checkReconfiguration(id, -1);
      if (unready != null) {
        return CompletableFuture.failedFuture(unready.exception());
      }
    }
    return proposeConfChange(ConfChangeType.CONF_CHANGE_REMOVE_NODE, id, m);
  }

  public CompletableFuture<Object> updateMember(long id, List<String> peerUrls) {
    Member m = membership.get(id);
    if (m == null) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
    }
    for (Member other : membership.list()) {
      if (other.getID() != id && other.getPeerURLsList().stream().anyMatch(peerUrls::contains)) {
        return CompletableFuture.failedFuture(EtcdError.PEER_URL_EXISTS.exception());
      }
    }
    return proposeConfChange(
        ConfChangeType.CONF_CHANGE_UPDATE_NODE,
        id,
        m.toBuilder().clearPeerURLs().addAllPeerURLs(peerUrls).build());
  }

  /** Promotes a learner once the leader sees it caught up (match ≥ 90% of the leader's commit). */
  public CompletableFuture<Object> promoteMember(long id) {
    Member m = membership.get(id);
    if (m == null) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
    }
    if (!m.getIsLearner()) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_LEARNER.exception());
    }
    return log.onLoop(RawNode::status)
        .thenCompose(
            st -> {
              if (st.role() == io.etcdj.raft.StateRole.LEADER) {
                io.etcdj.raft.Status.PeerProgress pr = st.progress().get(id);
                if (pr == null || pr.match() < st.commit() * 9 / 10) {
                  return CompletableFuture.failedFuture(EtcdError.LEARNER_NOT_READY.exception());
                }
              }
              return proposeConfChange(
                  ConfChangeType.CONF_CHANGE_ADD_NODE, id, m.toBuilder().setIsLearner(false).build());
            });
  }

  /** MoveLeader: must be called on the leader; completes once the target leads. */
  public CompletableFuture<Void> moveLeader(long target) {
    if (log.leaderId() != cluster.memberId()) {
      return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
    }
    Member m = membership.get(target);
    if (m == null || m.getIsLearner()) {
      return CompletableFuture.failedFuture(EtcdError.BAD_LEADER_TRANSFEREE.exception());
    }
    if (target == cluster.memberId()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    log.onLoop(node -> {
          node.transferLeader(target);
          return null;
        })
        .whenComplete(
            (v, err) -> {
              if (err != null) {
                done.completeExceptionally(err);
                return;
              }
              awaitLeader(target, System.nanoTime() + TimeUnit.SECONDS.toNanos(5), done);
            });
    return done;
  }

  private void awaitLeader(long target, long deadlineNanos, CompletableFuture<Void> done) {
    if (log.leaderId() == target) {
      done.complete(null);
    } else if (System.nanoTime() - deadlineNanos > 0) {
      done.completeExceptionally(EtcdError.TIMEOUT.exception());
    } else {
      CompletableFuture.delayedExecutor(20, TimeUnit.MILLISECONDS)
          .execute(() -> awaitLeader(target, deadlineNanos, done));
    }
  }

  /**
   * etcd's strict reconfiguration check: the voters that would remain must keep a quorum of
   * started, connected members, and every voting peer must have been connected for a while.
   */
  private EtcdError checkReconfiguration(long removing, int voterDelta) {
    long now = System.currentTimeMillis();
    int voters = 0;
    int active = 0;
    boolean healthy = true;
    for (Member m : membership.list()) {
      if (m.getIsLearner() || m.getID() == removing) {
        continue;
      }
      voters++;
      if (m.getID() == cluster.memberId()) {
        active++;
        continue;
      }
      long since = transport.activeSince(m.getID());
      if (since != 0) {
        active++;
      }
      if (since == 0 || now - since < HEALTH_INTERVAL_MS) {
        healthy = false;
      }
    }
    int after = voterDelta > 0 ? voters + voterDelta : voters;
    if (active < after / 2 + 1) {
      return EtcdError.NOT_ENOUGH_STARTED;
    }
    return healthy ? null : EtcdError.UNHEALTHY_CLUSTER;
  }

  private CompletableFuture<Object> proposeConfChange(ConfChangeType type, long nodeId, Member m) {
    if (stopped) {
      return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
    }
    long id = requestIds.incrementAndGet();
    CompletableFuture<Object> f = wait.register(id);
    ConfChange cc =
        ConfChange.newBuilder().setId(id).setType(type).setNodeId(nodeId).setContext(m.toByteString()).build();
    if (!log.proposeConfChange(cc)) {
      wait.cancel(id, EtcdError.TOO_MANY_REQUESTS.exception());
    }
    return f;
  }

  /** Completes when this member was removed from the cluster and has stopped itself. */
  public CompletableFuture<Void> removed() {
    return removed;
  }

  /** True while this member is the only voter (reads need no read index then). */
  public boolean singleVoter() {
    return log.singleVoter();
  }

  /** A client timeout meaning "the client set no deadline". */
  public static final long NO_CLIENT_TIMEOUT = Long.MAX_VALUE;

  private static final Runnable NOTHING = () -> { };

  /**
   * Completes when a read on this member is linearizable: the leader has confirmed a read index
   * and this member has applied up to it. Fails with "request timed out" when no read index comes
   * within the request timeout, and with "leader changed" when a new leader is elected meanwhile.
   * As etcd, a client deadline that comes first ends the wait with the raw "context deadline
   * exceeded".
   *
   * @param clientTimeoutNanos the time the client has left, or {@link #NO_CLIENT_TIMEOUT}
   */
  public CompletableFuture<Void> linearizableRead(long clientTimeoutNanos) {
    if (log.singleVoter()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> read = log.readIndex().thenCompose(applyLoop::waitApplied);
    if (clientTimeoutNanos >= TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs())) {
      return read;
    }
    CompletableFuture<Void> out = new CompletableFuture<>();
    var timeout =
        timers.schedule(
            () -> out.completeExceptionally(EtcdError.CONTEXT_DEADLINE_EXCEEDED.exception()),
            Math.max(0, clientTimeoutNanos),
            TimeUnit.NANOSECONDS);
    read.whenComplete(
        (v, e) -> {
          timeout.cancel(false);
          if (e != null) {
            out.completeExceptionally(e);
          } else {
            out.complete(null);
          }
        });
    return out;
  }

  /** A header with this member's ids and term; {@code revision} 0 means the store's latest. */
  public ResponseHeader header(long revision) {
    return ResponseHeader.newBuilder()
        .setClusterId(cluster.clusterId())
        .setMemberId(cluster.memberId())
        .setRevision(revision != 0 ? revision : kv.rev())
        .setRaftTerm(log.term())
        .build();
  }

  public CompletableFuture<Object> propose(InternalRaftRequest.Builder request) {
    return propose(request, NO_CLIENT_TIMEOUT);
  }

  /**
   * Proposes a write. The future completes on the apply thread with the response message, or
   * exceptionally with an etcd error (too large, too many requests, stopped, or the apply result).
   *
   * <p>As etcd's processInternalRaftRequestOnce, the proposal has one deadline: the request
   * timeout or the client's deadline, whichever comes first. A proposal raft has not taken by then
   * (no leader) is dropped and fails with the raw "context deadline exceeded"; one it took fails
   * with a "request timed out" that says why (see {@link ProposalTimeouts}).
   *
   * @param clientTimeoutNanos the time the client has left, or {@link #NO_CLIENT_TIMEOUT}
   */
  public CompletableFuture<Object> propose(
      InternalRaftRequest.Builder request, long clientTimeoutNanos) {
    if (stopped) {
      return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
    }
    long id = requestIds.incrementAndGet();
    byte[] data = request.setHeader(RequestHeader.newBuilder().setId(id)).build().toByteArray();
    if (data.length > config.maxRequestBytes()) {
      return CompletableFuture.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
    }
    CompletableFuture<Object> f = wait.register(id);
    long startMillis = System.currentTimeMillis();
    long timeoutNanos =
        Math.max(
            0, Math.min(TimeUnit.MILLISECONDS.toNanos(config.requestTimeoutMs()), clientTimeoutNanos));
    // With peers a forwarded proposal can be lost on the way to the leader, so it needs a timer;
    // a single voter answers every proposal itself and needs neither timer nor flag.
    boolean timed = !log.singleVoter();
    AtomicBoolean accepted = timed ? new AtomicBoolean() : null;
    Runnable onAccepted = timed ? () -> accepted.set(true) : NOTHING;
    if (!log.propose(id, data, System.nanoTime() + timeoutNanos, onAccepted)) {
      wait.cancel(id, EtcdError.TOO_MANY_REQUESTS.exception());
      return f;
    }
    if (timed) {
      var timeout =
          timers.schedule(
              () ->
                  wait.cancel(
                      id,
                      accepted.get()
                          ? proposalTimeout(startMillis).exception()
                          : EtcdError.CONTEXT_DEADLINE_EXCEEDED.exception()),
              timeoutNanos,
              TimeUnit.NANOSECONDS);
      f.whenComplete((r, e) -> timeout.cancel(false));
    }
    return f;
  }

  /** Why a proposal raft took was not applied in time, as etcd's parseProposeCtxErr says it. */
  private EtcdError proposalTimeout(long startMillis) {
    List<Long> ids = new ArrayList<>();
    for (Member m : membership.list()) {
      ids.add(m.getID());
    }
    return ProposalTimeouts.classify(
        startMillis,
        log.leaderElectedMillis(),
        config.electionTimeoutMs(),
        log.leaderId(),
        cluster.memberId(),
        ids,
        transport::activeSince);
  }

  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    transport.stop();
    if (peerServer != null) {
      peerServer.close();
    }
    log.stop();
    applyLoop.stop();
    timers.shutdownNow();
    wait.failAll(EtcdError.STOPPED.exception());
    closeQuietly(wal, kv);
  }

  private static void closeQuietly(AutoCloseable... resources) {
    for (AutoCloseable r : resources) {
      if (r == null) {
        continue;
      }
      try {
        r.close();
      } catch (Exception e) {
        LOG.warn("close failed: {}", e.toString());
      }
    }
  }
}
