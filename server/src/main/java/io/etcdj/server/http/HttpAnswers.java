package io.etcdj.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses written the way etcd's Go {@code net/http} server writes them, so that curl sees the
 * same status lines, bodies and headers: {@code http.Error}'s plain-text bodies with a trailing
 * newline and {@code X-Content-Type-Options: nosniff}, a {@code Content-Length}, and keep-alive unless the request asked to close.
 */
public final class HttpAnswers {
  /** Go's content type for text it writes or sniffs as text. */
  public static final String TEXT_PLAIN = "text/plain; charset=utf-8";

  public static final String APPLICATION_JSON = "application/json";

  /**
   * Header names as Go writes them (canonical case). Netty's constants are lower case, which HTTP
   * allows, but curl -i would show the difference.
   */
  public static final String CONTENT_TYPE = "Content-Type";

  public static final String CONTENT_LENGTH = "Content-Length";

  private HttpAnswers() {}

  /** A response with {@code body} and its content type, not yet written. */
  public static FullHttpResponse response(
      HttpResponseStatus status, String contentType, byte[] body) {
    return response(status, contentType, Unpooled.wrappedBuffer(body));
  }

  /** A response owning {@code body} and its content type, not yet written. */
  public static FullHttpResponse response(
      HttpResponseStatus status, String contentType, ByteBuf body) {
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    if (contentType != null) {
      response.headers().set(CONTENT_TYPE, contentType);
    }
    return response;
  }

  /** Go's {@code http.Error}: the text and a newline, as text/plain with nosniff. */
  public static FullHttpResponse error(HttpResponseStatus status, String text) {
    FullHttpResponse response =
        response(status, TEXT_PLAIN, (text + "\n").getBytes(StandardCharsets.UTF_8));
    response.headers().set("X-Content-Type-Options", "nosniff");
    return response;
  }

  /** Go's {@code http.NotFound}: {@code 404 page not found}. */
  public static FullHttpResponse notFound() {
    return error(HttpResponseStatus.NOT_FOUND, "404 page not found");
  }

  /** etcd's answer to a method an endpoint does not take: 405 with {@code Allow}. */
  public static FullHttpResponse methodNotAllowed(String allow) {
    FullHttpResponse response = error(HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed");
    response.headers().set("Allow", allow);
    return response;
  }

  /**
   * Writes {@code response} as the answer to {@code request}: adds {@code Content-Length} and drops
   * the body of a HEAD answer, as Go does. Keep-alive is the pipeline's business.
   */
  public static void send(ChannelHandlerContext ctx, HttpRequest request, FullHttpResponse response) {
    response.headers().setInt(CONTENT_LENGTH, response.content().readableBytes());
    if (request.method().equals(HttpMethod.HEAD)) {
      response.content().clear();
    }
    ctx.writeAndFlush(response);
  }
}
