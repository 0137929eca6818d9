package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.MoveLeaderRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden output of the cluster commands on three members: the same scenario is run with stock etcdctl 3.4.23 and then
 * with etcdj's etcdctl on one cluster (per server kind), and the normalized transcripts must be equal. The scenario
 * puts the cluster back as it found it (leader m1, three members), so both CLIs see the same cluster:
 *
 * <ul>
 *   <li>{@code --cluster} and several endpoints: member list, endpoint status/hashkv/health, alarm list, defrag;
 *   <li>move-leader to a follower, from a follower-only endpoint list, to the leader itself and to an unknown id;
 *   <li>an unstarted voter and an unstarted learner added, listed, updated, refused promotion and removed;
 *   <li>a learner that joins, shows in {@code endpoint status --cluster}, is promoted (with {@code -w json}, which
 *       crashes stock etcdctl 3.4 after the promotion) and then removed (it stops).
 * </ul>
 *
 * Ids of added members are random, so each side's are replaced by {@code <NEW_ID_k>}; outputs that list them are
 * compared as sorted lines (etcd lists members by id). Health answers come in any order, so their lines are sorted too.
 */
@Tag("process")
class CtlClusterGoldenTest {

  static final Duration CONVERGE_BOUND = Duration.ofSeconds(20);
  /** The strict reconfiguration check wants every voter connected for 5 s. */
  static final Duration HEALTHY_BOUND = Duration.ofSeconds(15);

  static final Duration SELF_STOP_BOUND = Duration.ofSeconds(20);

  private static final Pattern ADDED = Pattern.compile("Member\\s+([0-9a-f]+) added to cluster");

  /** One CLI: stock etcdctl or ours, given the {@code --endpoints} value and the rest of the command line. */
  interface Cli {
    Etcdctl.Result run(String endpoints, List<String> args);
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void clusterCommandsPrintAsStockEtcdctl(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "ctlcluster")) {
      // Each session its own ports: etcd derives an added member's id from its peer URLs and the
      // second, so the same URLs re-added in the second the other session removed them would be
      // refused as "member not found" (a removed id).
      int[] stockPorts = EtcdProcess.freePorts(4);
      int[] ourPorts = EtcdProcess.freePorts(4);
      Etcdctl.Result put = Etcdctl.run(c.member(0).endpoint(), List.of("put", "k", "v"));
      assertEquals(0, put.exitCode(), put.stderr());
      List<String> stock = scenario(c, "stock", stockPorts, Etcdctl::run);
      List<String> ours = scenario(c, "ours", ourPorts, OurEtcdctl::run);
      Files.createDirectories(EtcdProcess.LOG_ROOT);
      Files.write(EtcdProcess.LOG_ROOT.resolve("ctl-cluster-" + kind.lowerName() + "-stock.transcript"), stock,
          StandardCharsets.UTF_8);
      Files.write(EtcdProcess.LOG_ROOT.resolve("ctl-cluster-" + kind.lowerName() + "-ours.transcript"), ours,
          StandardCharsets.UTF_8);
      String diff = LineDiff.diff(stock, ours, "stock etcdctl", "etcdj etcdctl");
      if (!diff.isEmpty()) {
        fail("cluster scenario on " + kind + ": etcdj's etcdctl differs from stock etcdctl\n" + diff);
      }
    }
  }

  /** The recorded scenario of one CLI. */
  private static List<String> scenario(EtcdCluster c, String label, int[] ports, Cli cli) throws Exception {
    Session s = new Session(c, cli, ports);
    EtcdProcess m1 = c.member(0);
    String all = EtcdCluster.endpoints(c.members());
    // Calls whose answer names the member that answered go to one endpoint: stock's balancer spreads them.
    String one = m1.endpoint();
    leaderIs(c, m1);

    s.run(one, "member", "list");
    s.run(one, "member", "list", "-w", "table");
    s.run(one, "member", "list", "-w", "json");
    s.run(one, "member", "list", "-w", "fields");
    s.run(m1.endpoint(), "endpoint", "status", "--cluster");
    s.run(m1.endpoint(), "endpoint", "status", "--cluster", "-w", "table");
    s.run(m1.endpoint(), "endpoint", "status", "--cluster", "-w", "json");
    s.run(all, "endpoint", "status", "-w", "fields");
    s.run(m1.endpoint(), "endpoint", "hashkv", "--cluster");
    s.run(all, "endpoint", "hashkv", "-w", "table");
    s.unordered(m1.endpoint(), "endpoint", "health", "--cluster");
    s.unordered(all, "endpoint", "health");
    s.run(one, "alarm", "list", "-w", "json");
    s.run(m1.endpoint(), "defrag", "--cluster");

    String m2 = Long.toHexString(c.memberId(c.member(1)));
    String m3 = Long.toHexString(c.memberId(c.member(2)));
    s.run(all, "move-leader", m2);
    assertEquals(c.member(1), c.awaitLeader(CONVERGE_BOUND), label + ": leader after move-leader");
    s.run(m1.endpoint(), "move-leader", m3);
    s.run(all, "move-leader", m2, "-w", "json");
    s.run(all, "move-leader", "1234");
    s.run(c.member(2).endpoint() + "," + c.member(1).endpoint(), "move-leader", m3, "-w", "fields");
    c.awaitLeader(CONVERGE_BOUND);
    leaderIs(c, m1);

    String voterPeer = "http://127.0.0.1:" + ports[2];
    String learnerPeer = "http://127.0.0.1:" + ports[3];
    // The learner first: with an unstarted voter, etcd finds the cluster unhealthy for any addition.
    String learner = s.add(one, "member", "add", "l4", "--learner", "--peer-urls=" + learnerPeer, "-w", "json");
    String voter = s.add(one, "member", "add", "v4", "--peer-urls=" + voterPeer);
    s.run(one, "member", "add", "l5", "--learner", "--peer-urls=" + voterPeer);
    s.run(one, "member", "add", "v5", "--peer-urls=http://127.0.0.1:1,", "-w", "json");
    s.unordered(one, "member", "list");
    s.unordered(one, "member", "list", "-w", "table");
    s.run(one, "member", "update", learner, "--peer-urls=" + learnerPeer + ",http://127.0.0.1:" + ports[0]);
    s.run(one, "member", "update", voter, "--peer-urls=" + voterPeer, "-w", "json");
    s.run(one, "member", "promote", learner);
    s.run(one, "member", "promote", voter);
    s.run(one, "member", "remove", learner);
    s.run(one, "member", "remove", voter, "-w", "json");
    s.run(one, "member", "remove", voter);

    String joinPeer = "http://127.0.0.1:" + ports[1];
    String joined = s.add(one, "member", "add", "j4", "--learner", "--peer-urls=" + joinPeer);
    try (EtcdProcess j4 = join(c, label, ports, joinPeer)) {
      s.unordered(one, "member", "list");
      s.unordered(m1.endpoint(), "endpoint", "status", "--cluster");
      // -w json: stock etcdctl 3.4 has no JSON printer for promote and crashes after promoting
      s.promoteWhenInSync(all, joined, "-w", "json");
      s.run(one, "member", "promote", joined);
      s.unordered(m1.endpoint(), "endpoint", "hashkv", "--cluster");
      s.run(one, "member", "remove", joined);
      assertTrue(j4.awaitExit(SELF_STOP_BOUND), label + ": a removed member stops itself\n" + j4.logTail(20));
    }
    s.run(one, "member", "list", "-w", "json");
    return s.lines;
  }

  /** Moves the leadership to {@code m} (over gRPC, outside the transcript) and waits until all agree. */
  private static void leaderIs(EtcdCluster c, EtcdProcess m) {
    EtcdProcess leader = c.awaitLeader(CONVERGE_BOUND);
    if (leader != m) {
      MaintenanceGrpc.newBlockingStub(c.channel(leader))
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .moveLeader(MoveLeaderRequest.newBuilder().setTargetID(c.memberId(m)).build());
    }
    long deadlineNs = System.nanoTime() + CONVERGE_BOUND.toNanos();
    while (c.awaitLeader(CONVERGE_BOUND) != m) {
      assertTrue(System.nanoTime() < deadlineNs, "leadership did not move to " + m);
      EtcdProcess.sleepMs(EtcdCluster.POLL_MS);
    }
  }

  private static EtcdProcess join(EtcdCluster c, String label, int[] ports, String peer) {
    StringBuilder initial = new StringBuilder("j4=" + peer);
    for (EtcdProcess m : c.members()) {
      initial.append(',').append(m.memberName()).append('=').append(m.peerUrl());
    }
    EtcdProcess p =
        EtcdProcess.joining(
            c.kind(), "ctlcluster-" + label, "j4", ports[0], ports[1], initial.toString(), "etcdj-ptest-joined",
            List.of());
    try {
      p.launch();
      p.awaitServing(p.readyTimeout());
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** One CLI's transcript: each command, its exit code and normalized output. */
  private static final class Session {
    final EtcdCluster cluster;
    final Cli cli;
    final EtcdctlNormalizer normalizer;
    final List<String> lines = new ArrayList<>();
    /** Ids of members this session added (hex), with their placeholders. */
    final Map<String, String> newIds = new LinkedHashMap<>();

    /** The session's own ports for added members, masked so that the two sessions compare. */
    final int[] ports;

    Session(EtcdCluster cluster, Cli cli, int[] ports) {
      this.cluster = cluster;
      this.cli = cli;
      this.ports = ports;
      this.normalizer = new EtcdctlNormalizer(cluster.members());
    }

    Etcdctl.Result run(String endpoints, String... args) {
      return record(endpoints, List.of(args), false);
    }

    Etcdctl.Result unordered(String endpoints, String... args) {
      return record(endpoints, List.of(args), true);
    }

    private Etcdctl.Result record(String endpoints, List<String> args, boolean sort) {
      Etcdctl.Result r = cli.run(endpoints, args);
      write(endpoints, args, r, sort);
      return r;
    }

    private void write(String endpoints, List<String> args, Etcdctl.Result r, boolean sort) {
      lines.add(masked("$ etcdctl --endpoints=" + endpoints + " " + String.join(" ", args)));
      lines.add("[exit " + r.exitCode() + "]");
      List<String> out = new ArrayList<>();
      for (String line : normalizer.normalize(args, masked(r.stdout()))) {
        out.add(canonicalOrder(line));
      }
      List<String> err = new ArrayList<>();
      for (String line : normalizer.normalize(args, masked(r.stderr()))) {
        if (!line.isEmpty()) {
          err.add("stderr> " + line);
        }
      }
      if (sort) {
        out.sort(null);
        err.sort(null);
      }
      lines.addAll(out);
      lines.addAll(err);
    }

    /**
     * This session's new member ids (hex and decimal) as placeholders; and, for the command line, which the normalizer
     * does not see, the three members' client ports and ids as it writes them.
     */
    private String masked(String text) {
      String t = text;
      for (Map.Entry<String, String> e : newIds.entrySet()) {
        // "Member %16x": the padding depends on the random id's length
        t = t.replaceAll("Member +" + e.getKey() + "\\b", "Member " + e.getValue());
        t = t.replaceAll("\\b" + e.getKey() + "\\b", e.getValue());
        t = t.replaceAll("\\b" + Long.toUnsignedString(Long.parseUnsignedLong(e.getKey(), 16)) + "\\b", e.getValue());
      }
      for (int i = 0; i < ports.length; i++) {
        t = t.replaceAll("127\\.0\\.0\\.1:" + ports[i] + "\\b", "127.0.0.1:<NEW_PORT_" + (i + 1) + ">");
      }
      for (int i = 0; i < cluster.members().size(); i++) {
        EtcdProcess m = cluster.member(i);
        t = t.replace("127.0.0.1:" + m.clientPort(), "127.0.0.1:<CLIENT_PORT_" + (i + 1) + ">");
        t = t.replaceAll("\\b" + Long.toHexString(m.memberId()) + "\\b", "<MEMBER_ID_" + (i + 1) + ">");
      }
      return t;
    }

    /**
     * A {@code member add}, retried (unrecorded) while the cluster is too fresh for etcd's strict reconfiguration
     * check; learns the id it printed (simple or JSON) before recording, and returns it in hex.
     */
    String add(String endpoints, String... args) {
      long deadlineNs = System.nanoTime() + HEALTHY_BOUND.toNanos();
      Etcdctl.Result r = cli.run(endpoints, List.of(args));
      while (r.exitCode() != 0
          && (r.stderr().contains("not enough started members") || r.stderr().contains("unhealthy cluster"))
          && System.nanoTime() < deadlineNs) {
        EtcdProcess.sleepMs(500);
        r = cli.run(endpoints, List.of(args));
      }
      assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
      String id;
      Matcher simple = ADDED.matcher(r.stdout());
      if (simple.find()) {
        id = simple.group(1);
      } else {
        Matcher json = Pattern.compile("\"member\":\\{\"ID\":(\\d+)").matcher(r.stdout());
        assertTrue(json.find(), r.stdout());
        id = Long.toHexString(Long.parseUnsignedLong(json.group(1)));
      }
      newIds.put(id, "<NEW_ID_" + (newIds.size() + 1) + ">");
      write(endpoints, List.of(args), r, false);
      return id;
    }

    /**
     * etcd lists members by id, and added members' ids are random: member arrays in JSON and the ETCD_INITIAL_CLUSTER
     * list of {@code member add} are put in text order so both sides compare.
     */
    static String canonicalOrder(String line) {
      Matcher initial = Pattern.compile("^ETCD_INITIAL_CLUSTER=\"(.*)\"$").matcher(line);
      if (initial.matches()) {
        List<String> items = new ArrayList<>(List.of(initial.group(1).split(",")));
        items.sort(null);
        return "ETCD_INITIAL_CLUSTER=\"" + String.join(",", items) + "\"";
      }
      String key = "\"members\":[";
      int from = line.indexOf(key);
      if (from < 0) {
        return line;
      }
      int start = from + key.length();
      List<String> items = new ArrayList<>();
      int depth = 0;
      int itemStart = start;
      int end = line.length();
      for (int i = start; i < line.length(); i++) {
        char ch = line.charAt(i);
        if (ch == '{' || ch == '[') {
          depth++;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
          depth--;
        } else if (ch == ']') {
          end = i;
          break;
        } else if (ch == ',' && depth == 0) {
          items.add(line.substring(itemStart, i));
          itemStart = i + 1;
        }
      }
      items.add(line.substring(itemStart, end));
      items.sort(null);
      return line.substring(0, start) + String.join(",", items) + line.substring(end);
    }

    /** Promotes once the learner caught up; the refusals before that are not recorded. */
    void promoteWhenInSync(String endpoints, String id, String... flags) {
      long deadlineNs = System.nanoTime() + CONVERGE_BOUND.toNanos();
      List<String> args = new ArrayList<>(List.of("member", "promote", id));
      args.addAll(List.of(flags));
      Etcdctl.Result r = cli.run(endpoints, args);
      while (r.exitCode() != 0 && r.stderr().contains("in sync with leader") && System.nanoTime() < deadlineNs) {
        EtcdProcess.sleepMs(200);
        r = cli.run(endpoints, args);
      }
      write(endpoints, args, r, false);
    }
  }
}
