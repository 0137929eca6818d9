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
  private final Transport transport;
  private PeerServer peerServer;
  private final AtomicLong requestIds;
  private volatile boolean stopped;

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
                config.snapshotCount(),
                config.proposalQueueMax()));
    this.transport =
        Transport.create(
            TransportConfig.builder(
                    cluster.clusterId(), cluster.memberId(), config.memberDir().resolve("snap"))
                .build(),
            log.handler());
    // Peers known now: the saved membership after a restart, the initial cluster on a first start.
    List<Member> peers = membership.list().isEmpty() ? initialMembers : membership.list();
    for (Member m : peers) {
      if (m.getID() != cluster.memberId()) {
        transport.addPeer(m.getID(), RaftLoop.urls(m));
      }
    }
    log.attach(transport);
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
          PeerServer.start(
              TransportConfig.builder(
                      cluster.clusterId(), cluster.memberId(), config.memberDir().resolve("snap"))
                  .build(),
              config.listenPeerUrls(),
              transport);
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

  /** True while this member is the only voter (reads need no read index then). */
  public boolean singleVoter() {
    return log.singleVoter();
  }

  /**
   * Completes when a read on this member is linearizable: the leader has confirmed a read index
   * and this member has applied up to it. Fails with "request timed out" without a leader.
   */
  public CompletableFuture<Void> linearizableRead() {
    if (log.singleVoter()) {
      return CompletableFuture.completedFuture(null);
    }
    return log.readIndex().thenCompose(applyLoop::waitApplied);
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

  /**
   * Proposes a write. The future completes on the apply thread with the response message, or
   * exceptionally with an etcd error (too large, too many requests, stopped, or the apply result).
   */
  public CompletableFuture<Object> propose(InternalRaftRequest.Builder request) {
    if (stopped) {
      return CompletableFuture.failedFuture(EtcdError.STOPPED.exception());
    }
    long id = requestIds.incrementAndGet();
    byte[] data = request.setHeader(RequestHeader.newBuilder().setId(id)).build().toByteArray();
    if (data.length > config.maxRequestBytes()) {
      return CompletableFuture.failedFuture(EtcdError.REQUEST_TOO_LARGE.exception());
    }
    CompletableFuture<Object> f = wait.register(id);
    if (!log.propose(id, data)) {
      wait.cancel(id, EtcdError.TOO_MANY_REQUESTS.exception());
    }
    return f;
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
