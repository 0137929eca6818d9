package io.etcdj.server.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.ConcurrentHashMap;

/**
 * etcd's peer network metrics (rafthttp/metrics.go): {@code etcd_network_peer_sent_bytes_total{To}},
 * {@code etcd_network_peer_received_bytes_total{From}} and {@code
 * etcd_network_peer_round_trip_time_seconds{To}}, labelled with the peer's id in hex as etcd
 * prints it.
 *
 * <p>What the round trip is: etcd probes each peer every few seconds over HTTP; etcdj's peer stream
 * has one request/answer exchange, the stream handshake (the dialer's first write until the peer's
 * {@code StreamAck} arrives), so each successful dial records one round trip. Called on the
 * transport's threads; each peer's data points are looked up once, so a record is a map lookup and
 * an atomic add (peers are few; their entries stay for the member's lifetime, as etcd's).
 */
public final class PeerMetrics implements io.etcdj.server.transport.PeerTraffic {
  /** etcd's buckets: {@code ExponentialBuckets(0.0001, 2, 16)}, 0.1 ms to 3.2768 s. */
  static final double[] RTT_BUCKETS = Metrics.exponential(0.0001, 2, 16);

  private final Counter sent;
  private final Counter received;
  private final Histogram rtt;
  private final ConcurrentHashMap<Long, CounterDataPoint> sentTo = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, CounterDataPoint> receivedFrom = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, DistributionDataPoint> rttTo = new ConcurrentHashMap<>();

  PeerMetrics(PrometheusRegistry registry) {
    sent =
        Counter.builder()
            .name("etcd_network_peer_sent_bytes_total")
            .help("The total number of bytes sent to peers.")
            .labelNames("To")
            .withoutExemplars()
            .register(registry);
    received =
        Counter.builder()
            .name("etcd_network_peer_received_bytes_total")
            .help("The total number of bytes received from peers.")
            .labelNames("From")
            .withoutExemplars()
            .register(registry);
    rtt =
        Histogram.builder()
            .name("etcd_network_peer_round_trip_time_seconds")
            .help("Round-Trip-Time histogram between peers")
            .labelNames("To")
            .classicUpperBounds(RTT_BUCKETS)
            .classicOnly()
            .withoutExemplars()
            .register(registry);
  }

  /** {@code bytes} of raft messages written to peer {@code to}. */
  @Override
  public void sent(long to, long bytes) {
    CounterDataPoint p = sentTo.get(to);
    if (p == null) {
      p = sentTo.computeIfAbsent(to, id -> sent.labelValues(Long.toHexString(id)));
    }
    p.inc(bytes);
  }

  /** {@code bytes} of raft messages received from peer {@code from}. */
  @Override
  public void received(long from, long bytes) {
    CounterDataPoint p = receivedFrom.get(from);
    if (p == null) {
      p = receivedFrom.computeIfAbsent(from, id -> received.labelValues(Long.toHexString(id)));
    }
    p.inc(bytes);
  }

  /** One round trip to peer {@code to}. */
  @Override
  public void roundTrip(long to, long nanos) {
    DistributionDataPoint p = rttTo.get(to);
    if (p == null) {
      p = rttTo.computeIfAbsent(to, id -> rtt.labelValues(Long.toHexString(id)));
    }
    p.observe(nanos / 1e9);
  }
}
