package io.etcdj.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * etcd's {@code GET /version}: {@code {"etcdserver":"3.4.23","etcdcluster":"3.4.0"}} as
 * application/json, the cluster version reading {@code not_decided} until it is known. Any other
 * method gets 405 with {@code Allow: GET}.
 */
public final class VersionRoute implements HttpRoute {
  public static final String PATH = "/version";

  private final String serverVersion;
  private final Supplier<String> clusterVersion;

  /** @param clusterVersion the cluster version, or null while it is not decided */
  public VersionRoute(String serverVersion, Supplier<String> clusterVersion) {
    this.serverVersion = serverVersion;
    this.clusterVersion = clusterVersion;
  }

  @Override
  public boolean serves(String path) {
    return path.equals(PATH);
  }

  @Override
  public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.method().equals(HttpMethod.GET)) {
      HttpAnswers.send(ctx, request, HttpAnswers.methodNotAllowed("GET"));
      return;
    }
    String cluster = clusterVersion.get();
    // Both values are version strings (digits and dots) or "not_decided": no JSON escaping needed.
    String body =
        "{\"etcdserver\":\""
            + serverVersion
            + "\",\"etcdcluster\":\""
            + (cluster == null ? "not_decided" : cluster)
            + "\"}";
    HttpAnswers.send(
        ctx,
        request,
        HttpAnswers.response(
            HttpResponseStatus.OK,
            HttpAnswers.APPLICATION_JSON,
            body.getBytes(StandardCharsets.UTF_8)));
  }
}
