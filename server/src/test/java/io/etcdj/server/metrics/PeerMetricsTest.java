package io.etcdj.server.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Peer metrics are labelled with the peer id in hex, To for sent and From for received. */
class PeerMetricsTest {
  @Test
  void labelsAndSumsPerPeer() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    PeerMetrics m = new PeerMetrics(registry);
    long peer = 0x8e9e05c52164694dL;
    m.sent(peer, 100);
    m.sent(peer, 20);
    m.received(peer, 7);
    m.roundTrip(peer, 300_000); // 0.3 ms: in the 0.0004 bucket, not the 0.0002 one
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(
        text.contains("etcd_network_peer_sent_bytes_total{To=\"8e9e05c52164694d\"} 120.0"), text);
    assertTrue(
        text.contains("etcd_network_peer_received_bytes_total{From=\"8e9e05c52164694d\"} 7.0"),
        text);
    assertTrue(
        text.contains(
            "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"2.0E-4\"} 0"),
        text);
    assertTrue(
        text.contains(
            "etcd_network_peer_round_trip_time_seconds_bucket{To=\"8e9e05c52164694d\",le=\"4.0E-4\"} 1"),
        text);
  }
}
