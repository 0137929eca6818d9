package io.etcdj.server.gateway;

import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * The HTTP answers of etcd 3.4's gateway, headers included, since curl users see them: JSON as
 * {@code application/json}; {@code Grpc-Metadata-Content-Type: application/grpc} when the service
 * sent gRPC headers (grpc-gateway forwards them); and on a failed call, the trailer {@code
 * Grpc-Trailer-Content-Type} in a chunked body (a gRPC error arrives as trailers only, which
 * grpc-gateway forwards as HTTP trailers). The listener adds {@code Date} and the CORS headers.
 *
 * <p>Header names are written in Go's canonical case ({@code Content-Type}), as curl -i shows them.
 *
 * <p>Called on the connection's event loop only.
 */
final class GatewayHttp {
  static final String JSON = "application/json";
  static final String GRPC = "application/grpc";
  static final String HEADER_METADATA_CONTENT_TYPE = "Grpc-Metadata-Content-Type";
  static final String TRAILER_CONTENT_TYPE = "Grpc-Trailer-Content-Type";

  private GatewayHttp() {}

  /** The path of a request target, without its query. */
  static String path(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : uri.substring(0, q);
  }

  /**
   * Go's {@code http.Error}: text, a newline, text/plain and nosniff. The answer to a HEAD request
   * keeps its Content-Length but has no body, as Go's server sends it.
   */
  static void sendText(
      ChannelHandlerContext ctx, HttpRequest request, HttpResponseStatus status, String text) {
    FullHttpResponse response = full(status, "text/plain; charset=utf-8", text + "\n");
    response.headers().set("X-Content-Type-Options", "nosniff");
    if (request.method().equals(HttpMethod.HEAD)) {
      response.content().clear();
    }
    ctx.writeAndFlush(response);
  }

  /** A successful unary answer. */
  static void sendJson(ChannelHandlerContext ctx, String json, boolean grpcHeaders) {
    FullHttpResponse response = full(HttpResponseStatus.OK, JSON, json);
    if (grpcHeaders) {
      response.headers().set(HEADER_METADATA_CONTENT_TYPE, GRPC);
    }
    ctx.writeAndFlush(response);
  }

  /**
   * A failed call's answer, {@code {"error":..,"message":..,"code":..}}. {@code fromService} says
   * the service closed the call (with trailers), as opposed to the gateway refusing the request.
   */
  static void sendError(ChannelHandlerContext ctx, Status status, boolean fromService) {
    String body = GatewayJson.error(status);
    HttpResponseStatus http = GatewayStatus.of(status.getCode());
    if (!fromService) {
      ctx.writeAndFlush(full(http, JSON, body));
      return;
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, http);
    head.headers().set("Content-Type", JSON);
    head.headers().set("Trailer", TRAILER_CONTENT_TYPE);
    head.headers().set("Transfer-Encoding", HttpHeaderValues.CHUNKED);
    ctx.write(head);
    ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(body, StandardCharsets.UTF_8)));
    LastHttpContent last = new DefaultLastHttpContent();
    last.trailingHeaders().set(TRAILER_CONTENT_TYPE, GRPC);
    ctx.writeAndFlush(last);
  }

  /** The head of a streamed answer. */
  static HttpResponse streamHead(HttpResponseStatus status, boolean grpcHeaders) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    head.headers().set("Content-Type", JSON);
    if (grpcHeaders) {
      head.headers().set(HEADER_METADATA_CONTENT_TYPE, GRPC);
    }
    head.headers().set("Transfer-Encoding", HttpHeaderValues.CHUNKED);
    return head;
  }

  private static FullHttpResponse full(HttpResponseStatus status, String contentType, String body) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set("Content-Type", contentType);
    response.headers().set("Content-Length", response.content().readableBytes());
    return response;
  }
}
