package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code --conns} gRPC connections: one plaintext netty {@link ManagedChannel} each (so one TCP
 * connection each), spread over the endpoints round-robin as etcd's tool dials them. Channels use
 * {@code directExecutor}: response callbacks run on the netty event loop, which is cheap because
 * the load loop only records a latency and starts the next call.
 *
 * <p>Opened and closed by the command's thread.
 */
final class Connections implements AutoCloseable {
  /** etcd's client default (math.MaxInt32): range responses may be large. */
  static final int RESPONSE_BYTES_MAX = Integer.MAX_VALUE;

  static final long CLOSE_TIMEOUT_MILLIS = 5_000;

  private final List<ManagedChannel> channels;

  private Connections(List<ManagedChannel> channels) {
    this.channels = List.copyOf(channels);
  }

  List<ManagedChannel> channels() {
    return channels;
  }

  /** Opens {@code count} channels and waits until each is connected or the timeout passes. */
  static Connections open(List<Endpoint> endpoints, int count, long dialTimeoutMillis)
      throws InterruptedException {
    if (count <= 0) {
      throw new IllegalArgumentException("conns must be positive: " + count);
    }
    List<ManagedChannel> channels = new ArrayList<>(count);
    try {
      for (int i = 0; i < count; i++) {
        channels.add(channel(endpoints.get(i % endpoints.size())));
      }
      long deadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(dialTimeoutMillis);
      for (int i = 0; i < count; i++) {
        awaitReady(channels.get(i), endpoints.get(i % endpoints.size()), deadlineNanos);
      }
      return new Connections(channels);
    } catch (RuntimeException | InterruptedException e) {
      new Connections(channels).close();
      throw e;
    }
  }

  static ManagedChannel channel(Endpoint endpoint) {
    return NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
        .usePlaintext()
        .directExecutor()
        .maxInboundMessageSize(RESPONSE_BYTES_MAX)
        .build();
  }

  private static void awaitReady(ManagedChannel channel, Endpoint endpoint, long deadlineNanos)
      throws InterruptedException {
    ConnectivityState state = channel.getState(true);
    while (state != ConnectivityState.READY) {
      long leftNanos = deadlineNanos - System.nanoTime();
      if (leftNanos <= 0) {
        throw new IllegalStateException(
            "could not connect to " + endpoint + " within the dial timeout (state " + state + ")");
      }
      CountDownLatch changed = new CountDownLatch(1);
      channel.notifyWhenStateChanged(state, changed::countDown);
      changed.await(leftNanos, TimeUnit.NANOSECONDS);
      state = channel.getState(true);
    }
  }

  /**
   * etcd's {@code --target-leader}: asks each endpoint for its Status and keeps the first one that
   * reports itself as leader. Falls back to all endpoints (with a note) when none does.
   */
  static List<Endpoint> leaderOnly(List<Endpoint> endpoints, long timeoutMillis, PrintWriter err) {
    for (Endpoint endpoint : endpoints) {
      ManagedChannel channel = channel(endpoint);
      try {
        StatusResponse status =
            MaintenanceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeoutMillis, TimeUnit.MILLISECONDS)
                .status(StatusRequest.getDefaultInstance());
        if (status.getLeader() != 0 && status.getLeader() == status.getHeader().getMemberId()) {
          return List.of(endpoint);
        }
      } catch (StatusRuntimeException e) {
        err.println("target-leader: status of " + endpoint + " failed: " + e.getStatus());
      } finally {
        channel.shutdownNow();
      }
    }
    err.println("target-leader: no endpoint reported itself leader; using all endpoints");
    return endpoints;
  }

  @Override
  public void close() {
    for (ManagedChannel channel : channels) {
      channel.shutdown();
    }
    try {
      for (ManagedChannel channel : channels) {
        if (!channel.awaitTermination(CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
          channel.shutdownNow();
        }
      }
    } catch (InterruptedException e) {
      channels.forEach(ManagedChannel::shutdownNow);
      Thread.currentThread().interrupt();
    }
  }
}
