package io.etcdj.server.gateway;

import com.google.protobuf.Message;
import io.etcdj.server.http.HttpRoute;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * etcd's JSON gateway (grpc-gateway v1, mounted at {@code /v3/} on the client port): a POST of a
 * JSON request to one of {@link GatewayMethods}' paths calls that RPC and answers its JSON. {@code
 * /v3beta/} is rewritten to {@code /v3/} first, as etcd 3.4's access controller does; {@code
 * /v3alpha/} is not served (etcd 3.4 answers it 404).
 *
 * <p>The RPCs are called in-process on the member's own services, behind the same guard as the
 * client port (etcd's gateway dials its own gRPC listener, so its calls pass the same
 * interceptors). An {@code Authorization} header travels as the {@code token} metadata, and {@code
 * Grpc-Metadata-<key>} headers as {@code <key>} metadata, as grpc-gateway forwards them.
 *
 * <p>Runs on the connection's Netty event loop and never blocks: the call's callbacks come back on
 * that same loop, where {@link GatewayExchange} writes the answer.
 */
public final class GatewayRoute implements HttpRoute {
  static final String PREFIX = "/v3/";
  static final String BETA_PREFIX = "/v3beta/";

  /** etcd's token metadata key ({@code rpctypes.TokenFieldNameGRPC}). */
  static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  /** grpc-gateway's prefix for headers passed on as gRPC metadata. */
  static final String METADATA_HEADER_PREFIX = "grpc-metadata-";

  /**
   * The most request objects one body (watch, keepalive) may hold; a body with more is refused
   * whole (etcd has no such bound, but reads the body while it streams instead of holding it).
   */
  static final int STREAM_REQUESTS_MAX = 1_000;

  private final Channel channel;
  private final int messageBytesMax;
  private final Map<String, GatewayMethod> methods = GatewayMethods.etcd34();

  /**
   * @param channel the member's services, guarded as on the client port
   * @param messageBytesMax the largest request the client port's gRPC server receives (etcd's
   *     max-request-bytes plus 512 KiB); a larger one is refused with gRPC's words, as etcd's gateway
   *     passes on its server's refusal
   */
  public GatewayRoute(Channel channel, int messageBytesMax) {
    if (messageBytesMax <= 0) {
      throw new IllegalArgumentException("messageBytesMax must be positive: " + messageBytesMax);
    }
    this.channel = channel;
    this.messageBytesMax = messageBytesMax;
  }

  @Override
  public boolean serves(String path) {
    return path.startsWith(PREFIX) || path.startsWith(BETA_PREFIX);
  }

  @Override
  public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    String path = GatewayHttp.path(request.uri());
    if (path.startsWith(BETA_PREFIX)) {
      path = PREFIX + path.substring(BETA_PREFIX.length());
    }
    GatewayMethod method = methods.get(path);
    if (method == null) {
      GatewayHttp.sendText(ctx, request, HttpResponseStatus.NOT_FOUND, "Not Found");
      return;
    }
    if (!request.method().equals(HttpMethod.POST)) {
      GatewayHttp.sendText(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "Method Not Allowed");
      return;
    }
    String body = request.content().toString(StandardCharsets.UTF_8);
    Metadata metadata = metadata(request);
    GoJson reader = new GoJson(body);
    if (method.streamsRequests()) {
      List<Message> requests = new ArrayList<>();
      try {
        if (!readStream(reader, method, requests)) {
          GatewayHttp.sendError(
              ctx,
              Status.INVALID_ARGUMENT.withDescription(
                  "etcdj: a request body holds more than " + STREAM_REQUESTS_MAX + " requests"),
              false);
          return;
        }
      } catch (GoJson.SyntaxException | JsonpbReader.JsonpbException e) {
        if (requests.isEmpty()) {
          // etcd's gateway answers a bad first request as a plain error, not a stream (Unknown).
          GatewayHttp.sendError(ctx, Status.UNKNOWN.withDescription(e.getMessage()), false);
          return;
        }
        // Later bad requests end the sending: what was read is sent, then the stream half-closes.
      }
      new GatewayExchange(ctx, channel, method, metadata, messageBytesMax).start(requests);
      return;
    }
    Message message;
    try {
      message = readOne(reader, method);
    } catch (GoJson.SyntaxException | JsonpbReader.JsonpbException e) {
      GatewayHttp.sendError(ctx, Status.INVALID_ARGUMENT.withDescription(e.getMessage()), false);
      return;
    }
    new GatewayExchange(ctx, channel, method, metadata, messageBytesMax).start(List.of(message));
  }

  /** The first JSON value of the body as the method's request; an empty body is an empty one. */
  private static Message readOne(GoJson reader, GatewayMethod method)
      throws GoJson.SyntaxException, JsonpbReader.JsonpbException {
    Message.Builder builder = method.requestPrototype().newBuilderForType();
    GoJson.Value value = reader.next();
    if (value != null) {
      JsonpbReader.merge(value, builder);
    }
    return builder.build();
  }

  /**
   * Every JSON value of the body, each a request, into {@code out} until the end or an error;
   * false when the body holds more than {@link #STREAM_REQUESTS_MAX}.
   */
  private static boolean readStream(GoJson reader, GatewayMethod method, List<Message> out)
      throws GoJson.SyntaxException, JsonpbReader.JsonpbException {
    while (true) {
      GoJson.Value value = reader.next();
      if (value == null) {
        return true;
      }
      if (out.size() == STREAM_REQUESTS_MAX) {
        return false;
      }
      Message.Builder builder = method.requestPrototype().newBuilderForType();
      JsonpbReader.merge(value, builder);
      out.add(builder.build());
    }
  }

  private static Metadata metadata(FullHttpRequest request) {
    Metadata metadata = new Metadata();
    for (Map.Entry<String, String> header : request.headers()) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("authorization")) {
        metadata.put(TOKEN, header.getValue());
      } else if (name.startsWith(METADATA_HEADER_PREFIX)) {
        String key = name.substring(METADATA_HEADER_PREFIX.length());
        if (key.isEmpty() || key.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
          continue;
        }
        try {
          metadata.put(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER), header.getValue());
        } catch (IllegalArgumentException e) {
          // Not a valid metadata key: grpc-go would refuse the call; it is simply not passed on.
        }
      }
    }
    return metadata;
  }
}
