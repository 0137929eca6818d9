package io.etcdj.server.process;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.v3electionpb.ElectionGrpc;
import io.etcdj.api.v3lockpb.LockGrpc;
import io.etcdj.server.grpc.ElectionService;
import io.etcdj.server.grpc.LockService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * Where a lock and election test talks: the {@code v3lockpb.Lock} and {@code
 * v3electionpb.Election} services, and the KV and Lease of the store they work on. Either a
 * server's own services ({@link #server}: real etcd, or an etcdj server), or etcdj's {@link LockService} and {@link ElectionService}
 * on a loopback gRPC server of the test, built over a channel to a real etcd as the store ({@link
 * #etcdjOver}): the recipes only need a member's KV, Watch and Lease services.
 *
 * <p>Owns its channels and server and closes them; the etcd processes belong to the test.
 * Confined to the test thread except for the stubs, which are thread-safe.
 */
final class RecipeSide implements AutoCloseable {
  static final long CALL_TIMEOUT_SECONDS = 10;

  final String name;
  private final ManagedChannel services;
  private final ManagedChannel store;
  /** The loopback server hosting etcdj's services, or null for real etcd. */
  private final Server server;
  /** The channel etcdj's services use to reach the store, or null. */
  private final ManagedChannel backend;
  private final int servicesPort;

  private RecipeSide(
      String name, ManagedChannel services, int servicesPort, ManagedChannel store, Server server, ManagedChannel backend) {
    this.name = name;
    this.services = services;
    this.servicesPort = servicesPort;
    this.store = store;
    this.server = server;
    this.backend = backend;
  }

  /** A server's own Lock and Election services (real etcd's, or an etcdj server's). */
  static RecipeSide server(String name, EtcdProcess server) {
    return new RecipeSide(name, channel(server.clientPort()), server.clientPort(), channel(server.clientPort()), null, null);
  }

  static RecipeSide etcdjOver(EtcdProcess store) {
    ManagedChannel backend = channel(store.clientPort());
    Server server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .directExecutor()
            .addService(new LockService(backend))
            .addService(new ElectionService(backend))
            .build();
    try {
      server.start();
    } catch (IOException e) {
      backend.shutdownNow();
      throw new UncheckedIOException(e);
    }
    return new RecipeSide(
        "etcdj", channel(server.getPort()), server.getPort(), channel(store.clientPort()), server, backend);
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** The URL jetcd dials to reach the Lock and Election services. */
  String servicesUrl() {
    return "http://127.0.0.1:" + servicesPort;
  }

  LockGrpc.LockBlockingStub lock() {
    return LockGrpc.newBlockingStub(services).withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  /** No deadline: the caller bounds its wait on the future (and may cancel it). */
  LockGrpc.LockFutureStub lockAsync() {
    return LockGrpc.newFutureStub(services);
  }

  ElectionGrpc.ElectionBlockingStub election() {
    return ElectionGrpc.newBlockingStub(services).withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  ElectionGrpc.ElectionFutureStub electionAsync() {
    return ElectionGrpc.newFutureStub(services);
  }

  /** For Observe, whose stream outlives any fixed deadline. */
  ElectionGrpc.ElectionStub electionStream() {
    return ElectionGrpc.newStub(services);
  }

  KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(store).withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  LeaseGrpc.LeaseBlockingStub lease() {
    return LeaseGrpc.newBlockingStub(store).withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  long grant(long ttlSeconds) {
    return lease().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build()).getID();
  }

  /** The store's current revision. */
  long revision() {
    return kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("\0")).build()).getHeader().getRevision();
  }

  /** The number of keys under {@code prefix}. */
  long count(String prefix) {
    ByteString p = ByteString.copyFromUtf8(prefix);
    byte[] end = p.toByteArray();
    end[end.length - 1]++;
    return kv().range(
            RangeRequest.newBuilder().setKey(p).setRangeEnd(ByteString.copyFrom(end)).setCountOnly(true).build())
        .getCount();
  }

  /** Polls until {@code prefix} holds {@code n} keys; fails after a few seconds. */
  void awaitCount(String prefix, long n) {
    long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    long last = -1;
    while (System.nanoTime() < deadlineNs) {
      last = count(prefix);
      if (last == n) {
        return;
      }
      EtcdProcess.sleepMs(20);
    }
    throw new AssertionError(name + ": " + prefix + " holds " + last + " keys, expected " + n);
  }

  @Override
  public void close() {
    services.shutdownNow();
    store.shutdownNow();
    if (server != null) {
      server.shutdownNow();
    }
    if (backend != null) {
      backend.shutdownNow();
    }
    try {
      services.awaitTermination(5, TimeUnit.SECONDS);
      store.awaitTermination(5, TimeUnit.SECONDS);
      if (server != null) {
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
      if (backend != null) {
        backend.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
