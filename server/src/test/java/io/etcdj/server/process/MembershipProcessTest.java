package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.MoveLeaderRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Membership changes on a running three-member cluster, driven by stock etcdctl: a member added with
 * {@code member add} and started with {@code --initial-cluster-state existing} joins and serves the data, a removed
 * member stops itself, a learner joins and is promoted, peer URLs are updated, leadership moves, and the refusals carry
 * etcd's texts. Every expected text below was printed by etcd 3.4.23 (run with {@code -Detcdj.process.kinds=ETCD} to
 * see it hold); ids, ports and terms are normalized or computed from the cluster.
 */
@Tag("process")
class MembershipProcessTest {

  /** The strict reconfiguration check wants every voter connected for 5 s; a fresh cluster may not be yet. */
  static final Duration HEALTHY_BOUND = Duration.ofSeconds(15);

  static final Duration CONVERGE_BOUND = Duration.ofSeconds(20);
  /** A removed member notices once it applies its removal, within a few heartbeats. */
  static final Duration SELF_STOP_BOUND = Duration.ofSeconds(20);

  static final int KEYS = 20;

  private static final Pattern ADDED = Pattern.compile("^Member\\s+([0-9a-f]+) added to cluster\\s+([0-9a-f]+)\n");
  private static final Pattern HASH = Pattern.compile("\"hash\":(\\d+)");
  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");

  /**
   * {@code member add} with a wrong peer URL, corrected with {@code member update} before the member starts; the member
   * joins with {@code --initial-cluster-state existing}, serves the data written before and after it joined, and ends
   * with the same {@code hashkv} as the others. Leadership moves between the original members (and a follower refuses
   * MoveLeader with "not leader"). {@code member remove} then stops it.
   */
  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void addedMemberJoinsServesAndStopsWhenRemoved(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "join")) {
      EtcdProcess m1 = c.member(0);
      putKeys(m1, "/before/");
      int[] ports = EtcdProcess.freePorts(3);
      String wrongPeer = "http://127.0.0.1:" + ports[2];
      String peer = "http://127.0.0.1:" + ports[1];
      // Not added yet: the running cluster has one member fewer than its --initial-cluster.
      assertJoinRefused(c, kind, ports, peer, c.members(), "error validating peerURLs {ClusterID:", ": member count is unequal");
      // No other member listed: nobody to ask.
      assertJoinRefused(
          c, kind, ports, peer, List.of(), "cannot fetch cluster info from peer urls: could not retrieve cluster"
              + " information from the given URLs", "");

      Etcdctl.Result add =
          ok(c, whileUnhealthy(() -> Etcdctl.run(m1.endpoint(), List.of("member", "add", "m4", "--peer-urls=" + wrongPeer))));
      long m4Id = addedId(add);
      assertEquals(addedText(c, m4Id, "m4", wrongPeer), add.stdout(), "member add output");
      assertTrue(
          ok(c, Etcdctl.run(m1.endpoint(), List.of("member", "list"))).stdout()
              .contains(String.format("%x, unstarted, , %s, , false%n", m4Id, wrongPeer)),
          "an added member is unstarted until it runs");

      Etcdctl.Result update =
          ok(c, Etcdctl.run(m1.endpoint(), List.of("member", "update", hex(m4Id), "--peer-urls=" + peer)));
      assertEquals(
          String.format("Member %16x updated in cluster %16x%n", m4Id, c.member(0).clusterId()), update.stdout());

      try (EtcdProcess m4 = join(c, kind, "join", "m4", ports, peer)) {
        assertEquals(m4Id, m4.memberId(), "the joined member's id is the one member add chose");
        assertEquals(m1.clusterId(), m4.clusterId(), "the joined member is in the running cluster");
        List<String> get = List.of("get", "/before/", "--prefix", "--consistency=s");
        assertEquals(
            ok(c, Etcdctl.run(m1.endpoint(), get)).stdout(),
            ok(c, Etcdctl.run(m4.endpoint(), get)).stdout(),
            "serializable get on the new member");
        putKeys(m1, "/after/");
        List<EtcdProcess> all = new ArrayList<>(c.members());
        all.add(m4);
        assertSameHashKv(c, all);

        EtcdctlNormalizer normalizer = new EtcdctlNormalizer(all);
        List<String> expectedList = new ArrayList<>();
        List<EtcdProcess> byId = new ArrayList<>(all);
        byId.sort((a, b) -> Long.compareUnsigned(a.memberId(), b.memberId()));
        for (EtcdProcess m : byId) {
          int k = all.indexOf(m) + 1;
          expectedList.add(
              "<MEMBER_ID_" + k + ">, started, " + m.memberName() + ", http://127.0.0.1:<PEER_PORT_" + k
                  + ">, http://127.0.0.1:<CLIENT_PORT_" + k + ">, false");
        }
        List<String> list = List.of("member", "list");
        assertEquals(expectedList, normalizer.normalize(list, ok(c, Etcdctl.run(m4.endpoint(), list)).stdout()));

        moveLeader(c, normalizer);

        Etcdctl.Result remove = ok(c, Etcdctl.run(m1.endpoint(), List.of("member", "remove", hex(m4Id))));
        assertEquals(
            String.format("Member %16x removed from cluster %16x%n", m4Id, m1.clusterId()), remove.stdout());
        assertTrue(m4.awaitExit(SELF_STOP_BOUND), "a removed member stops itself\n" + m4.logTail(20));
        assertEquals(0, m4.exitCode(), "exit status of a removed member\n" + m4.logTail(20));
        String after = ok(c, Etcdctl.run(m1.endpoint(), list)).stdout();
        assertEquals(3, after.strip().split("\n").length, after);
        assertTrue(!after.contains(hex(m4Id)), after);
      }
    }
  }

  /**
   * {@code member add --learner}, started with {@code existing}: it joins as a learner and serves serializable reads;
   * {@code member promote} sent to a follower (which forwards it to the leader) makes it a voter. Refusals on the way
   * carry etcd's texts: a second learner, promoting a voter, removing or updating an unknown id, and a peer URL in use.
   */
  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void learnerJoinsAndIsPromotedAndRefusalsMatchEtcd(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "learner")) {
      EtcdProcess m1 = c.member(0);
      putKeys(m1, "/data/");
      int[] ports = EtcdProcess.freePorts(2);
      String peer = "http://127.0.0.1:" + ports[1];
      Etcdctl.Result add =
          ok(
              c,
              whileUnhealthy(
                  () -> Etcdctl.run(m1.endpoint(), List.of("member", "add", "l4", "--learner", "--peer-urls=" + peer))));
      long l4Id = addedId(add);
      assertEquals(addedText(c, l4Id, "l4", peer), add.stdout(), "member add --learner output");

      // Refusals, each as etcdctl prints it (stdout empty, exit 1).
      String unknown = "1234";
      String voter = hex(c.memberId(c.member(1)));
      expectError(c, m1, List.of("member", "add", "l5", "--learner", "--peer-urls=http://127.0.0.1:1"),
          "Error: etcdserver: too many learner members in cluster");
      expectError(c, m1, List.of("member", "add", "x", "--peer-urls=" + c.member(1).peerUrl()),
          "Error: etcdserver: Peer URLs already exists");
      expectError(c, m1, List.of("member", "remove", unknown), "Error: etcdserver: member not found");
      expectError(c, m1, List.of("member", "update", unknown, "--peer-urls=http://127.0.0.1:1"),
          "Error: etcdserver: member not found");
      expectError(c, m1, List.of("member", "promote", voter), "Error: etcdserver: can only promote a learner member");
      expectError(c, m1, List.of("member", "promote", unknown), "Error: etcdserver: member not found");

      try (EtcdProcess l4 = join(c, kind, "learner", "l4", ports, peer)) {
        assertEquals(l4Id, l4.memberId());
        List<String> get = List.of("get", "/data/", "--prefix", "--consistency=s");
        assertEquals(
            ok(c, Etcdctl.run(m1.endpoint(), get)).stdout(), ok(c, Etcdctl.run(l4.endpoint(), get)).stdout(),
            "serializable get on the learner");
        String listed = ok(c, Etcdctl.run(m1.endpoint(), List.of("member", "list"))).stdout();
        assertTrue(
            listed.contains(String.format("%x, started, l4, %s, %s, true%n", l4Id, peer, l4.clientUrl())), listed);

        EtcdProcess leader = c.awaitLeader(CONVERGE_BOUND);
        EtcdProcess follower = c.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
        Etcdctl.Result promote = promoteWhenInSync(c, follower, l4Id);
        assertEquals(
            String.format("Member %16x promoted in cluster %16x%n", l4Id, m1.clusterId()), promote.stdout());
        String after = ok(c, Etcdctl.run(m1.endpoint(), List.of("member", "list"))).stdout();
        assertTrue(
            after.contains(String.format("%x, started, l4, %s, %s, false%n", l4Id, peer, l4.clientUrl())), after);
        expectError(c, m1, List.of("member", "promote", hex(l4Id)),
            "Error: etcdserver: can only promote a learner member");
        List<EtcdProcess> all = new ArrayList<>(c.members());
        all.add(l4);
        putKeys(m1, "/promoted/");
        assertSameHashKv(c, all);

        // Two of the four voters down: once m1 knows there is no leader, a membership change waits for one until
        // the client's deadline (etcd has none of its own for it), here etcdctl's --command-timeout. etcd then
        // answers with Go's raw context error (Unknown), which usually reaches etcdctl before its own timer fires.
        l4.stop();
        c.stop(c.member(2));
        awaitNoLeader(c, m1);
        long startNs = System.nanoTime();
        Etcdctl.Result waited =
            Etcdctl.run(
                m1.endpoint(),
                List.of("--command-timeout=3s", "member", "update", hex(c.memberId(c.member(1))),
                    "--peer-urls=" + c.member(1).peerUrl()));
        long waitedMs = ClusterProcessTest.ms(startNs);
        assertEquals(1, waited.exitCode(), waited.stdout() + waited.stderr());
        assertTrue(
            Set.of("Error: rpc error: code = Unknown desc = context deadline exceeded", "Error: context deadline exceeded")
                .contains(ClusterProcessTest.errorLine(waited.stderr())),
            waited.stderr());
        assertTrue(waitedMs >= 2_900 && waitedMs < 10_000, "answered after " + waitedMs + " ms");
      }
    }
  }

  /**
   * A member that joins after the leader compacted its log (snapshot count 100, more than etcd's 5,000 catch-up entries
   * written) cannot get the log from index 1: the leader sends it the store as a snapshot, and it serves all of it.
   */
  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void memberJoiningAfterCompactionGetsASnapshot(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c =
        EtcdCluster.start(kind, "joinsnap", EtcdCluster.Options.defaults().withSnapshotCount(SNAPSHOT_COUNT))) {
      EtcdProcess m1 = c.member(0);
      ClusterProcessTest.putAll(c, c.members(), "/snap/", ClusterProcessTest.SNAPSHOT_KEYS);
      int[] ports = EtcdProcess.freePorts(2);
      String peer = "http://127.0.0.1:" + ports[1];
      long id =
          addedId(
              ok(c, whileUnhealthy(() -> Etcdctl.run(m1.endpoint(), List.of("member", "add", "m4", "--peer-urls=" + peer)))));
      try (EtcdProcess m4 =
          join(c, kind, "joinsnap", "m4", ports, peer, List.of("--snapshot-count", Long.toString(SNAPSHOT_COUNT)))) {
        assertEquals(id, m4.memberId());
        List<String> count = List.of("get", "/snap/", "--prefix", "--limit=1", "--consistency=s", "-w", "json");
        Matcher n = Pattern.compile("\"count\":(\\d+)").matcher(ok(c, Etcdctl.run(m4.endpoint(), count)).stdout());
        assertTrue(n.find());
        assertEquals(ClusterProcessTest.SNAPSHOT_KEYS, Integer.parseInt(n.group(1)), "keys on the joined member");
        List<EtcdProcess> all = new ArrayList<>(c.members());
        all.add(m4);
        assertSameHashKv(c, all);
        if (kind == EtcdProcess.Kind.ETCD) {
          assertTrue(m4.logTail(400).contains("applied incoming snapshot"), "etcd's log names the snapshot");
        } else {
          assertTrue(m4.logTail(400).contains("installed snapshot"), "etcdj's log names the snapshot");
        }
      }
    }
  }

  static final long SNAPSHOT_COUNT = 100;

  // ------------------------------------------------------------ steps

  /** Starts the added member with --initial-cluster-state existing and waits until it serves. */
  private static EtcdProcess join(EtcdCluster c, EtcdProcess.Kind kind, String test, String name, int[] ports, String peer) {
    return join(c, kind, test, name, ports, peer, List.of());
  }

  private static EtcdProcess join(
      EtcdCluster c, EtcdProcess.Kind kind, String test, String name, int[] ports, String peer, List<String> flags) {
    EtcdProcess p = joining(kind, test, name, ports, peer, c.members(), flags);
    try {
      p.launch();
      p.awaitServing(p.readyTimeout());
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** A member that would join with {@code --initial-cluster} = itself plus {@code others}. */
  private static EtcdProcess joining(
      EtcdProcess.Kind kind, String test, String name, int[] ports, String peer, List<EtcdProcess> others) {
    return joining(kind, test, name, ports, peer, others, List.of());
  }

  private static EtcdProcess joining(
      EtcdProcess.Kind kind,
      String test,
      String name,
      int[] ports,
      String peer,
      List<EtcdProcess> others,
      List<String> flags) {
    StringBuilder initial = new StringBuilder(name + "=" + peer);
    for (EtcdProcess m : others) {
      initial.append(',').append(m.memberName()).append('=').append(m.peerUrl());
    }
    return EtcdProcess.joining(
        kind, test, name, ports[0], ports[1], initial.toString(), "etcdj-ptest-joined", flags);
  }

  /**
   * A member that cannot join exits 1 at once and logs etcd's reason (etcd: {@code C | etcdmain: <reason>}); its data
   * dir is left without an identity, so a later start tries again.
   */
  private static void assertJoinRefused(
      EtcdCluster c, EtcdProcess.Kind kind, int[] ports, String peer, List<EtcdProcess> others, String start, String end)
      throws InterruptedException {
    try (EtcdProcess p = joining(kind, "refused", "m4", ports, peer, others)) {
      p.launch();
      assertTrue(p.awaitExit(p.readyTimeout()), "a member that cannot join exits\n" + p.logTail(20));
      assertEquals(1, p.exitCode(), p.logTail(20));
      String reason =
          p.logTail(10).lines().filter(l -> l.contains(start)).findFirst().orElseThrow(
              () -> new AssertionError("no \"" + start + "\" in\n" + p.logTail(20)));
      assertTrue(reason.endsWith(end), reason);
    }
  }

  /**
   * {@code move-leader} sent to the leader moves leadership to another original member; sent to a follower, etcdctl
   * itself refuses (it looks for the leader among the endpoints it was given), and the MoveLeader RPC on a follower
   * answers "etcdserver: not leader".
   */
  private static void moveLeader(EtcdCluster c, EtcdctlNormalizer normalizer) {
    EtcdProcess leader = c.awaitLeader(CONVERGE_BOUND);
    EtcdProcess target = c.members().stream().filter(m -> m != leader).findFirst().orElseThrow();
    List<String> move = List.of("move-leader", hex(target.memberId()));
    Etcdctl.Result moved = ok(c, Etcdctl.run(leader.endpoint(), move));
    assertEquals(
        String.format("Leadership transferred from %x to %x%n", leader.memberId(), target.memberId()),
        moved.stdout());
    assertEquals(target, c.awaitLeader(CONVERGE_BOUND), "leader after move-leader");

    EtcdProcess follower = leader; // no longer the leader
    Etcdctl.Result refused = Etcdctl.run(follower.endpoint(), List.of("move-leader", hex(leader.memberId())));
    assertEquals(128, refused.exitCode(), refused.stderr());
    assertEquals(
        List.of("Error: no leader endpoint given at [127.0.0.1:<CLIENT_PORT_" + (c.indexOf(follower) + 1) + ">]"),
        normalizer.normalize(move, refused.stderr()));
    try {
      MaintenanceGrpc.newBlockingStub(c.channel(follower))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(leader.memberId()).build());
      fail("MoveLeader on a follower succeeded");
    } catch (StatusRuntimeException e) {
      assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
      assertEquals("etcdserver: not leader", e.getStatus().getDescription());
    }
  }

  /**
   * Promotes through {@code via}, retrying while the leader says the learner is not in sync yet (it has just joined).
   */
  private static Etcdctl.Result promoteWhenInSync(EtcdCluster c, EtcdProcess via, long id) {
    long deadlineNs = System.nanoTime() + CONVERGE_BOUND.toNanos();
    Etcdctl.Result r;
    do {
      r = Etcdctl.run(via.endpoint(), List.of("member", "promote", hex(id)));
      if (r.exitCode() == 0 || !r.stderr().contains("which is in sync with leader")) {
        return ok(c, r);
      }
      EtcdProcess.sleepMs(200);
    } while (System.nanoTime() < deadlineNs);
    return ok(c, r);
  }

  // ------------------------------------------------------------ helpers

  /** Waits until {@code m} reports that it knows no leader (a leader without quorum steps down). */
  private static void awaitNoLeader(EtcdCluster c, EtcdProcess m) {
    long deadlineNs = System.nanoTime() + CONVERGE_BOUND.toNanos();
    while (System.nanoTime() < deadlineNs) {
      EtcdCluster.MemberStatus s = c.statusOrNull(m);
      if (s != null && s.leader() == 0) {
        return;
      }
      EtcdProcess.sleepMs(EtcdCluster.POLL_MS);
    }
    fail(m + " still names a leader " + CONVERGE_BOUND + " after losing quorum");
  }

  /** Puts {@link #KEYS} keys under prefix through etcdctl. */
  private static void putKeys(EtcdProcess m, String prefix) {
    for (int i = 0; i < KEYS; i++) {
      Etcdctl.Result r = Etcdctl.run(m.endpoint(), List.of("put", prefix + i, "v" + i));
      assertEquals(0, r.exitCode(), "put via " + m + ": " + r.stderr());
    }
  }

  /** Waits until every member reports the same revision, then compares {@code endpoint hashkv --rev} on all of them. */
  private static void assertSameHashKv(EtcdCluster c, List<EtcdProcess> all) {
    long deadlineNs = System.nanoTime() + CONVERGE_BOUND.toNanos();
    Map<String, Long> revisions = new TreeMap<>();
    while (true) {
      revisions.clear();
      for (EtcdProcess m : all) {
        Etcdctl.Result s = Etcdctl.run(m.endpoint(), List.of("endpoint", "status", "-w", "json"));
        Matcher r = REVISION.matcher(s.stdout());
        revisions.put(m.memberName(), s.exitCode() == 0 && r.find() ? Long.parseLong(r.group(1)) : -1L);
      }
      if (new HashSet<>(revisions.values()).size() == 1 && !revisions.containsValue(-1L)) {
        break;
      }
      if (System.nanoTime() > deadlineNs) {
        fail("members did not converge on one revision within " + CONVERGE_BOUND + ": " + revisions);
      }
      EtcdProcess.sleepMs(EtcdCluster.POLL_MS);
    }
    long rev = revisions.values().iterator().next();
    Etcdctl.Result h =
        ok(c, Etcdctl.run(EtcdCluster.endpoints(all), List.of("endpoint", "hashkv", "--rev", Long.toString(rev), "-w", "json")));
    Set<String> hashes = new HashSet<>();
    Matcher m = HASH.matcher(h.stdout());
    int n = 0;
    while (m.find()) {
      hashes.add(m.group(1));
      n++;
    }
    assertEquals(all.size(), n, h.stdout());
    assertEquals(1, hashes.size(), "hashkv --rev " + rev + " differs between members: " + h.stdout());
  }

  /** What etcdctl prints for {@code member add}: the new id and the settings to start the member with. */
  private static String addedText(EtcdCluster c, long id, String name, String peer) {
    // etcdctl lists the members in the order of the response, which is by member id.
    TreeMap<Long, String> byId = new TreeMap<>(Long::compareUnsigned);
    for (EtcdProcess m : c.members()) {
      byId.put(c.memberId(m), m.memberName() + "=" + m.peerUrl());
    }
    byId.put(id, name + "=" + peer);
    return String.format("Member %16x added to cluster %16x%n", id, c.member(0).clusterId())
        + "\n"
        + "ETCD_NAME=\"" + name + "\"\n"
        + "ETCD_INITIAL_CLUSTER=\"" + String.join(",", byId.values()) + "\"\n"
        + "ETCD_INITIAL_ADVERTISE_PEER_URLS=\"" + peer + "\"\n"
        + "ETCD_INITIAL_CLUSTER_STATE=\"existing\"\n";
  }

  private static long addedId(Etcdctl.Result add) {
    Matcher m = ADDED.matcher(add.stdout());
    assertTrue(m.find(), "member add output: " + add.stdout());
    return Long.parseUnsignedLong(m.group(1), 16);
  }

  private static void expectError(EtcdCluster c, EtcdProcess m, List<String> args, String expected) {
    Etcdctl.Result r = Etcdctl.run(m.endpoint(), args);
    assertEquals(1, r.exitCode(), args + ": " + r.stdout() + r.stderr() + "\n" + c.logTails(10));
    assertEquals("", r.stdout(), args.toString());
    assertEquals(expected, ClusterProcessTest.errorLine(r.stderr()), args.toString());
  }

  /** Reruns a membership change while the strict check says the cluster is not healthy yet (fresh connections). */
  private static Etcdctl.Result whileUnhealthy(Supplier<Etcdctl.Result> change) {
    long deadlineNs = System.nanoTime() + HEALTHY_BOUND.toNanos();
    Etcdctl.Result r = change.get();
    while (r.exitCode() != 0 && r.stderr().contains("unhealthy cluster") && System.nanoTime() < deadlineNs) {
      EtcdProcess.sleepMs(500);
      r = change.get();
    }
    return r;
  }

  private static Etcdctl.Result ok(EtcdCluster c, Etcdctl.Result r) {
    return ClusterProcessTest.ok(c, r);
  }

  private static String hex(long id) {
    return Long.toHexString(id);
  }
}
