package io.etcdj.server.transport;

import io.etcdj.server.tls.ServerTls;
import io.etcdj.server.tls.TlsNegotiator;
import com.google.common.util.concurrent.MoreExecutors;
import io.etcdj.api.internal.PeerGrpc;
import io.grpc.BindableService;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gRPC listeners on {@code --listen-peer-urls}, serving {@link Transport#service()}.
 *
 * <p>Limits: inbound messages up to {@link TransportConfig#inboundMessageBytesMax()} (64 MiB by
 * default), which bounds the largest MsgApp batch; snapshots come in chunks well below it. Peers
 * may ping every 5 s (the sender's keepalive is 10 s) without being sent away.
 *
 * <p>Threads: the message streams run on the Netty event loops (no hop to another thread: every
 * message of a put crosses this path twice, and {@link RaftHandler#process} only enqueues), while
 * snapshot calls, which write chunks to disk, run on a fixed pool of {@link
 * TransportConfig#serverThreads()} threads. gRPC runs at most one task per call at a time, so the
 * pool's queue holds at most one task per open snapshot call.
 */
public final class PeerServer implements AutoCloseable {
  /**
   * Message streams and forwarded lease renewals / time-to-live (which only take the lessor's
   * lock briefly) run where they arrive; everything else on the default executor.
   */
  private static final ServerCallExecutorSupplier STREAMS_ON_EVENT_LOOP =
      new ServerCallExecutorSupplier() {
        @Override
        public <ReqT, RespT> Executor getExecutor(ServerCall<ReqT, RespT> call, Metadata headers) {
          var method = call.getMethodDescriptor();
          return method.equals(PeerGrpc.getStreamMethod())
                  || method.equals(io.etcdj.api.internal.PeerClusterGrpc.getLeaseRenewStreamMethod())
                  || method.equals(io.etcdj.api.internal.PeerClusterGrpc.getLeaseTimeToLiveMethod())
              ? MoreExecutors.directExecutor()
              : null;
        }
      };

  private final List<Server> servers = new ArrayList<>();
  private final ExecutorService executor;

  private PeerServer(
      TransportConfig config, List<URI> listenUrls, ServerTls tls, Transport transport, BindableService[] extra) {
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            config.serverThreads(),
            r -> {
              Thread t = new Thread(r, "etcdj-peer-server-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    for (URI url : listenUrls) {
      boolean secure = "https".equals(url.getScheme());
      if (!(secure || "http".equals(url.getScheme())) || url.getHost() == null || url.getPort() < 0) {
        throw new IllegalArgumentException("listen peer URL " + url + ": want http(s)://host:port");
      }
      if (secure && tls == null) {
        throw new IllegalArgumentException(
            "cannot listen on TLS for " + url.getHost() + ":" + url.getPort() + ": KeyFile and CertFile are not presented");
      }
      InetSocketAddress address = new InetSocketAddress(url.getHost(), url.getPort());
      NettyServerBuilder b =
          (secure
                  ? NettyServerBuilder.forAddress(
                      address, new TlsNegotiator(tls, io.etcdj.server.logging.EtcdEvents::rejectedConnection).credentials())
                  : NettyServerBuilder.forAddress(address))
              .executor(executor)
              .callExecutor(STREAMS_ON_EVENT_LOOP)
              .maxInboundMessageSize(config.inboundMessageBytesMax())
              .permitKeepAliveTime(5, TimeUnit.SECONDS)
              .permitKeepAliveWithoutCalls(true)
              .addService(transport.service());
      for (BindableService s : extra) {
        b.addService(s);
      }
      servers.add(b.build());
    }
  }

  /**
   * Binds every URL (port 0 picks a free port, see {@link #addresses()}) or none, serving the
   * transport and any {@code extra} services (such as {@link PeerClusterService}).
   */
  public static PeerServer start(
      TransportConfig config, List<URI> listenUrls, Transport transport, BindableService... extra)
      throws IOException {
    return start(config, listenUrls, null, transport, extra);
  }

  /** As above; https:// listen URLs serve TLS with {@code tls} (null when none is configured). */
  public static PeerServer start(
      TransportConfig config, List<URI> listenUrls, ServerTls tls, Transport transport, BindableService... extra)
      throws IOException {
    PeerServer s = new PeerServer(config, listenUrls, tls, transport, extra);
    try {
      for (Server server : s.servers) {
        server.start();
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** The bound addresses, in the order of the listen URLs. */
  public List<InetSocketAddress> addresses() {
    List<InetSocketAddress> out = new ArrayList<>(servers.size());
    for (Server s : servers) {
      out.add((InetSocketAddress) s.getListenSockets().get(0));
    }
    return out;
  }

  /** Stops listening and cancels open calls (peers see their streams break). */
  @Override
  public void close() {
    for (Server s : servers) {
      s.shutdownNow();
    }
    for (Server s : servers) {
      try {
        s.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    executor.shutdownNow();
  }
}
