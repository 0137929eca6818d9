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
          "etcd_server_proposals_committed_total",
          "etcd_server_proposals_applied_total",
          "etcd_server_id",
          "etcd_server_version",
          "etcd_cluster_version",
          "etcd_server_quota_backend_bytes",
          "etcd_server_health_success",
          "etcd_server_health_failures",
          "etcd_disk_wal_fsync_duration_seconds",
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
