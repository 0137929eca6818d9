package io.etcdj.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;

/**
 * The handlers that serve HTTP/1.x on a connection, as etcd's Go {@code http.Server} does: the
 * codec, keep-alive, a whole-request aggregator bounded by etcd's {@code --max-request-bytes}, the
 * headers Go adds ({@link GoHeaders}) and the {@link HttpDispatcher} over the listener's routes.
 */
public final class HttpPipeline implements ProtocolSniffer.Installer {
  /** Go's default limit on the request line and headers is 1 MiB; Netty's defaults are lower. */
  static final int REQUEST_LINE_BYTES_MAX = 64 * 1024;

  static final int HEADER_BYTES_MAX = 1024 * 1024;

  private final HttpRoutes routes;
  private final int requestBytesMax;
  private final boolean cors;

  /**
   * @param requestBytesMax the largest request body accepted (a bigger one gets 413)
   * @param cors whether answers carry etcd's CORS headers (the client port, not the metrics one)
   */
  public HttpPipeline(HttpRoutes routes, int requestBytesMax, boolean cors) {
    if (requestBytesMax <= 0) {
      throw new IllegalArgumentException("requestBytesMax must be positive: " + requestBytesMax);
    }
    this.routes = routes;
    this.requestBytesMax = requestBytesMax;
    this.cors = cors;
  }

  /** Installs the HTTP handlers after {@code ctx} (the protocol sniffer). */
  @Override
  public void install(ChannelHandlerContext ctx) {
    ChannelPipeline p = ctx.pipeline();
    String after = ctx.name();
    // addAfter in reverse order keeps them in pipeline order right after the sniffer.
    p.addAfter(after, "http-dispatch", new HttpDispatcher(routes, cors));
    p.addAfter(after, "http-aggregate", new HttpObjectAggregator(requestBytesMax));
    p.addAfter(after, "http-keepalive", new HttpServerKeepAliveHandler());
    p.addAfter(after, "http-go-headers", new GoHeaders(cors));
    p.addAfter(after, "http-codec", codec());
  }

  /** Installs the HTTP handlers at the end of a pipeline of a listener that speaks only HTTP. */
  public void installLast(ChannelPipeline p) {
    p.addLast("http-codec", codec());
    p.addLast("http-go-headers", new GoHeaders(cors));
    p.addLast("http-keepalive", new HttpServerKeepAliveHandler());
    p.addLast("http-aggregate", new HttpObjectAggregator(requestBytesMax));
    p.addLast("http-dispatch", new HttpDispatcher(routes, cors));
  }

  private static HttpServerCodec codec() {
    return new HttpServerCodec(REQUEST_LINE_BYTES_MAX, HEADER_BYTES_MAX, 8192);
  }
}
