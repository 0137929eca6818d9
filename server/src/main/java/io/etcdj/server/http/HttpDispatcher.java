package io.etcdj.server.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Hands each aggregated HTTP/1.x request to the {@link HttpRoutes} route serving its path, as
 * etcd's {@code http.ServeMux} does; a path no route serves gets Go's {@code 404 page not found}.
 * On the client port it also plays etcd's access controller: {@code OPTIONS} is answered with an
 * empty 200 before any route sees it (the CORS headers themselves are added by {@link
 * GoHeaders}).
 *
 * <p>Runs on the connection's event loop and never blocks: routes answer asynchronously.
 */
final class HttpDispatcher extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HttpDispatcher.class);

  private final HttpRoutes routes;
  private final boolean cors;

  HttpDispatcher(HttpRoutes routes, boolean cors) {
    super(true); // the request is released after channelRead0, as HttpRoute#handle documents
    this.routes = routes;
    this.cors = cors;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (request.decoderResult().isFailure()) {
      // Go's net/http answers a request it cannot parse with 400 and closes the connection.
      FullHttpResponse bad = HttpAnswers.error(HttpResponseStatus.BAD_REQUEST, "400 Bad Request");
      bad.headers().set("Connection", "close");
      ctx.writeAndFlush(bad).addListener(ChannelFutureListener.CLOSE);
      return;
    }
    if (cors && request.method().equals(HttpMethod.OPTIONS)) {
      HttpAnswers.send(ctx, request, HttpAnswers.response(HttpResponseStatus.OK, null, new byte[0]));
      return;
    }
    String path = path(request.uri());
    HttpRoute route = routes.find(path);
    if (route == null) {
      HttpAnswers.send(ctx, request, HttpAnswers.notFound());
      return;
    }
    try {
      route.handle(ctx, request);
    } catch (RuntimeException e) {
      // A broken route must not take the listener down: answer as Go's server does for a panic
      // in a handler (it drops the connection) and log it.
      LOG.warn("HTTP route for {} failed: {}", path, e.toString(), e);
      ctx.close();
    }
  }

  /** The path of a request target, without query or fragment; "/" for an empty one. */
  static String path(String uri) {
    int end = uri.length();
    int q = uri.indexOf('?');
    if (q >= 0) {
      end = q;
    }
    int h = uri.indexOf('#');
    if (h >= 0 && h < end) {
      end = h;
    }
    String path = uri.substring(0, end);
    if (path.startsWith("http://") || path.startsWith("https://")) {
      // An absolute-form target (a proxy's request): keep only its path.
      int slash = path.indexOf('/', path.indexOf("//") + 2);
      path = slash < 0 ? "/" : path.substring(slash);
    }
    return path.isEmpty() ? "/" : path;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("HTTP connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
