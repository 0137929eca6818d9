package io.etcdj.server.config;

/**
 * etcd's gRPC server options for the client port ({@code embed/etcd.go}): the streams one connection may open, the
 * shortest ping interval a client may use before it is sent away, and the server's own keepalive pings.
 *
 * @param maxConcurrentStreams {@code --max-concurrent-streams}, a uint32 (default math.MaxUint32: no limit)
 * @param keepaliveMinTimeNanos {@code --grpc-keepalive-min-time} (5s); 0 leaves gRPC's own policy
 * @param keepaliveIntervalNanos {@code --grpc-keepalive-interval} (2h): idle time before the server pings
 * @param keepaliveTimeoutNanos {@code --grpc-keepalive-timeout} (20s): how long a ping may go unanswered before the
 *     connection is closed; the server pings only when both this and the interval are positive, as etcd
 */
public record GrpcSettings(
    long maxConcurrentStreams, long keepaliveMinTimeNanos, long keepaliveIntervalNanos, long keepaliveTimeoutNanos) {
  static final long MAX_UINT32 = 0xFFFF_FFFFL;

  public GrpcSettings {
    if (maxConcurrentStreams < 0 || maxConcurrentStreams > MAX_UINT32) {
      throw new IllegalArgumentException("max concurrent streams out of uint32 range: " + maxConcurrentStreams);
    }
  }

  /** grpc-java counts calls per connection in an int: etcd's "no limit" becomes Integer.MAX_VALUE. */
  public int maxConcurrentCallsPerConnection() {
    return (int) Math.min(Integer.MAX_VALUE, maxConcurrentStreams);
  }

  /** Whether the server sends keepalive pings (etcd: interval and timeout both positive). */
  public boolean serverPings() {
    return keepaliveIntervalNanos > 0 && keepaliveTimeoutNanos > 0;
  }
}
