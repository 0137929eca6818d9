package io.etcdj.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;

/**
 * One group of HTTP paths served on the client port beside gRPC, as etcd serves {@code /health},
 * {@code /version}, {@code /metrics} and the grpc-gateway JSON API ({@code /v3/...}) on the same
 * listener. The client port's protocol detection hands every HTTP/1.x request to the first route
 * whose {@link #serves} accepts its path; a path no route serves gets etcd's 404.
 *
 * <p>Runs on a Netty event loop: it must not block. A route that needs the store or Raft starts
 * the work asynchronously and writes the response when it completes; a streaming route (such as
 * {@code /v3/watch}) keeps writing chunks until the client goes away.
 */
public interface HttpRoute {
  /** Whether this route answers the path (without its query string), e.g. {@code /v3/kv/put}. */
  boolean serves(String path);

  /**
   * Answers the request by writing a response on {@code ctx}. The caller releases {@code request}
   * after this returns: a route that answers later must copy what it needs (the body) first.
   */
  void handle(ChannelHandlerContext ctx, FullHttpRequest request);
}
