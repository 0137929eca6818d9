package io.etcdj.server;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.LoggerFactory;

/**
 * Initializes the libraries a member needs on the other core(s) while the main thread sets up
 * logging, opens the store and replays the WAL. A JVM pays for each library once, at first use:
 * lmdbjava's jnr-ffi generates its native stubs (0.3-0.5 s on this project's 2-core machine),
 * Netty loads its epoll library and sizes its buffer pools, protobuf builds the descriptors of
 * every generated file, and gRPC's client and server code runs for the first time (see {@link
 * #grpcRoundTrip}). Done one after the other on the main thread, that was over half a second of
 * every restart (issue 18: a restarted member must serve within ~1.5 s). The JVM metrics' JMX is
 * not needed to serve at all: {@link io.etcdj.server.metrics.Metrics} starts it after.
 *
 * <p>Nothing here has an effect a server start would not have: each step only initializes what
 * the server initializes anyway (the one gRPC call goes to a server in this JVM, on loopback).
 * The two warm-up threads touch disjoint libraries (lmdbjava and jnr-ffi; protobuf, Netty and
 * gRPC). To rule out class-initialization deadlocks with the main thread, the main thread never
 * initializes a library the warm-up may be in: it calls {@link #awaitStorage} before it opens LMDB
 * and {@link #awaitAll} before it creates any Netty or gRPC object. Protobuf descriptors are the
 * only thing both may initialize at once, and they have no initialization cycles (proto files
 * cannot import each other in a cycle). A step that fails is skipped: the main thread then pays
 * for it and reports any real problem itself.
 *
 * <p>Not started by in-process servers (tests): the awaits then return at once.
 */
final class StartupWarmup {
  /** Long enough for a slow machine, short enough that a stuck step cannot stall a start. */
  private static final long AWAIT_MAX_SECONDS = 30;

  private static final CountDownLatch STORAGE = new CountDownLatch(1);
  private static final CountDownLatch ALL = new CountDownLatch(2); // both threads
  /**
   * Opened by the main thread once logging is set up. Netty logs (at debug) as its classes
   * initialize, through SLF4J: before logging is configured, that call would race the main
   * thread's SLF4J initialization, and SLF4J prints a "logging calls during the initialization
   * phase have been intercepted" warning to stderr.
   */
  private static final CountDownLatch LOGGING = new CountDownLatch(1);
  private static volatile boolean begun;

  private StartupWarmup() {}

  /** Starts the warm-up threads (once; from {@link EtcdMain} once the flags are parsed). */
  static synchronized void begin() {
    if (begun) {
      return;
    }
    begun = true;
    // Two threads: LMDB's stubs are the longest step and are needed first (the store opens before
    // the WAL is replayed), so they do not queue behind the network libraries.
    start("etcdj-warmup-storage", StartupWarmup::storage);
    start("etcdj-warmup-net", StartupWarmup::network);
  }

  private static void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  private static void storage() {
    try {
      step("lmdb", () -> Class.forName("org.lmdbjava.Library", true, loader()));
    } finally {
      STORAGE.countDown();
      ALL.countDown();
    }
  }

  private static void network() {
    try {
      step("protobuf", StartupWarmup::descriptors);
      await(LOGGING);
      step("netty", StartupWarmup::netty);
      step("grpc", StartupWarmup::grpcRoundTrip);
    } finally {
      ALL.countDown();
    }
  }

  private static void descriptors() {
    io.etcdj.api.internal.EtcdjInternal.getDescriptor();
    io.etcdj.api.internal.EtcdjPeerProto.getDescriptor();
    io.etcdj.api.etcdserverpb.Rpc.getDescriptor();
  }

  private static void netty() throws ClassNotFoundException {
    io.netty.channel.epoll.Epoll.isAvailable();
    io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(1).release();
    Class.forName("io.grpc.netty.NettyServerBuilder", true, loader());
    Class.forName("io.grpc.netty.NettyChannelBuilder", true, loader());
  }

  /**
   * One gRPC call from a Netty channel to a Netty server in this JVM, on an ephemeral loopback port
   * it closes right after: it runs once the code every peer stream, the peer listener and the client
   * port run at their first use (epoll sockets, the channel and its name resolution and load
   * balancing, HTTP/2 on both sides, a server call, protobuf marshalling). Done on the restart's
   * critical path instead, that was most of the ~0.25 s from dialling the peers to their streams
   * being up, and part of a client's first call. (Netty's in-memory transport would need no port,
   * but gRPC sets socket options on it, and Netty logs a warning for each.)
   */
  static void grpcRoundTrip() throws Exception {
    java.net.InetAddress loopback = java.net.InetAddress.getLoopbackAddress();
    io.grpc.Server server = null;
    io.grpc.ManagedChannel channel = null;
    try {
      server =
          io.grpc.netty.NettyServerBuilder.forAddress(new java.net.InetSocketAddress(loopback, 0))
              .directExecutor()
              .addService(new io.grpc.protobuf.services.HealthStatusManager().getHealthService())
              .build()
              .start();
      channel =
          io.grpc.netty.NettyChannelBuilder.forAddress(
                  new java.net.InetSocketAddress(loopback, server.getPort()))
              .usePlaintext()
              .directExecutor()
              .build();
      io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
          .withDeadlineAfter(AWAIT_MAX_SECONDS, TimeUnit.SECONDS)
          .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance());
    } finally {
      if (channel != null) {
        channel.shutdownNow();
      }
      if (server != null) {
        server.shutdownNow();
      }
    }
  }

  private static ClassLoader loader() {
    return StartupWarmup.class.getClassLoader();
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Logs through a logger made on failure only: the warm-up must not be what sets up logging. */
  private static void step(String name, Step s) {
    try {
      s.run();
    } catch (Exception | LinkageError e) {
      LoggerFactory.getLogger(StartupWarmup.class)
          .debug("start-up warm-up step {} failed; the server initializes it itself", name, e);
    }
  }

  /** The main thread has configured logging: the network libraries may now log. */
  static void loggingReady() {
    LOGGING.countDown();
  }

  /** Returns once LMDB's native binding is initialized (or the warm-up was never started). */
  static void awaitStorage() {
    await(STORAGE);
  }

  /** Returns once every step is done (or the warm-up was never started). */
  static void awaitAll() {
    await(ALL);
  }

  private static void await(CountDownLatch latch) {
    if (!begun) {
      return;
    }
    try {
      if (!latch.await(AWAIT_MAX_SECONDS, TimeUnit.SECONDS)) {
        LoggerFactory.getLogger(StartupWarmup.class)
            .warn("start-up warm-up still running after {} s; going on", AWAIT_MAX_SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
