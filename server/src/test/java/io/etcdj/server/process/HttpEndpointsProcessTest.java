package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The HTTP side of the client port, checked with curl against real etcd 3.4.23 and etcdj: the same
 * status, content type and body for {@code /version}, {@code /health} (and its 405), unknown paths,
 * {@code OPTIONS}, {@code /metrics}; {@code --listen-metrics-urls}; gRPC's standard health service
 * on the same port; and the metric names etcdj exposes, each of which real etcd has with the same
 * type.
 */
@Tag("process")
class HttpEndpointsProcessTest {
  static List<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds();
  }

  /** The etcd metrics etcdj claims to expose (the list), all present in real etcd. */
  static final List<String> CLAIMED =
      List.of(
          "etcd_server_has_leader",
          "etcd_server_is_leader",
          "etcd_server_is_learner",
          "etcd_server_leader_changes_seen_total",
          "etcd_server_proposals_pending",
          "etcd_server_proposals_failed_total",
          "etcd_server_proposals_committed_total",
          "etcd_server_proposals_applied_total",
          "etcd_server_id",
          "etcd_server_version",
          "etcd_cluster_version",
          "etcd_server_quota_backend_bytes",
          "etcd_server_health_success",
          "etcd_server_health_failures",
          "etcd_disk_wal_fsync_duration_seconds",
          "etcd_disk_backend_commit_duration_seconds",
          "etcd_mvcc_put_total",
          "etcd_mvcc_delete_total",
          "etcd_mvcc_range_total",
          "etcd_mvcc_txn_total",
          "etcd_mvcc_db_total_size_in_bytes",
          "etcd_mvcc_db_total_size_in_use_in_bytes",
          "etcd_debugging_mvcc_keys_total",
          "etcd_debugging_mvcc_current_revision",
          "etcd_debugging_mvcc_compact_revision",
          "grpc_server_started_total",
          "grpc_server_handled_total",
          "grpc_server_msg_received_total",
          "grpc_server_msg_sent_total",
          "process_open_fds",
          "process_max_fds",
          "process_resident_memory_bytes",
          "process_cpu_seconds_total",
          "process_start_time_seconds");

  @ParameterizedTest
  @MethodSource("kinds")
  void endpointsAnswerAsEtcd(EtcdProcess.Kind kind) {
    try (EtcdProcess server = EtcdProcess.start(kind, "http-" + kind.lowerName())) {
      String base = server.clientUrl();

      Curl.Answer version = Curl.get(base + "/version");
      assertEquals(200, version.status());
      assertEquals("application/json", version.header("Content-Type"));
      assertEquals("{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}", version.body());
      assertEquals("*", version.header("Access-Control-Allow-Origin"));
      assertEquals("POST, GET, OPTIONS, PUT, DELETE", version.header("Access-Control-Allow-Methods"));
      assertEquals("accept, content-type, authorization", version.header("Access-Control-Allow-Headers"));

      Curl.Answer versionPost = Curl.request("POST", base + "/version");
      assertEquals(405, versionPost.status());
      assertEquals("GET", versionPost.header("Allow"));
      assertEquals("Method Not Allowed\n", versionPost.body());

      Curl.Answer health = Curl.get(base + "/health");
      assertEquals(200, health.status());
      assertEquals("text/plain; charset=utf-8", health.header("Content-Type"));
      assertEquals("{\"health\":\"true\"}", health.body());
      assertEquals("{\"health\":\"true\"}", Curl.get(base + "/health?exclude=NOSPACE").body());

      Curl.Answer healthPost = Curl.request("POST", base + "/health");
      assertEquals(405, healthPost.status());
      assertEquals("GET", healthPost.header("Allow"));
      assertEquals("nosniff", healthPost.header("X-Content-Type-Options"));
      assertEquals("Method Not Allowed\n", healthPost.body());

      for (String path : List.of("/nope", "/version/", "/v3alpha/kv/range", "/livez")) {
        Curl.Answer missing = Curl.get(base + path);
        assertEquals(404, missing.status(), path);
        assertEquals("text/plain; charset=utf-8", missing.header("Content-Type"), path);
        assertEquals("404 page not found\n", missing.body(), path);
      }

      Curl.Answer options = Curl.request("OPTIONS", base + "/anything");
      assertEquals(200, options.status());
      assertEquals("", options.body());
      assertEquals("*", options.header("Access-Control-Allow-Origin"));

      Curl.Answer metrics = Curl.get(base + "/metrics");
      assertEquals(200, metrics.status());
      assertEquals("text/plain; version=0.0.4; charset=utf-8", metrics.header("Content-Type"));
      assertTrue(metrics.body().contains("\netcd_server_has_leader 1"), "has_leader 1");
      assertTrue(metrics.body().contains("etcd_server_version{server_version=\"3.4.23\"} 1"));
      assertTrue(metrics.body().contains("etcd_cluster_version{cluster_version=\"3.4\"} 1"));

      // The /health call above was counted.
      assertTrue(metrics.body().contains("\netcd_server_health_success 2"), "two healthy answers");
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void metricsListenerServesMetricsAndHealthOnly(EtcdProcess.Kind kind) {
    int port = EtcdProcess.freePorts(1)[0];
    String url = "http://127.0.0.1:" + port;
    try (EtcdProcess server =
        EtcdProcess.start(kind, "http-mx-" + kind.lowerName(), List.of("--listen-metrics-urls", url))) {
      Curl.Answer health = Curl.get(url + "/health");
      assertEquals(200, health.status());
      assertEquals("{\"health\":\"true\"}", health.body());
      assertNull(health.header("Access-Control-Allow-Origin"), "no CORS on the metrics port");
      Curl.Answer metrics = Curl.get(url + "/metrics");
      assertEquals(200, metrics.status());
      assertTrue(metrics.body().contains("\netcd_server_has_leader 1"));
      assertEquals(404, Curl.get(url + "/version").status());
      assertEquals("404 page not found\n", Curl.get(url + "/version").body());
    }
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void grpcHealthServiceServesTheEmptyName(EtcdProcess.Kind kind) throws Exception {
    try (EtcdProcess server = EtcdProcess.start(kind, "http-grpc-health-" + kind.lowerName())) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.clientPort()).usePlaintext().build();
      try {
        HealthGrpc.HealthBlockingStub health =
            HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
        assertEquals(
            HealthCheckResponse.ServingStatus.SERVING,
            health.check(HealthCheckRequest.newBuilder().setService("").build()).getStatus());
        StatusRuntimeException unknown =
            org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> health.check(HealthCheckRequest.newBuilder().setService("etcdserverpb.KV").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /**
   * Differential: every etcd_* and grpc_* metric family etcdj exposes exists in real etcd's
   * /metrics with the same TYPE and HELP, and every claimed family is exposed by both.
   */
  @Test
  void metricFamiliesAreEtcds() {
    Map<String, String[]> etcd;
    Map<String, String[]> etcdj;
    try (EtcdProcess real = EtcdProcess.start(EtcdProcess.Kind.ETCD, "http-metrics-etcd");
        EtcdProcess ours = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "http-metrics-etcdj")) {
      // One unary call each, so that go-grpc-prometheus's families have samples on both.
      assertEquals(0, Etcdctl.run(real.endpoint(), List.of("put", "k", "v")).exitCode());
      assertEquals(0, Etcdctl.run(ours.endpoint(), List.of("put", "k", "v")).exitCode());
      etcd = families(Curl.get(real.clientUrl() + "/metrics").body());
      etcdj = families(Curl.get(ours.clientUrl() + "/metrics").body());
      assertEquals(MVCC_SESSION_COUNTS, mvccCounts(real), "etcd's mvcc counters");
      assertEquals(MVCC_SESSION_COUNTS, mvccCounts(ours), "etcdj's mvcc counters");
    }
    TreeSet<String> missing = new TreeSet<>();
    for (var e : etcdj.entrySet()) {
      String name = e.getKey();
      if (!name.startsWith("etcd_") && !name.startsWith("grpc_")) {
        continue;
      }
      String[] theirs = etcd.get(name);
      if (theirs == null) {
        missing.add(name);
        continue;
      }
      assertEquals(theirs[0], e.getValue()[0], "TYPE of " + name);
      assertEquals(theirs[1], e.getValue()[1], "HELP of " + name);
    }
    assertEquals(new TreeSet<>(), missing, "etcdj families real etcd does not have");
    for (String name : CLAIMED) {
      assertTrue(etcd.containsKey(name), "etcd has " + name);
      assertTrue(etcdj.containsKey(name), "etcdj has " + name);
      assertEquals(etcd.get(name)[0], etcdj.get(name)[0], "TYPE of " + name);
    }
  }

  static final List<String> MVCC_COUNTERS =
      List.of("etcd_mvcc_range_total", "etcd_mvcc_put_total", "etcd_mvcc_delete_total", "etcd_mvcc_txn_total");

  /**
   * What {@link #mvccCounts}'s session adds to {@link #MVCC_COUNTERS}, as etcd counts: a get is a
   * range; put/del --prev-kv read first (a range, the write, a txn); the txn's two compares are a
   * read txn of their own (2 ranges, a txn), its two puts another (2 puts, a txn).
   */
  static final List<Long> MVCC_SESSION_COUNTS = List.of(1L + 1 + 1 + 2, 1L + 2, 1L, 1L + 1 + 2);

  /** Runs a session of etcdctl commands; returns how much each of {@link #MVCC_COUNTERS} grew. */
  private static List<Long> mvccCounts(EtcdProcess server) {
    List<Long> before = samples(Curl.get(server.clientUrl() + "/metrics").body(), MVCC_COUNTERS);
    for (List<String> args :
        List.of(
            List.of("get", "k"),
            List.of("put", "k", "v2", "--prev-kv"),
            List.of("del", "k", "--prev-kv"))) {
      assertEquals(0, Etcdctl.run(server.endpoint(), args).exitCode(), String.valueOf(args));
    }
    String txn = "version(\"k\") = \"0\"\nversion(\"k2\") = \"0\"\n\nput k2 v\nput k3 v\n\nget k\n\n";
    assertEquals(
        0,
        Etcdctl.run(server.endpoint(), List.of("txn"), txn, java.time.Duration.ofSeconds(10))
            .exitCode());
    List<Long> after = samples(Curl.get(server.clientUrl() + "/metrics").body(), MVCC_COUNTERS);
    List<Long> grown = new java.util.ArrayList<>();
    for (int i = 0; i < after.size(); i++) {
      grown.add(after.get(i) - before.get(i));
    }
    return grown;
  }

  /** The values of unlabelled samples, in the order of {@code names}. */
  static List<Long> samples(String page, List<String> names) {
    List<Long> out = new java.util.ArrayList<>();
    for (String name : names) {
      long value = -1;
      for (String line : page.split("\n")) {
        if (line.startsWith(name + " ")) {
          value = (long) Double.parseDouble(line.substring(name.length() + 1).trim());
        }
      }
      assertTrue(value >= 0, "a sample of " + name);
      out.add(value);
    }
    return out;
  }

  /** The peer families, which both servers expose only once they have peers. */
  static final List<String> PEER_FAMILIES =
      List.of(
          "etcd_network_peer_sent_bytes_total",
          "etcd_network_peer_received_bytes_total",
          "etcd_network_peer_round_trip_time_seconds");

  /**
   * Differential, on three-member clusters: the peer network families have etcd's TYPE, HELP and
   * label names, labelled with the other members' ids. etcd records its first round trip about 5 s
   * after start (its prober's first report), so its page is polled until all three are there.
   */
  @Test
  void peerMetricFamiliesAreEtcds() throws InterruptedException {
    String etcdPage = peerPage(EtcdProcess.Kind.ETCD);
    String etcdjPage = peerPage(EtcdProcess.Kind.ETCDJ);
    Map<String, String[]> etcd = families(etcdPage);
    Map<String, String[]> etcdj = families(etcdjPage);
    for (String name : PEER_FAMILIES) {
      assertTrue(etcd.containsKey(name), "etcd has " + name);
      assertTrue(etcdj.containsKey(name), "etcdj has " + name);
      assertEquals(etcd.get(name)[0], etcdj.get(name)[0], "TYPE of " + name);
      assertEquals(etcd.get(name)[1], etcdj.get(name)[1], "HELP of " + name);
    }
    for (String sample :
        List.of(
            "etcd_network_peer_sent_bytes_total{To=\"",
            "etcd_network_peer_received_bytes_total{From=\"",
            "etcd_network_peer_round_trip_time_seconds_count{To=\"")) {
      assertTrue(etcdPage.contains(sample), "etcd writes " + sample);
      assertTrue(etcdjPage.contains(sample), "etcdj writes " + sample);
    }
  }

  /** /metrics of the first member of a fresh cluster, once it has every peer family. */
  private static String peerPage(EtcdProcess.Kind kind) throws InterruptedException {
    try (EtcdCluster c = EtcdCluster.start(kind, "peer-metrics-" + kind.lowerName())) {
      EtcdProcess member = c.member(0);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (true) {
        String page = Curl.get(member.clientUrl() + "/metrics").body();
        if (families(page).keySet().containsAll(PEER_FAMILIES)
            || System.nanoTime() - deadline > 0) {
          String id = Long.toHexString(c.memberId(c.member(1)));
          assertTrue(page.contains("{To=\"" + id + "\"}"), kind + " labels a peer " + id);
          return page;
        }
        Thread.sleep(500);
      }
    }
  }

  /** Family name → {TYPE, HELP} from a text-format 0.0.4 page. */
  static Map<String, String[]> families(String page) {
    Map<String, String[]> out = new TreeMap<>();
    for (String line : page.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] f = line.split(" ", 4);
        out.computeIfAbsent(f[2], k -> new String[2])[0] = f[3];
      } else if (line.startsWith("# HELP ")) {
        String[] f = line.split(" ", 4);
        out.computeIfAbsent(f[2], k -> new String[2])[1] = f.length > 3 ? f[3] : "";
      }
    }
    return out;
  }
}
