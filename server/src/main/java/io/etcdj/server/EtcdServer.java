package io.etcdj.server;

import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.internal.ClusterVersionSetRequest;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.api.internal.MemberAttributesRequest;
import io.etcdj.api.internal.RequestHeader;
import io.etcdj.raft.wal.Wal;
import io.etcdj.raft.wal.WalOptions;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.lease.Lessor;
import io.etcdj.lease.LessorConfig;
import io.etcdj.server.alarm.AlarmStore;
import io.etcdj.server.alarm.Alarms;
import io.etcdj.server.alarm.BackendQuota;
import io.etcdj.server.alarm.QuotaApplier;
import io.etcdj.server.apply.KvApplier;
import io.etcdj.server.compactor.AutoCompactor;
import io.etcdj.server.corrupt.CorruptionCheck;
import io.etcdj.server.apply.LeaseApplier;
import io.etcdj.server.lease.LeaseFront;
import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.storage.failpoint.FailPoints;
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
import io.etcdj.server.membership.ReconfigChecks;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.server.transport.ClusterSource;
import io.etcdj.server.transport.PeerClusterClient;
import io.etcdj.server.transport.PeerClusterService;
import io.etcdj.server.transport.PeerServer;
import io.etcdj.server.transport.RaftHandler;
import io.etcdj.server.metrics.Metrics;
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
import io.etcdj.watch.WatchableStore;
import io.etcdj.server.logging.EtcdEvents;
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

  /** The cluster version this member publishes (etcd's 3.4 members agree on 3.4.0). */
  public static final String CLUSTER_VERSION = "3.4.0";

  private final ServerConfig config;
  /** This member's Prometheus metrics, handed to the parts that record. */
  private final Metrics metrics;
  private final ClusterInfo cluster;
  private final KV kv;
  private final Wal wal;
  private final Wait wait = new Wait();
  private final Lessor lessor;
  private final KvApplier applier;
  /** Set once the raft loop exists; null while the WAL is replayed in the constructor. */
  private LeaseFront leaseFront;
  private final ApplyLoop applyLoop;
  private final Alarms alarms;
  private final WatchableStore watchable;
  private final RaftLoop log;
  private final Membership membership;
  private final TransportConfig transportConfig;
  private final Transport transport;
  private PeerServer peerServer;
  /** The HashKV comparisons with peers (etcd's corrupt.go). */
  private final CorruptionCheck corruption;
  /** Null unless --auto-compaction-retention is set. */
  private volatile AutoCompactor compactor;
  private final IdGenerator requestIds;
  private volatile boolean stopped;
  private final CompletableFuture<Void> removed = new CompletableFuture<>();
  private final java.util.concurrent.atomic.AtomicBoolean removing =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final java.util.concurrent.ScheduledThreadPoolExecutor timers;
  /** Runs promotions a follower forwards to the leader (blocking peer calls). */
  private final java.util.concurrent.ThreadPoolExecutor forwarder;

  private EtcdServer(ServerConfig config, ClusterInfo.Start start, KV kv, Wal wal) {
    this.metrics = new Metrics(config.metricsExtensive());
    wal.observeFsync(metrics::walFsyncNanos);
    this.config = config;
    this.cluster = start.info();
    this.kv = kv;
    this.wal = wal;
    this.membership = Membership.load(config.memberDir().resolve(ClusterInfo.MEMBERS_FILE));
    this.watchable =
        new WatchableStore(WatchableStore.of(kv), config.watchProgressNotifyIntervalNanos());
    this.lessor =
        new Lessor(
            LessorConfig.of(config.electionTimeoutMs(), config.leaseCheckpoint()), System::nanoTime);
    this.applier = new KvApplier(lessor::exists);
    LeaseApplier leaseApplier = new LeaseApplier(lessor);
    leaseApplier.recover(kv); // before the WAL replay below applies anything on top
    kv.observeTxns(metrics.mvcc()); // after recovery: its reads are no client's ranges
    AlarmStore alarmStore = new AlarmStore();
    alarmStore.load(kv);
    BackendQuota quota = BackendQuota.of(config.quotaBackendBytes(), LOG);
    this.alarms = new Alarms(alarmStore, cluster.memberId(), quota, kv::dbSizeInUse, this::propose);
    this.applyLoop =
        new ApplyLoop(
            kv,
            membership,
            applier,
            leaseApplier,
            alarmStore,
            new QuotaApplier(
                quota,
                kv::dbSizeInUse,
                alarmStore,
                () -> alarms.raise(cluster.memberId(), io.etcdj.api.etcdserverpb.AlarmType.NOSPACE)),
            this::leaderEntryApplied,
            wait,
            watchable,
            1_024,
            config.applyBatchEntriesMax());
    // The bootstrap entries of a new cluster carry ids and peer URLs; names come with publish.
    List<Member> initialMembers = new ArrayList<>();
    for (Member m : ClusterInfo.initialMembers(config)) {
      initialMembers.add(m.toBuilder().clearName().build());
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
                config.memberDir().resolve("snap"),
                cluster.joined(),
                metrics.leaderChanges::inc,
                config.maxWals()));
    this.timers =
        new java.util.concurrent.ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "etcdj-request-timeouts");
              t.setDaemon(true);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
    this.forwarder =
        new java.util.concurrent.ThreadPoolExecutor(
            0,
            PROMOTE_FORWARDS_MAX,
            30,
            TimeUnit.SECONDS,
            new java.util.concurrent.SynchronousQueue<>(),
            r -> {
              Thread t = new Thread(r, "etcdj-promote-forward");
              t.setDaemon(true);
              return t;
            });
    this.transportConfig =
        TransportConfig.builder(
                cluster.clusterId(), cluster.memberId(), config.memberDir().resolve("snap"))
            .build();
    // Removed members' calls are refused, so a straggler learns its removal and stops.
    this.transport =
        Transport.create(
            transportConfig,
            noticingRemoval(log.handler()),
            membership::isRemoved,
            metrics.peers());
    // Peers known now: the saved membership after a restart; on a first start the initial
    // cluster, or the running cluster's members when joining it.
    List<Member> peers = membership.list().isEmpty() ? start.knownMembers() : membership.list();
    for (Member m : peers) {
      if (m.getID() != cluster.memberId()) {
        transport.addPeer(m.getID(), RaftLoop.urls(m));
      }
    }
    log.attach(transport);
    this.leaseFront = new LeaseFront(lessor, new LeaseHost());
    this.corruption = new CorruptionCheck(new CorruptionHost(this), config.requestTimeoutMs());
    log.onSteppedDown(leaseFront::steppedDown);
    applyLoop.onSelfRemoved(cluster.memberId(), this::stopRemoved);
    applyLoop.clusterId(cluster.clusterId());
    this.requestIds = new IdGenerator(cluster.memberId(), System.currentTimeMillis());
  }

  /** Opens the data dir, replays what the store has not applied, and starts the loops. */
  public static EtcdServer start(ServerConfig config) {
    return start(config, server -> {});
  }

  /**
   * As {@link #start(ServerConfig)}; {@code beforePublish} runs on the calling thread once the
   * loops run, while this member's publish entry travels through the cluster, so work a caller
   * needs before serving (building the client server) overlaps that wait. It must not serve
   * clients yet: everything before the publish entry is still being applied.
   */
  public static EtcdServer start(ServerConfig config, java.util.function.Consumer<EtcdServer> beforePublish) {
    KV kv = null;
    Wal wal = null;
    try {
      boolean memberInitialized = CorruptionCheck.hasWal(config.walDir());
      PeerTlsSetup.configureDialing(config); // before the join's first dial
      Files.createDirectories(config.backendDir());
      Files.createDirectories(config.walDir());
      ClusterInfo.Start start =
          ClusterInfo.loadOrCreate(
              config,
              urls -> {
                StartupWarmup.awaitAll(); // a gRPC client: Netty must be initialized by then
                return PeerClusterClient.fetchMembers(urls, JOIN_FETCH_TIMEOUT_MS);
              });
      // The WAL first: its replay overlaps the warm-up's LMDB binding, the longest step of a start.
      wal = Wal.open(config.walDir(), WalSegments.options());
      StartupWarmup.awaitStorage();
      kv = KvStores.openLmdb(config.backendDir(), mapSizeBytes(config));
      StartupWarmup.awaitAll(); // before the first Netty or gRPC object
      EtcdServer server = new EtcdServer(config, start, kv, wal);
      try {
        server.recoverAndStart(memberInitialized, beforePublish);
      } catch (RuntimeException e) {
        server.close(); // the peer listener and loops may already run
        throw e;
      }
      server.metrics.watch(new EtcdServerState(server), VERSION, CLUSTER_VERSION);
      server.metrics.registerJvmMetricsInBackground();
      return server;
    } catch (IOException e) {
      closeQuietly(wal, kv);
      throw new UncheckedIOException("cannot open data dir " + config.dataDir(), e);
    } catch (RuntimeException e) {
      closeQuietly(wal, kv);
      throw e;
    }
  }

  /** How long a joining member waits for each peer's member list (etcd: 10 s per peer URL). */
  private static final long JOIN_FETCH_TIMEOUT_MS = 10_000;

  /**
   * LMDB's map is a hard ceiling: leave room above the quota so the quota check fires first (the
   * file may outgrow the bytes in use while readers pin freed pages). Without a quota, room for
   * far more than etcd's largest recommended quota. The map only reserves address space.
   */
  private static long mapSizeBytes(ServerConfig config) {
    long quota = config.effectiveQuotaBytes();
    return quota < 0
        ? 8 * BackendQuota.MAX_RECOMMENDED_BYTES
        : Math.max(quota * 2, BackendQuota.MAX_RECOMMENDED_BYTES);
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
  private void recoverAndStart(boolean memberInitialized, java.util.function.Consumer<EtcdServer> beforePublish) {
    try {
      peerServer =
          PeerServer.start(
              transportConfig,
              config.listenPeerUrls(),
              PeerTlsSetup.serverTls(config),
              transport,
              new PeerClusterService(new PeerSide()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + config.listenPeerUrls(), e);
    }
    if (config.initialCorruptCheck() && memberInitialized) {
      corruption.initialCheck(); // as etcd: before Raft starts, so before any client is served
    }
    for (java.net.URI u : config.listenPeerUrls()) {
      EtcdEvents.servingPeers(u.getHost() + ":" + u.getPort());
    }
    EtcdEvents.startingServer(cluster.memberId(), VERSION);
    transport.start();
    watchable.start();
    applyLoop.start();
    log.start();
    leaseFront.start();
    adjustTicks();
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
    beforePublish.accept(this);
    publishUntilApplied(publish);
    EtcdEvents.published(
        cluster.memberId(), config.name(), config.advertiseClientUrls(), cluster.clusterId());
    if (log.bootstrapped() && log.leaderId() == cluster.memberId()) {
      EtcdEvents.settingUpClusterVersion();
      publishUntilApplied(
          InternalRaftRequest.newBuilder()
              .setClusterVersionSet(ClusterVersionSetRequest.newBuilder().setVersion(CLUSTER_VERSION)));
    }
    compactor = AutoCompactor.start(config.autoCompaction(), new CompactorHost(this));
    corruption.startPeriodic(config.corruptCheckTimeNanos());
    LOG.info(
        "recovered: term {}, applied index {}, revision {}, compacted revision {}",
        log.term(),
        applyLoop.appliedIndex(),
        kv.rev(),
        kv.compactRev());
  }

  /** etcd's ConnReadTimeout: how long a start waits for its peers before leaving the clock alone. */
  private static final long TICK_ADVANCE_WAIT_MS = 5_000;

  private static final long TICK_ADVANCE_POLL_MS = 50;

  /**
   * etcd's {@code adjustTicks}: with {@code --initial-election-tick-advance} (the default), once
   * more than one peer is connected, move the election clock to two ticks before its timeout, so
   * a cluster that has no leader elects one within a few heartbeats instead of a whole election
   * timeout. A member that hears a leader in time is unaffected; with fewer peers it leaves the
   * clock alone, as advancing it would then only make a lost election more likely. (A lone voter
   * already campaigns at once: see {@link RaftLoop#start()}.)
   */
  private void adjustTicks() {
    int ticks = config.electionTicks() - 2;
    if (!config.initialElectionTickAdvance() || log.singleVoter() || ticks <= 0) {
      return;
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TICK_ADVANCE_WAIT_MS);
    java.util.concurrent.atomic.AtomicBoolean advanced = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<java.util.concurrent.ScheduledFuture<?>> task =
        new java.util.concurrent.atomic.AtomicReference<>();
    task.set(
        timers.scheduleWithFixedDelay(
            () -> {
              if (advanced.get()) {
                return; // already done; the cancel below may have raced the scheduling
              }
              long active =
                  transport.peers().keySet().stream()
                      .filter(id -> transport.activeSince(id) != 0)
                      .count();
              if (active > 1 && advanced.compareAndSet(false, true)) {
                log.onLoop(node -> {
                  for (int i = 0; i < ticks; i++) {
                    node.tick();
                  }
                  return null;
                });
                LOG.info("{} peers connected: advanced the election clock by {} ticks", active, ticks);
              }
              java.util.concurrent.ScheduledFuture<?> self = task.get();
              if (self != null && (active > 1 || stopped || System.nanoTime() - deadline > 0)) {
                self.cancel(false);
              }
            },
            TICK_ADVANCE_POLL_MS,
            TICK_ADVANCE_POLL_MS,
            TimeUnit.MILLISECONDS));
  }


  public Metrics metrics() {
    return metrics;
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

  /** The watchers over the store (served by the Watch service). */
  public WatchableStore watchable() {
    return watchable;
  }

  /** Raising and reading alarms, and the backend quota check. */
  public Alarms alarms() {
    return alarms;
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

  /** The members and removed ids as a snapshot carries them (any thread). */
  public io.etcdj.api.internal.MembershipState membershipState() {
    return membership.state();
  }

  /** True while the member list says this member is a learner (etcd's IsLearner). */
  public boolean isLearner() {
    Member self = membership.get(cluster.memberId());
    return self != null && self.getIsLearner();
  }

  // ------------------------------------------------------------------ membership changes

  /**
   * MemberAdd: proposes the new member; completes with the new member once applied. As in etcd,
   * the strict reconfiguration check comes first, then the checks etcd makes when it applies the
   * change (made here before proposing: same answers, without a round through the log).
   */
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
    EtcdError unready =
        strictCheck(
            (members, self, now, activeSince) ->
                ReconfigChecks.mayAddMember(members, self, learner, now, activeSince));
    if (unready != null) {
      return CompletableFuture.failedFuture(unready.exception());
    }
    // As etcd: the id mixes the peer URLs, the cluster token and the time in seconds, so re-adding
    // the same URLs in a later second gives a new member; in the same second it gives the id just
    // removed, which etcd refuses as "member not found" (ErrIDRemoved). etcd's order of checks.
    long id = MemberIds.memberId(urls, config.initialClusterToken() + (System.currentTimeMillis() / 1000));
    if (membership.isRemoved(id)) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
    }
    if (membership.contains(id)) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_EXISTS.exception());
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
    Member m = Member.newBuilder().setID(id).addAllPeerURLs(peerUrls).setIsLearner(learner).build();
    return proposeConfChange(
            learner ? ConfChangeType.CONF_CHANGE_ADD_LEARNER_NODE : ConfChangeType.CONF_CHANGE_ADD_NODE,
            id,
            m)
        .thenApply(v -> m);
  }

  /** One of {@link ReconfigChecks}, given what it may look at. */
  @FunctionalInterface
  private interface ReconfigCheck {
    EtcdError check(
        List<Member> members, long self, long nowMs, java.util.function.LongUnaryOperator activeSince);
  }

  /** etcd's --strict-reconfig-check: the check's refusal, or null when it passes or is off. */
  private EtcdError strictCheck(ReconfigCheck check) {
    if (!config.strictReconfigCheck()) {
      return null;
    }
    return check.check(
        membership.list(), cluster.memberId(), System.currentTimeMillis(), transport::activeSince);
  }

  public CompletableFuture<Object> removeMember(long id) {
    EtcdError unready =
        strictCheck(
            (members, self, now, activeSince) ->
                ReconfigChecks.mayRemoveMember(members, self, id, now, activeSince));
    if (unready != null) {
      return CompletableFuture.failedFuture(unready.exception());
    }
    Member m = membership.get(id);
    if (m == null) {
      return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
    }
    return proposeConfChange(ConfChangeType.CONF_CHANGE_REMOVE_NODE, id, m);
  }

  /** MemberUpdate: new peer URLs; etcd makes no quorum check for it. */
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

  /** A learner is ready for promotion once its match index is 90% of the leader's (etcd's). */
  private static final double PROMOTE_READY_FRACTION = 0.9;

  /**
   * MemberPromote. Only the leader knows whether the learner has caught up, so a follower
   * forwards the request to it over the peer URLs, waiting for a leader up to the request timeout
   * (etcd's PromoteMember with promoteMemberHTTP); completes with the member list once applied.
   */
  public CompletableFuture<List<Member>> promoteMember(long id) {
    io.grpc.Deadline callerDeadline = io.grpc.Context.current().getDeadline();
    return promoteAsLeader(id)
        .exceptionallyCompose(
            e ->
                ErrorMapping.etcdError(e) == EtcdError.NOT_LEADER
                    ? forwardPromote(id, callerDeadline)
                    : CompletableFuture.failedFuture(e));
  }

  /** The leader's side of a promotion; fails with "not leader" on any other member. */
  private CompletableFuture<List<Member>> promoteAsLeader(long id) {
    if (log.leaderId() != cluster.memberId()) {
      return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
    }
    io.grpc.Context caller = io.grpc.Context.current(); // the rest runs on the raft loop's thread
    return log.onLoop(RawNode::status)
        .thenCompose(
            st -> {
              if (st.role() != io.etcdj.raft.StateRole.LEADER) {
                return CompletableFuture.failedFuture(EtcdError.NOT_LEADER.exception());
              }
              var learner = st.progress().get(id);
              var self = st.progress().get(cluster.memberId());
              if (learner != null
                  && self != null
                  && learner.match() < self.match() * PROMOTE_READY_FRACTION) {
                return CompletableFuture.failedFuture(EtcdError.LEARNER_NOT_READY.exception());
              }
              EtcdError unready =
                  strictCheck((members, me, now, activeSince) -> ReconfigChecks.mayPromoteMember(members));
              if (unready != null) {
                return CompletableFuture.failedFuture(unready.exception());
              }
              // etcd finds these when it applies the change; the same answers, without the log.
              Member m = membership.get(id);
              if (m == null) {
                return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_FOUND.exception());
              }
              if (!m.getIsLearner()) {
                return CompletableFuture.failedFuture(EtcdError.MEMBER_NOT_LEARNER.exception());
              }
              return proposeConfChange(
                      ConfChangeType.CONF_CHANGE_ADD_NODE,
                      id,
                      m.toBuilder().setIsLearner(false).build(),
                      caller)
                  .thenApply(members -> membership.list());
            });
  }

  /** Promotions forwarded to the leader at the same time; more fail with "too many requests". */
  private static final int PROMOTE_FORWARDS_MAX = 16;

  /** {@code callerDeadline}: the client's, or null; the forwarding ends by then too. */
  private CompletableFuture<List<Member>> forwardPromote(long id, io.grpc.Deadline callerDeadline) {
    CompletableFuture<List<Member>> f = new CompletableFuture<>();
    try {
      forwarder.execute(
          () -> {
            try {
              f.complete(forwardPromoteBlocking(id, callerDeadline));
            } catch (RuntimeException e) {
              f.completeExceptionally(e);
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      f.completeExceptionally(EtcdError.TOO_MANY_REQUESTS.exception());
    }
    return f;
  }

  /**
   * Asks the leader to promote until it answers or the request timeout (or the caller's deadline)
   * passes: "no leader" if none showed up, else "request timed out". A leader's
   * refusal (not ready, not found, not a learner) ends it at once; "not leader" or an unreachable
   * member means the leader changed, so it looks again.
   */
  private List<Member> forwardPromoteBlocking(long id, io.grpc.Deadline callerDeadline) {
    // etcd: the request timeout, or the caller's deadline if that comes first (answered a little
    // before it, so that the answer rather than the client's own timer ends the call).
    long budgetMs = config.requestTimeoutMs();
    if (callerDeadline != null) {
      budgetMs =
          Math.min(
              budgetMs,
              Math.max(
                  0,
                  callerDeadline.timeRemaining(TimeUnit.MILLISECONDS) - ANSWER_BEFORE_DEADLINE_MS));
    }
    long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(budgetMs);
    while (!stopped) {
      long leader = awaitLeaderId(deadlineNanos);
      if (leader == 0) {
        throw EtcdError.NO_LEADER.exception();
      }
      Member m = membership.get(leader);
      for (URI url : m == null ? List.<URI>of() : RaftLoop.urls(m)) {
        long leftMs = TimeUnit.NANOSECONDS.toMillis(deadlineNanos - System.nanoTime());
        if (leftMs <= 0) {
          throw EtcdError.TIMEOUT.exception();
        }
        try {
          return PeerClusterClient.promote(url, id, leftMs).getMembersList();
        } catch (io.grpc.StatusRuntimeException e) {
          EtcdError answer = EtcdError.ofMessage(e.getStatus().getDescription());
          if (answer == EtcdError.LEARNER_NOT_READY
              || answer == EtcdError.MEMBER_NOT_FOUND
              || answer == EtcdError.MEMBER_NOT_LEARNER) {
            throw answer.exception();
          }
          LOG.debug("forwarding the promotion of {} to {} failed: {}", MemberIds.hex(id), url, e.getStatus());
        }
      }
      sleepMs(FORWARD_RETRY_MS);
    }
    throw EtcdError.STOPPED.exception();
  }

  private static final long FORWARD_RETRY_MS = 50;

  /** The leader's id once there is one, or 0 at the deadline (etcd's waitLeader). */
  private long awaitLeaderId(long deadlineNanos) {
    while (!stopped) {
      long leader = log.leaderId(); // looked at before the deadline: a known leader is an answer
      if (leader != 0) {
        return leader;
      }
      if (System.nanoTime() - deadlineNanos >= 0) {
        return 0;
      }
      sleepMs(FORWARD_RETRY_MS);
    }
    return 0;
  }

  private static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw EtcdError.STOPPED.exception();
    }
  }

  /** What the peer-side {@code PeerCluster} service answers from. */
  /** The apply thread applied a new leader's empty entry of {@code term}. */
  private void leaderEntryApplied(long term) {
    LeaseFront front = leaseFront;
    if (front != null) {
      front.leaderEntryApplied(term);
    }
  }

  /** Lease operations (the Lease gRPC service calls these). */
  public LeaseFront leases() {
    return leaseFront;
  }

  private final class LeaseHost implements LeaseFront.Host {
    @Override
    public long memberId() {
      return cluster.memberId();
    }

    @Override
    public long leaderId() {
      return log.leaderId();
    }

    @Override
    public long term() {
      return log.term();
    }

    @Override
    public List<java.net.URI> peerUrls(long memberId) {
      Member m = membership.get(memberId);
      return m == null ? List.of() : RaftLoop.urls(m);
    }

    @Override
    public CompletableFuture<Object> propose(
        InternalRaftRequest.Builder request, long clientTimeoutNanos) {
      return EtcdServer.this.propose(request, clientTimeoutNanos);
    }

    @Override
    public CompletableFuture<Void> linearizableRead() {
      return EtcdServer.this.linearizableRead(NO_CLIENT_TIMEOUT);
    }

    @Override
    public long requestTimeoutMs() {
      return config.requestTimeoutMs();
    }

    @Override
    public long electionTimeoutMs() {
      return config.electionTimeoutMs();
    }

    @Override
    public java.util.concurrent.ScheduledExecutorService timers() {
      return timers;
    }
  }

  private final class PeerSide implements ClusterSource {
    @Override
    public CompletableFuture<Long> leaseRenewAsLeader(long leaseId) {
      return leaseFront.renewAsLeader(leaseId);
    }

    @Override
    public CompletableFuture<LeaseTimeToLiveResponse> leaseTimeToLiveAsLeader(
        LeaseTimeToLiveRequest request) {
      return leaseFront.timeToLiveAsLeader(request);
    }

    @Override
    public long clusterId() {
      return cluster.clusterId();
    }

    @Override
    public List<Member> members() {
      return membership.list();
    }

    @Override
    public CompletableFuture<List<Member>> promoteAsLeader(long id) {
      return EtcdServer.this.promoteAsLeader(id);
    }

    @Override
    public CompletableFuture<io.etcdj.api.etcdserverpb.HashKVResponse> hashKV(long revision) {
      return corruption.serveHashKV(revision);
    }
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

  /** How long before a caller's deadline a membership change that did not complete is answered. */
  private static final long ANSWER_BEFORE_DEADLINE_MS = 25;

  /**
   * Proposes a membership change; completes with the member list once it is applied here. As in
   * etcd, a change that finds no leader waits for one, with no deadline of its own: the caller's
   * deadline ends the wait (a gRPC call that is cancelled or runs out of time forgets its waiter,
   * and the raft loop drops the change it was holding).
   */
  private CompletableFuture<Object> proposeConfChange(ConfChangeType type, long nodeId, Member m) {
    return proposeConfChange(type, nodeId, m, io.grpc.Context.current());
  }

  /** {@code caller}: the gRPC context whose cancellation means nobody waits any more. */
  private CompletableFuture<Object> proposeConfChange(
      ConfChangeType type, long nodeId, Member m, io.grpc.Context caller) {
    if (stopped) {
      return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
    }
    long id = requestIds.next();
    CompletableFuture<Object> f = wait.register(id);
    io.grpc.Context.CancellationListener gone =
        c -> wait.cancel(id, new java.util.concurrent.CancellationException("caller went away"));
    caller.addListener(gone, Runnable::run);
    f.whenComplete((r, e) -> caller.removeListener(gone));
    io.grpc.Deadline deadline = caller.getDeadline();
    if (deadline != null) {
      // etcd answers at the caller's deadline (its context ends then): "request timed out" once
      // raft took the change, Go's raw context error while it still waited for a leader. Answer
      // a little early so the answer, not the client's own timer, ends the call, as with etcd.
      long inMs =
          Math.max(0, deadline.timeRemaining(TimeUnit.MILLISECONDS) - ANSWER_BEFORE_DEADLINE_MS);
      var timeout =
          timers.schedule(
              () ->
                  wait.cancel(
                      id,
                      (log.holdsConfChange(id)
                              ? EtcdError.CONTEXT_DEADLINE_EXCEEDED
                              : EtcdError.TIMEOUT)
                          .exception()),
              inMs,
              TimeUnit.MILLISECONDS);
      f.whenComplete((r, e) -> timeout.cancel(false));
    }
    ConfChange cc =
        ConfChange.newBuilder().setId(id).setType(type).setNodeId(nodeId).setContext(m.toByteString()).build();
    if (!log.proposeConfChange(cc)) {
      wait.cancel(id, EtcdError.TOO_MANY_REQUESTS.exception());
    }
    return f;
  }

  /**
   * The raft handler, plus stopping when a peer says the cluster removed this member: a removed
   * member may never learn that its removal committed (the leader stops sending to it), so, as
   * in etcd, the peers' refusal is what tells it.
   */
  private RaftHandler noticingRemoval(RaftHandler raft) {
    return new RaftHandler() {
      @Override
      public void process(io.etcdj.api.internal.Message m) {
        raft.process(m);
      }

      @Override
      public void reportUnreachable(long id) {
        raft.reportUnreachable(id);
      }

      @Override
      public void reportSnapshot(long id, boolean ok) {
        raft.reportSnapshot(id, ok);
      }

      @Override
      public void receiveSnapshot(io.etcdj.api.internal.Message msgSnap, java.nio.file.Path dataFile) {
        raft.receiveSnapshot(msgSnap, dataFile);
      }

      @Override
      public void reportSelfRemoved() {
        if (!removing.get()) {
          LOG.warn(
              "the member has been permanently removed from the cluster; the data-dir used by this"
                  + " member must be removed");
        }
        stopRemoved();
      }
    };
  }

  /** Stops this member once, off the thread that noticed its removal (etcd exits too). */
  private void stopRemoved() {
    if (removing.compareAndSet(false, true)) {
      new Thread(
              () -> {
                close();
                removed.complete(null);
              },
              "etcdj-removed")
          .start();
    }
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
    if (FailPoints.on(FailPoints.BUG_STALE_LEADER_READ) && log.leaderId() == cluster.memberId()) {
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
    long id = requestIds.next();
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
    metrics.proposals().queued(f);
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

  /**
   * A graceful stop (a signal): as etcd's Stop, a leader first hands leadership over (see {@link
   * LeadershipHandover}), then the member closes.
   */
  public void stop() {
    if (!stopped
        && LeadershipHandover.beforeStop(
            cluster.memberId(), log.leaderId(), membership.list(), transport::activeSince, this::moveLeader, config.requestTimeoutMs())) {
      // Still a follower for one heartbeat interval: proposals the others forwarded to this member
      // during the hand-over (held, see HeldForwards) or that are still in flight to it go on to the
      // new leader instead of dying with it. etcd's MoveLeader gives the same time by looking for
      // the new leader only once per tick; without it, a rolling restart under 200 puts/s lost 1-4
      // puts at each leader's stop, each after the request timeout.
      try {
        Thread.sleep(config.heartbeatIntervalMs());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    close();
  }

  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    if (compactor != null) {
      compactor.close();
    }
    corruption.close();
    transport.stop();
    if (peerServer != null) {
      peerServer.close();
    }
    leaseFront.close();
    log.stop();
    applyLoop.stop();
    watchable.close();
    timers.shutdownNow();
    forwarder.shutdownNow();
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
