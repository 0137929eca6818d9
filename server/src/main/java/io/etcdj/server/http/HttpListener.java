package io.etcdj.server.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An HTTP/1.x-only listener, etcd's {@code --listen-metrics-urls}: a plain Go {@code http.Serve}
 * over a mux with {@code /metrics} and {@code /health}, no gRPC and no CORS headers. One event loop
 * thread serves all its URLs (routes never block).
 */
public final class HttpListener implements AutoCloseable {
  private final EventLoopGroup group;
  private final List<Channel> channels = new ArrayList<>();

  private HttpListener(EventLoopGroup group) {
    this.group = group;
  }

  /** Binds every URL; on failure nothing stays bound and the cause names the URL. */
  public static HttpListener start(List<URI> urls, HttpRoutes routes, int requestBytesMax) {
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1,
            r -> {
              Thread t = new Thread(r, "etcdj-metrics-http");
              t.setDaemon(true);
              return t;
            },
            NioIoHandler.newFactory());
    HttpListener listener = new HttpListener(group);
    HttpPipeline pipeline = new HttpPipeline(routes, requestBytesMax, false);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    pipeline.installLast(ch.pipeline());
                  }
                });
    for (URI url : urls) {
      try {
        listener.channels.add(
            bootstrap.bind(new InetSocketAddress(url.getHost(), url.getPort())).sync().channel());
      } catch (Exception e) {
        listener.close();
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("cannot listen on " + url + ": " + e.getMessage(), e);
      }
    }
    return listener;
  }

  /** The bound addresses, in the order of the URLs (port 0 resolved). */
  public List<InetSocketAddress> addresses() {
    List<InetSocketAddress> out = new ArrayList<>();
    for (Channel c : channels) {
      out.add((InetSocketAddress) c.localAddress());
    }
    return out;
  }

  @Override
  public void close() {
    for (Channel c : channels) {
      c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }
}
