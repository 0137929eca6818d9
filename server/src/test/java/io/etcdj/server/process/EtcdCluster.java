package io.etcdj.server.process;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.MemberAddRequest;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberRemoveRequest;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * N members of one kind (etcd or etcdj) started as one new cluster on free loopback ports, with helpers to find the
 * leader, kill -9 / stop / restart single members on their data dirs, and read each member's
 * {@code Maintenance.Status} over gRPC.
 *
 * <p>Members are named {@code m1..mN}; all share {@code --initial-cluster m1=peer1,...}, a per-cluster
 * {@code --initial-cluster-token}, the heartbeat/election timeouts of {@link Options} and its extra flags. The cluster
 * is ready when every live member answers Status without errors, all name the same non-zero leader and term, that
 * leader is one of the live members, and {@code etcdctl endpoint health} (a quorum read) passes on every live member.
 *
 * <p>When a cluster of some kind fails to form, later {@link #start} calls for that kind in the same JVM fail at once
 * with the first failure, so a server without cluster support fails each test in milliseconds instead of one formation
 * timeout per test.
 *
 * <p>Confined to the test thread, except {@link #status} and {@link #kv}, which are safe from writer threads (gRPC
 * stubs are thread-safe; the member list is fixed at construction).
 */
final class EtcdCluster implements AutoCloseable {

  /** Cluster-wide settings. {@code snapshotCount} 0 keeps the server's default. */
  record Options(int size, long heartbeatMs, long electionMs, long snapshotCount, List<String> extraFlags) {
    Options {
      if (size < 1 || size > 7) {
        throw new IllegalArgumentException("size " + size);
      }
      if (electionMs < 5 * heartbeatMs) {
        throw new IllegalArgumentException("election timeout should be at least 5 heartbeats");
      }
      extraFlags = List.copyOf(extraFlags);
    }

    /** Three members, etcd's default timeouts (100 ms heartbeat, 1000 ms election). */
    static Options defaults() {
      return new Options(3, 100, 1_000, 0, List.of());
    }

    Options withSnapshotCount(long count) {
      return new Options(size, heartbeatMs, electionMs, count, extraFlags);
    }

    /** etcd's ReqTimeout: how long a proposal may wait before the server gives up on it. */
    Duration requestTimeout() {
      return Duration.ofMillis(5_000 + 2 * electionMs);
    }
  }

  /** What Maintenance.Status said about one member; ids are unsigned 64-bit. */
  record MemberStatus(
      long memberId,
      long leader,
      long raftTerm,
      long raftIndex,
      long raftAppliedIndex,
      long revision,
      List<String> errors) {

    static MemberStatus of(StatusResponse r) {
      return new MemberStatus(
          r.getHeader().getMemberId(),
          r.getLeader(),
          r.getRaftTerm(),
          r.getRaftIndex(),
          r.getRaftAppliedIndex(),
          r.getHeader().getRevision(),
          List.copyOf(r.getErrorsList()));
    }
  }

  static final Duration FORM_TIMEOUT_ETCD = Duration.ofSeconds(20);
  /** Three JVMs starting at once on two cores (shared with other work) need longer than three Go binaries. */
  static final Duration FORM_TIMEOUT_ETCDJ = Duration.ofSeconds(60);

  static final Duration STATUS_TIMEOUT = Duration.ofMillis(1_000);
  static final long POLL_MS = 50;
  /** How long {@link #replace} retries a removal the cluster calls unhealthy. */
  static final Duration REMOVE_WAIT = Duration.ofSeconds(15);

  private static final Map<EtcdProcess.Kind, String> FORMATION_FAILURES =
      java.util.Collections.synchronizedMap(new EnumMap<>(EtcdProcess.Kind.class));

  private final EtcdProcess.Kind kind;
  private final Options options;
  private final List<EtcdProcess> members;
  private final List<ManagedChannel> channels;
  /** Member ids learned from Status, by member index; fixed once known (ids never change on restart). */
  private final Map<Integer, Long> memberIds = new ConcurrentHashMap<>();

  /** The proxies in front of the members' peer listeners, or null when members talk directly. */
  private final PeerNetwork network;

  private EtcdCluster(EtcdProcess.Kind kind, String name, Options options, boolean proxiedPeers, String peerScheme) {
    this.kind = kind;
    this.options = options;
    // Client and peer ports, then (behind proxies) the ports members really listen on for peers.
    int[] ports = EtcdProcess.freePorts((proxiedPeers ? 3 : 2) * options.size());
    StringJoiner initialCluster = new StringJoiner(",");
    for (int i = 0; i < options.size(); i++) {
      initialCluster.add(memberName(i) + "=" + peerScheme + "://127.0.0.1:" + ports[2 * i + 1]);
    }
    List<String> flags = new ArrayList<>();
    flags.add("--heartbeat-interval");
    flags.add(Long.toString(options.heartbeatMs()));
    flags.add("--election-timeout");
    flags.add(Long.toString(options.electionMs()));
    if (options.snapshotCount() > 0) {
      flags.add("--snapshot-count");
      flags.add(Long.toString(options.snapshotCount()));
    }
    flags.addAll(options.extraFlags());
    String token = "etcdj-ptest-" + name + "-" + ports[1];
    List<EtcdProcess> ms = new ArrayList<>();
    List<ManagedChannel> chs = new ArrayList<>();
    for (int i = 0; i < options.size(); i++) {
      EtcdProcess m =
          EtcdProcess.member(
              kind, name, memberName(i), ports[2 * i], ports[2 * i + 1], initialCluster.toString(), token, flags);
      m.peerScheme(peerScheme);
      ms.add(m);
      chs.add(NettyChannelBuilder.forAddress("127.0.0.1", ports[2 * i]).usePlaintext().build());
    }
    this.members = List.copyOf(ms);
    this.channels = List.copyOf(chs);
    if (proxiedPeers) {
      // Each member advertises its peer port, where a proxy listens, and listens on another.
      int[] listen = java.util.Arrays.copyOfRange(ports, 2 * options.size(), 3 * options.size());
      network = new PeerNetwork();
      for (int i = 0; i < options.size(); i++) {
        EtcdProcess m = members.get(i);
        m.listenPeersOn(listen[i]);
        try {
          network.add(memberName(i), ports[2 * i + 1], listen[i], m::pid);
        } catch (RuntimeException e) {
          network.close();
          throw e;
        }
      }
    } else {
      network = null;
    }
  }

  static String memberName(int index) {
    return "m" + (index + 1);
  }

  /** Starts all members at once and waits until the cluster has a leader every member agrees on. */
  static EtcdCluster start(EtcdProcess.Kind kind, String name, Options options) {
    return start(kind, name, options, false);
  }

  /**
   * As {@link #start(EtcdProcess.Kind, String, Options)}, with every member's peer traffic through
   * a {@link PeerNetwork} the test controls ({@link #network()}).
   */
  static EtcdCluster startBehindProxies(EtcdProcess.Kind kind, String name, Options options) {
    return start(kind, name, options, true);
  }

  /**
   * As {@link #startBehindProxies}, or with direct peer links, each member launched with the
   * extra environment {@code environment} gives it (kept for its restarts), e.g. {@link
   * PowerLoss#environment} so that its writes are recorded from its first start.
   */
  static EtcdCluster startWith(
      EtcdProcess.Kind kind,
      String name,
      Options options,
      boolean proxiedPeers,
      java.util.function.Function<EtcdProcess, Map<String, String>> environment) {
    return start(kind, name, options, proxiedPeers, environment);
  }

  private static EtcdCluster start(EtcdProcess.Kind kind, String name, Options options, boolean proxiedPeers) {
    return start(kind, name, options, proxiedPeers, m -> Map.of());
  }

  /**
   * A cluster whose members talk TLS to each other: https:// peer URLs, with the {@code --peer-*}
   * flags in {@code options}' extra flags or each member's {@code ETCD_PEER_*} variables.
   */
  static EtcdCluster startWithPeerTls(
      EtcdProcess.Kind kind,
      String name,
      Options options,
      java.util.function.Function<EtcdProcess, Map<String, String>> environment) {
    return start(kind, name, options, false, environment, "https");
  }

  private static EtcdCluster start(
      EtcdProcess.Kind kind,
      String name,
      Options options,
      boolean proxiedPeers,
      java.util.function.Function<EtcdProcess, Map<String, String>> environment) {
    return start(kind, name, options, proxiedPeers, environment, "http");
  }

  private static EtcdCluster start(
      EtcdProcess.Kind kind,
      String name,
      Options options,
      boolean proxiedPeers,
      java.util.function.Function<EtcdProcess, Map<String, String>> environment,
      String peerScheme) {
    String earlier = FORMATION_FAILURES.get(kind);
    if (earlier != null) {
      throw new IllegalStateException(
          "not trying again: a " + kind + " cluster already failed to form in this run:\n" + earlier);
    }
    EtcdCluster cluster = new EtcdCluster(kind, name, options, proxiedPeers, peerScheme);
    try {
      for (EtcdProcess m : cluster.members) {
        m.setEnvironment(environment.apply(m));
        m.launch();
      }
      cluster.awaitFormed(kind == EtcdProcess.Kind.ETCD ? FORM_TIMEOUT_ETCD : FORM_TIMEOUT_ETCDJ);
    } catch (RuntimeException | Error e) {
      FORMATION_FAILURES.putIfAbsent(kind, String.valueOf(e.getMessage()));
      cluster.close();
      throw e;
    }
    return cluster;
  }

  static EtcdCluster start(EtcdProcess.Kind kind, String name) {
    return start(kind, name, Options.defaults());
  }

  EtcdProcess.Kind kind() {
    return kind;
  }

  Options options() {
    return options;
  }

  /** The peer network of a cluster started {@link #startBehindProxies behind proxies}. */
  PeerNetwork network() {
    if (network == null) {
      throw new IllegalStateException("this cluster's members talk to each other directly");
    }
    return network;
  }

  List<EtcdProcess> members() {
    return members;
  }

  EtcdProcess member(int index) {
    return members.get(index);
  }

  int indexOf(EtcdProcess m) {
    int i = members.indexOf(m);
    if (i < 0) {
      throw new IllegalArgumentException(m + " is not a member of this cluster");
    }
    return i;
  }

  List<EtcdProcess> live() {
    List<EtcdProcess> live = new ArrayList<>();
    for (EtcdProcess m : members) {
      if (m.isAlive()) {
        live.add(m);
      }
    }
    return live;
  }

  /** etcdctl's {@code --endpoints} value for the given members. */
  static String endpoints(Collection<EtcdProcess> ms) {
    StringJoiner j = new StringJoiner(",");
    for (EtcdProcess m : ms) {
      j.add(m.endpoint());
    }
    return j.toString();
  }

  /** The member's id as reported by its own Status (known once the cluster formed). */
  long memberId(EtcdProcess m) {
    Long id = memberIds.get(indexOf(m));
    if (id == null) {
      throw new IllegalStateException("member id of " + m + " not known yet");
    }
    return id;
  }

  EtcdProcess byId(long memberId) {
    for (Map.Entry<Integer, Long> e : memberIds.entrySet()) {
      if (e.getValue() == memberId) {
        return members.get(e.getKey());
      }
    }
    return null;
  }

  /** Maintenance.Status of one member within {@link #STATUS_TIMEOUT}. Throws StatusRuntimeException if it fails. */
  MemberStatus status(EtcdProcess m) {
    int i = indexOf(m);
    StatusResponse r =
        MaintenanceGrpc.newBlockingStub(channels.get(i))
            .withDeadlineAfter(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
            .status(StatusRequest.getDefaultInstance());
    MemberStatus s = MemberStatus.of(r);
    memberIds.putIfAbsent(i, s.memberId());
    return s;
  }

  /** Status, or null when the member does not answer. */
  MemberStatus statusOrNull(EtcdProcess m) {
    try {
      return status(m);
    } catch (StatusRuntimeException e) {
      return null;
    }
  }

  /** A KV stub on the member's client port; add a deadline per call. */
  KVGrpc.KVFutureStub kv(EtcdProcess m) {
    return KVGrpc.newFutureStub(channels.get(indexOf(m)));
  }

  /** The gRPC channel to the member's client port, for stubs of any service. */
  ManagedChannel channel(EtcdProcess m) {
    return channels.get(indexOf(m));
  }

  KVGrpc.KVBlockingStub kvBlocking(EtcdProcess m) {
    return KVGrpc.newBlockingStub(channels.get(indexOf(m)));
  }

  /**
   * Waits until every live member names the same leader and term and that leader is live, and returns the leader.
   * Fails at once if a live member's process exits.
   */
  EtcdProcess awaitLeader(Duration timeout) {
    long deadlineNs = System.nanoTime() + timeout.toNanos();
    String last = "no status yet";
    while (System.nanoTime() < deadlineNs) {
      failIfExited();
      Agreement a = agreement();
      if (a.leader() != null) {
        return a.leader();
      }
      last = a.problem();
      EtcdProcess.sleepMs(POLL_MS);
    }
    throw new IllegalStateException(
        kind + " cluster: no agreed leader within " + timeout + ": " + last + "\n" + logTails(25));
  }

  /** The agreed leader now, or an exception saying why there is none. */
  EtcdProcess leader() {
    Agreement a = agreement();
    if (a.leader() == null) {
      throw new IllegalStateException("no agreed leader: " + a.problem());
    }
    return a.leader();
  }

  private record Agreement(EtcdProcess leader, String problem) {}

  private Agreement agreement() {
    long leaderId = 0;
    long term = 0;
    List<EtcdProcess> live = live();
    if (live.isEmpty()) {
      return new Agreement(null, "no live member");
    }
    for (EtcdProcess m : live) {
      MemberStatus s;
      try {
        s = status(m);
      } catch (StatusRuntimeException e) {
        return new Agreement(null, m + ": Status failed: " + e.getStatus());
      }
      if (!s.errors().isEmpty()) {
        return new Agreement(null, m + ": Status errors " + s.errors());
      }
      if (s.leader() == 0) {
        return new Agreement(null, m + ": no leader");
      }
      if (leaderId == 0) {
        leaderId = s.leader();
        term = s.raftTerm();
      } else if (leaderId != s.leader() || term != s.raftTerm()) {
        return new Agreement(
            null,
            "members disagree: leader "
                + Long.toHexString(leaderId)
                + " term "
                + term
                + " vs "
                + m
                + " leader "
                + Long.toHexString(s.leader())
                + " term "
                + s.raftTerm());
      }
    }
    EtcdProcess leader = byId(leaderId);
    if (leader == null || !leader.isAlive()) {
      return new Agreement(null, "leader " + Long.toHexString(leaderId) + " is not a live member");
    }
    return new Agreement(leader, null);
  }

  private void awaitFormed(Duration timeout) {
    long startNs = System.nanoTime();
    awaitLeader(timeout);
    Duration left = timeout.minusNanos(System.nanoTime() - startNs);
    for (EtcdProcess m : members) {
      // endpoint health (a quorum read) on each member, and the ids the normalizer needs
      m.awaitReady(left.isNegative() ? Duration.ofSeconds(1) : left);
    }
  }

  /**
   * Replaces member {@code m} as etcd's robustness tests do: removes it from the cluster through
   * another member, SIGKILLs it (a removed member may stop by itself, or not yet), empties its data
   * dir, runs {@code whileWiped}, adds it back with the same peer URL, and launches it to join the
   * running cluster. Returns without waiting for it to be ready; its member id is a new one.
   */
  void replace(EtcdProcess m, Runnable whileWiped) {
    int i = indexOf(m);
    long id = memberIds.containsKey(i) ? memberId(m) : status(m).memberId(); // new after a replace
    ManagedChannel via = channels.get((i + 1) % members.size());
    ClusterGrpc.ClusterBlockingStub cluster = ClusterGrpc.newBlockingStub(via);
    // Both servers refuse a removal ("unhealthy cluster") until the member serving it has been
    // connected to a quorum for 5 s (etcd's strict reconfig check): a young cluster must wait.
    long deadline = System.nanoTime() + REMOVE_WAIT.toNanos();
    while (true) {
      try {
        cluster
            .withDeadlineAfter(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .memberRemove(MemberRemoveRequest.newBuilder().setID(id).build());
        break;
      } catch (StatusRuntimeException e) {
        String d = String.valueOf(e.getStatus().getDescription());
        if (!d.contains("unhealthy cluster") || System.nanoTime() > deadline) {
          throw e;
        }
        EtcdProcess.sleepMs(200);
      }
    }
    m.kill();
    m.resetToJoin();
    whileWiped.run();
    memberIds.remove(i);
    // The add may meet the election the removal of a leader starts and time out; it may still
    // have been applied, which the member list tells.
    deadline = System.nanoTime() + REMOVE_WAIT.toNanos();
    while (true) {
      try {
        cluster
            .withDeadlineAfter(options.requestTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .memberAdd(MemberAddRequest.newBuilder().addPeerURLs(m.peerUrl()).build());
        break;
      } catch (StatusRuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          boolean added =
              cluster.withDeadlineAfter(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                  .memberList(MemberListRequest.getDefaultInstance())
                  .getMembersList()
                  .stream()
                  .anyMatch(x -> x.getPeerURLsList().contains(m.peerUrl()));
          if (added) {
            break;
          }
        } catch (StatusRuntimeException listFailed) {
          // no answer yet: try the add again
        }
        EtcdProcess.sleepMs(200);
      }
    }
    m.launch();
  }

  /** SIGKILL one member and wait until it is gone. */
  void kill(EtcdProcess m) {
    indexOf(m);
    m.kill();
  }

  /** SIGTERM one member (SIGKILL after the grace period); returns its exit code. */
  int stop(EtcdProcess m) {
    indexOf(m);
    return m.stop();
  }

  /**
   * Restarts a stopped member on its data dir and waits until it passes {@code endpoint health}, which needs a quorum
   * that includes a leader (so at least one other member must be live in a three-member cluster).
   */
  void restart(EtcdProcess m) {
    indexOf(m);
    m.start();
  }

  /** Restarts a member without waiting (for a member that cannot reach quorum alone). */
  void launch(EtcdProcess m) {
    indexOf(m);
    m.launch();
  }

  private void failIfExited() {
    for (EtcdProcess m : members) {
      Integer code = m.exitCode();
      if (code != null && expectedLive(m)) {
        throw new IllegalStateException(m + " exited with " + code + "\n" + m.logTail(60));
      }
    }
  }

  /** A member that exited by itself (not through kill/stop, which deregister it) is a failure. */
  private boolean expectedLive(EtcdProcess m) {
    return m.wasStartedAndNotStopped();
  }

  String logTails(int lines) {
    StringBuilder sb = new StringBuilder();
    for (EtcdProcess m : members) {
      sb.append(m.logTail(lines)).append('\n');
    }
    return sb.toString();
  }

  @Override
  public void close() {
    RuntimeException first = null;
    // Teardown: every member SIGKILLed at once (its data dir is deleted next). A graceful stop one
    // by one waited for each JVM's exit, and all at once made each leader wait out a handover to a
    // follower that was stopping too: seconds per run of a profile that runs a thousand times.
    for (EtcdProcess m : members) {
      try {
        m.beginKill();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    for (EtcdProcess m : members) {
      try {
        m.close();
      } catch (RuntimeException e) {
        first = first == null ? e : first;
      }
    }
    for (ManagedChannel ch : channels) {
      ch.shutdownNow();
    }
    if (network != null) {
      network.close();
    }
    if (first != null) {
      throw first;
    }
  }

  @Override
  public String toString() {
    return kind + " cluster " + members;
  }
}
