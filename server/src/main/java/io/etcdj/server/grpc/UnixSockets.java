package io.etcdj.server.grpc;

import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's {@code unix://host:port} client URLs: the listener is a unix domain socket whose file is named by the URL's
 * host, port and path ({@code unix://localhost:2379} is the file {@code localhost:2379} in the working directory), as
 * etcd's {@code embed} names it. A stale socket file is removed before listening, as etcd's unix listener does, and the
 * file is removed again on close. Linux only (Netty's epoll transport).
 *
 * <p>Threading: built and closed by {@link ClientServer} on the thread that starts and stops it.
 */
final class UnixSockets implements AutoCloseable {
  private EventLoopGroup boss;
  private EventLoopGroup workers;
  private final List<Path> files = new ArrayList<>();

  static boolean isUnix(URI url) {
    return "unix".equals(url.getScheme());
  }

  /** The socket file of a URL: its host and port, then its path, as etcd joins them. */
  static Path socketFile(URI url) {
    return Path.of(url.getHost() + ":" + url.getPort() + (url.getPath() == null ? "" : url.getPath()));
  }

  /** A server builder listening on the URL's socket file. */
  NettyServerBuilder builder(URI url, io.grpc.ServerCredentials credentials) {
    if (!Epoll.isAvailable()) {
      throw new IllegalStateException("unix socket client URLs need Linux epoll: " + Epoll.unavailabilityCause());
    }
    if (boss == null) {
      boss = new EpollEventLoopGroup(1);
      workers = new EpollEventLoopGroup(Math.max(2, Runtime.getRuntime().availableProcessors()));
    }
    Path file = socketFile(url);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove the old socket " + file, e);
    }
    files.add(file);
    return NettyServerBuilder.forAddress(new DomainSocketAddress(file.toString()), credentials)
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers);
  }

  /** After the servers on these sockets have stopped. */
  @Override
  public void close() {
    if (boss != null) {
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
    for (Path file : files) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // Best effort: the next start removes a stale socket anyway.
      }
    }
  }
}
