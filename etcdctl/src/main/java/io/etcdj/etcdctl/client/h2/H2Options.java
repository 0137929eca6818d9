package io.etcdj.etcdctl.client.h2;

/**
 * Settings of an {@link H2Channel}.
 *
 * @param connectTimeoutNanos one TCP connect attempt (etcdctl's --dial-timeout); 0 = the OS's
 * @param keepAliveTimeNanos PING period while calls are open; 0 or Long.MAX_VALUE = no keepalive.
 *     Taken as given: callers apply grpc's 10 s floor ({@link #KEEPALIVE_TIME_MIN_NANOS}), as servers
 *     answer faster pings with GOAWAY too_many_pings.
 * @param keepAliveTimeoutNanos how long to wait for the PING's ACK before the connection is dead
 * @param messageBytesMax largest inbound message
 * @param userAgent the user-agent header
 */
public record H2Options(
    long connectTimeoutNanos, long keepAliveTimeNanos, long keepAliveTimeoutNanos, int messageBytesMax, String userAgent) {
  /** grpc-go's and grpc-java's floor for the client keepalive time. */
  public static final long KEEPALIVE_TIME_MIN_NANOS = 10_000_000_000L;

  public H2Options {
    if (connectTimeoutNanos < 0 || keepAliveTimeNanos < 0 || keepAliveTimeoutNanos < 0 || messageBytesMax <= 0) {
      throw new IllegalArgumentException("negative H2 option");
    }
  }

  /** No keepalive, 20 s connect timeout, 4 MiB messages. */
  public static H2Options defaults() {
    return new H2Options(20_000_000_000L, 0, 20_000_000_000L, 4 << 20, "etcdj-etcdctl");
  }

  boolean keepAlive() {
    return keepAliveTimeNanos > 0 && keepAliveTimeNanos != Long.MAX_VALUE;
  }
}
