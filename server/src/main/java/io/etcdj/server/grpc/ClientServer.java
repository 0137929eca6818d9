package io.etcdj.server.grpc;

import io.etcdj.server.EtcdServer;
import io.etcdj.server.config.GrpcSettings;
import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.server.http.ClientPortNegotiator;
import io.etcdj.server.http.HealthRoute;
import io.etcdj.server.http.HttpListener;
import io.etcdj.server.http.HttpPipeline;
import io.etcdj.server.gateway.GatewayRoute;
import io.etcdj.server.http.HttpRoutes;
import io.etcdj.server.http.MetricsRoute;
import io.etcdj.server.http.VersionRoute;
import io.etcdj.server.metrics.Metrics;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.BindableService;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The listeners on {@code --listen-client-urls}, serving gRPC (KV, Watch, Maintenance, Cluster,
 * Lock and Election) and, on the same port as etcd's cmux does, HTTP/1.x ({@link #httpRoutes}):
 * a {@link io.etcdj.server.http.ProtocolSniffer} tells them apart by the first bytes. gRPC has
 * etcd's message limits: receive up to max-request-bytes + 512 KiB, send
 * without limit. Every call first passes the {@link MemberGuard} (learner and "require leader"
 * checks), as every call to etcd passes its server-wide interceptors.
 *
 * <p>Lock and Election are etcd's client-side recipes run in the server: like etcd, which serves
 * them over an embedded client of its own services (v3client), they reach the same KV and Watch
 * service instances through an in-process channel.
 *
 * <p>Handlers run directly on the Netty event loops (no thread hop: measured +13% puts/s and a
 * lower p50 at one client than with a handler pool), which is safe because they never block:
 * they check, propose (a non-blocking enqueue) or read one key. Reads that may touch many keys,
 * and the Maintenance hashes, are handed to a small read pool, so a large range
 * cannot stall the other connections of its event loop.
 */
public final class ClientServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClientServer.class);

  /** Reads waiting for a read thread; beyond this the read fails with "too many requests". */
  static final int READ_QUEUE_MAX = 10_000;

  private final List<Server> servers = new ArrayList<>();
  private final List<URI> listenUrls;
  private final UnixSockets unixSockets = new UnixSockets();
  /** The HTTP/1.x paths served beside gRPC on every client listener. */
  private final HttpRoutes httpRoutes = new HttpRoutes();
  private final List<ClientPortNegotiator> negotiators = new ArrayList<>();
  /** Each listening address, with whether it serves TLS, cleartext or both. */
  private final List<ClientAddress> addresses;
  /** /metrics and /health alone, for --listen-metrics-urls. */
  private final HttpRoutes metricsRoutes = new HttpRoutes();
  private final List<URI> metricsUrls;
  private final int httpRequestBytesMax;
  private HttpListener metricsListener;
  /**
   * Runs /metrics scrapes off the event loops: one thread, and a queue of a few scrapes (Prometheus
   * scrapes every few seconds; more waiting means something is stuck, and they get 503).
   */
  private final ThreadPoolExecutor scraper;

  static final int SCRAPES_QUEUED_MAX = 4;
  private final ExecutorService executor;
  /**
   * Drains watch streams opened off an event loop (a fallback: streams normally drain on their
   * own Netty event loop). Its queue holds at most one task per open watch stream (a session
   * schedules itself once until it has drained), so it is bounded by the number of streams.
   */
  private final ExecutorService watchSender;
  private final MemberGuard guard;
  /** Looks at the leader every election timeout for {@link MemberGuard#checkLeader}. */
  private final ScheduledExecutorService leaderMonitor;
  private final long electionTimeoutMs;
  /**
   * The member's own KV, Watch and Lease services, reached in-process by the Lock and Election
   * services (etcd's v3client). Not behind the {@link MemberGuard}: etcd's v3client calls its
   * services directly, past the interceptors, while Lock and Election themselves are guarded.
   */
  private final Server v3clientServer;

  private final ManagedChannel v3clientChannel;
  /**
   * Runs the recipes' callbacks (the answers the in-process channel delivers), so that they never
   * run on the apply thread that answered a write.
   */
  private final ExecutorService v3clientExecutor;

  /**
   * Every client service, behind the same {@link MemberGuard} as the client port, for the JSON
   * gateway: etcd's gateway dials its own gRPC listener, so its calls pass the same interceptors.
   * Handlers run on the calling (HTTP event loop) thread, as on the gRPC listener.
   */
  private final Server gatewayServer;

  private final ManagedChannel gatewayChannel;

  /** Threads of {@link #v3clientExecutor}: the callbacks only build and send requests. */
  static final int V3CLIENT_THREADS = 2;

  public ClientServer(EtcdServer etcd) {
    this.listenUrls = etcd.config().listenClientUrls();
    this.guard =
        new MemberGuard(
            new MemberGuard.MemberState() {
              @Override
              public long leaderId() {
                return etcd.leaderId();
              }

              @Override
              public boolean isLearner() {
                return etcd.isLearner();
              }
            });
    this.electionTimeoutMs = etcd.config().electionTimeoutMs();
    this.leaderMonitor =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "etcdj-leader-monitor");
              t.setDaemon(true);
              return t;
            });
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    AtomicInteger n = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(READ_QUEUE_MAX),
            r -> {
              Thread t = new Thread(r, "etcdj-read-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    AtomicInteger w = new AtomicInteger();
    this.watchSender =
        Executors.newFixedThreadPool(
            threads,
            r -> {
              Thread t = new Thread(r, "etcdj-watch-send-" + w.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    // The services etcd's v3client calls. Each instance is served both on the client port and on
    // the in-process server the Lock and Election services use.
    List<BindableService> backing = new ArrayList<>();
    backing.add(new KvService(etcd, executor));
    backing.add(new WatchService(etcd, watchSender));
    backing.add(new LeaseService(etcd));
    AtomicInteger c = new AtomicInteger();
    this.v3clientExecutor =
        Executors.newFixedThreadPool(
            V3CLIENT_THREADS,
            r -> {
              Thread t = new Thread(r, "etcdj-v3client-" + c.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    String inProcessName = InProcessServerBuilder.generateName();
    InProcessServerBuilder inProcess = InProcessServerBuilder.forName(inProcessName).directExecutor();
    for (BindableService service : backing) {
      inProcess.addService(service);
    }
    this.v3clientServer = inProcess.build();
    this.v3clientChannel =
        InProcessChannelBuilder.forName(inProcessName).executor(v3clientExecutor).build();
    LockService lock = new LockService(v3clientChannel);
    ElectionService election = new ElectionService(v3clientChannel);
    MaintenanceService maintenance = new MaintenanceService(etcd, executor);
    ClusterService cluster = new ClusterService(etcd);
    String gatewayName = InProcessServerBuilder.generateName();
    // Interceptors as on the client port (guard first, then metrics): etcd's gateway calls pass
    // its gRPC server and are counted in its grpc_server_* metrics.
    InProcessServerBuilder gateway =
        InProcessServerBuilder.forName(gatewayName)
            .directExecutor()
            .intercept(etcd.metrics().grpc().interceptor())
            .intercept(guard);
    for (BindableService service : backing) {
      gateway.addService(service);
    }
    this.gatewayServer =
        gateway
            .addService(maintenance)
            .addService(cluster)
            .addService(lock)
            .addService(election)
            .build();
    // Each gateway call names its HTTP connection's event loop as its executor.
    this.gatewayChannel = InProcessChannelBuilder.forName(gatewayName).directExecutor().build();
    Metrics metrics = etcd.metrics();
    this.scraper =
        new ThreadPoolExecutor(
            1,
            1,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(SCRAPES_QUEUED_MAX),
            r -> {
              Thread t = new Thread(r, "etcdj-metrics-scrape");
              t.setDaemon(true);
              return t;
            });
    HealthRoute health =
        new HealthRoute(
            new HealthRoute.Member() {
              @Override
              public List<AlarmMember> alarms() {
                return etcd.alarms().active();
              }

              @Override
              public long leaderId() {
                return etcd.leaderId();
              }

              @Override
              public CompletableFuture<Void> linearizableRead(long timeoutNanos) {
                return etcd.linearizableRead(timeoutNanos);
              }
            },
            new HealthRoute.Outcomes() {
              @Override
              public void healthy() {
                metrics.healthSuccess.inc();
              }

              @Override
              public void unhealthy() {
                metrics.healthFailures.inc();
              }
            });
    MetricsRoute metricsRoute = new MetricsRoute(metrics, scraper);
    httpRoutes
        .add(new VersionRoute(EtcdServer.VERSION, () -> EtcdServer.CLUSTER_VERSION))
        .add(health)
        .add(metricsRoute)
        .add(new GatewayRoute(gatewayChannel, etcd.config().grpcMaxInboundMessageBytes()));
    metricsRoutes.add(metricsRoute).add(health);
    this.metricsUrls = etcd.config().listenMetricsUrls();
    this.httpRequestBytesMax = httpRequestBytesMax(etcd.config());
    HttpPipeline httpPipeline = new HttpPipeline(httpRoutes, httpRequestBytesMax, true);
    this.addresses = ClientAddress.group(etcd.config().listenClientUrls());
    io.etcdj.server.tls.ServerTls tls = clientTls(etcd.config(), addresses);
    // etcd registers grpc.health.v1.Health with "" SERVING and never changes it (3.4).
    HealthStatusManager grpcHealth = new HealthStatusManager();
    List<BindableService> served = new ArrayList<>(backing);
    served.addAll(List.of(maintenance, cluster, lock, election, grpcHealth.getHealthService()));
    // As etcd, whose go-grpc-prometheus Register runs before Lock and Election are added.
    for (BindableService service : served) {
      if (service != lock && service != election) {
        metrics.grpc().preRegister(service.bindService());
      }
    }
    GrpcSettings grpcSettings = etcd.config().grpc();
    for (ClientAddress address : addresses) {
      URI url = address.url();
      ClientPortNegotiator negotiator =
          new ClientPortNegotiator(
              httpPipeline,
              address.secure() ? tls : null,
              address.cleartext(),
              io.etcdj.server.logging.EtcdEvents::rejectedConnection);
      negotiators.add(negotiator);
      NettyServerBuilder builder =
          (UnixSockets.isUnix(url)
                  ? unixSockets.builder(url, negotiator.credentials())
                  : NettyServerBuilder.forAddress(
                      new InetSocketAddress(url.getHost(), url.getPort()), negotiator.credentials()))
              // HTTP/1.x connections never finish gRPC's handshake: the protocol sniffer bounds
              // the silent ones instead, and HTTP keep-alive and streams may outlive any timeout.
              .handshakeTimeout(Long.MAX_VALUE, TimeUnit.MILLISECONDS)
              .directExecutor()
              .maxInboundMessageSize(etcd.config().grpcMaxInboundMessageBytes())
              .permitKeepAliveTime(grpcSettings.keepaliveMinTimeNanos(), TimeUnit.NANOSECONDS)
              .permitKeepAliveWithoutCalls(true)
              .maxConcurrentCallsPerConnection(grpcSettings.maxConcurrentCallsPerConnection())
              // The last interceptor added runs first: the guard, then the metrics, so that a call
              // the guard refuses is not counted (etcd's go-grpc-prometheus interceptor comes
              // after its own checks too).
              .intercept(metrics.grpc().interceptor())
              .intercept(guard);
      if (grpcSettings.serverPings()) {
        builder
            .keepAliveTime(grpcSettings.keepaliveIntervalNanos(), TimeUnit.NANOSECONDS)
            .keepAliveTimeout(grpcSettings.keepaliveTimeoutNanos(), TimeUnit.NANOSECONDS);
      }
      // Requests are decoded by etcdj, so that bytes which are no request get etcd's answer, and
      // a method nobody serves grpc-go's.
      java.util.Set<String> servedNames = new java.util.HashSet<>();
      int depthMax = io.etcdj.server.apply.RequestChecks.messageDepthMax(etcd.config().maxTxnOps());
      for (BindableService service : served) {
        io.grpc.ServerServiceDefinition definition = service.bindService();
        servedNames.add(definition.getServiceDescriptor().getName());
        builder.addService(RequestDecoding.decoded(definition, depthMax));
      }
      builder.fallbackHandlerRegistry(RequestDecoding.unknownMethods(servedNames));
      servers.add(builder.build());
    }
  }

  /**
   * The client side's TLS, read as etcd reads it: only when some client URL is https:// (the
   * files are then read and checked, and a problem stops the start with Go's text); etcd's
   * start-up line and its warnings for http:// URLs when TLS flags are set.
   */
  private static io.etcdj.server.tls.ServerTls clientTls(
      io.etcdj.server.config.ServerConfig config, List<ClientAddress> addresses) {
    io.etcdj.server.tls.TlsInfo info;
    try {
      info = config.clientTls().withSelfCert(config.dataDir().resolve("fixtures").resolve("client"), config.listenClientUrls());
    } catch (java.io.IOException | java.security.GeneralSecurityException e) {
      throw new io.etcdj.server.StartupException("could not get certs (" + e.getMessage() + ")");
    }
    if (!info.empty()) {
      io.etcdj.server.logging.EtcdEvents.startingWithClientTls(info.toString(), info.cipherSuites());
    }
    for (URI u : config.listenClientUrls()) {
      if (!u.getScheme().equals("https")) {
        io.etcdj.server.logging.EtcdEvents.clientUrlIgnoresTls(u.toString(), !info.empty(), info.clientCertAuth());
      }
    }
    if (addresses.stream().noneMatch(ClientAddress::secure)) {
      return null;
    }
    try {
      return io.etcdj.server.tls.ServerTls.of(info);
    } catch (io.etcdj.pki.GoTlsException e) {
      throw new io.etcdj.server.StartupException(e.getMessage());
    }
  }

  /**
   * The bound on an HTTP request body. etcd reads gateway bodies without a bound and lets its gRPC
   * server refuse the message ("request is too large" over max-request-bytes, "received message
   * larger than max" over the gRPC limit); a JSON body carries bytes as base64 (4/3 of their size)
   * plus names and quotes, so twice the gRPC limit lets every message etcd would judge reach the
   * same judgement here, while memory stays bounded.
   */
  static int httpRequestBytesMax(io.etcdj.server.config.ServerConfig config) {
    return (int) Math.min(Integer.MAX_VALUE - 8, 2L * config.grpcMaxInboundMessageBytes());
  }

  /**
   * The HTTP/1.x routes of the client port ({@code /version}, {@code /health}, {@code /metrics},
   * the JSON gateway): parts that serve HTTP add theirs here, before or after {@link #start}.
   */
  public HttpRoutes httpRoutes() {
    return httpRoutes;
  }

  public void start() {
    leaderMonitor.scheduleWithFixedDelay(
        () -> {
          try {
            guard.checkLeader();
          } catch (RuntimeException e) {
            // A throwing task is never run again by the executor: log and keep checking.
            LOG.warn("leader check failed: {}", e.toString());
          }
        },
        electionTimeoutMs,
        electionTimeoutMs,
        TimeUnit.MILLISECONDS);
    try {
      v3clientServer.start();
      gatewayServer.start();
    } catch (IOException e) {
      close();
      throw new UncheckedIOException("cannot start the in-process server: " + e.getMessage(), e);
    }
    for (Server s : servers) {
      try {
        s.start();
      } catch (IOException e) {
        close();
        throw new UncheckedIOException("cannot listen: " + e.getMessage(), e);
      }
    }
    for (ClientAddress a : addresses) {
      if (a.secure()) {
        io.etcdj.server.logging.EtcdEvents.servingClientsSecurely(a.address());
      }
      if (a.cleartext()) {
        io.etcdj.server.logging.EtcdEvents.servingClientsInsecurely(a.address());
      }
    }
    if (!metricsUrls.isEmpty()) {
      try {
        metricsListener = HttpListener.start(metricsUrls, metricsRoutes, httpRequestBytesMax);
      } catch (RuntimeException e) {
        close();
        throw e;
      }
      LOG.info("listening for metrics on {}", metricsUrls);
    }
  }

  @Override
  public void close() {
    leaderMonitor.shutdownNow();
    if (metricsListener != null) {
      metricsListener.close();
    }
    scraper.shutdownNow();
    for (Server s : servers) {
      s.shutdown();
    }
    for (Server s : servers) {
      try {
        if (!s.awaitTermination(2, TimeUnit.SECONDS)) {
          s.shutdownNow();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        s.shutdownNow();
      }
    }
    unixSockets.close();
    // After the client port: the calls it still served may need the in-process services to clean up.
    gatewayChannel.shutdownNow();
    gatewayServer.shutdownNow();
    v3clientChannel.shutdown();
    v3clientServer.shutdown();
    try {
      if (!v3clientChannel.awaitTermination(2, TimeUnit.SECONDS)) {
        v3clientChannel.shutdownNow();
      }
      if (!v3clientServer.awaitTermination(2, TimeUnit.SECONDS)) {
        v3clientServer.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      v3clientChannel.shutdownNow();
      v3clientServer.shutdownNow();
    }
    negotiators.forEach(ClientPortNegotiator::close);
    v3clientExecutor.shutdownNow();
    executor.shutdownNow();
    watchSender.shutdownNow();
  }
}
