package io.etcdj.server.gateway;

import com.google.protobuf.Message;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One gateway request: the gRPC call it makes and the HTTP answer it writes, as grpc-gateway v1's
 * {@code ForwardResponseMessage} (unary) and {@code ForwardResponseStream} (streams): a stream's
 * answer is chunked, one {@code {"result":...}} line per message, and a stream that fails ends with
 * {@code {"error":{"grpc_code":..,"http_code":..,"message":..,"http_status":..}}} (with that HTTP
 * status when nothing was written before).
 *
 * <p>Flow control: the call is asked for one message at a time and for the next only once the
 * previous one has been written to the socket, so a slow HTTP client holds back the service (whose
 * own buffers are bounded) instead of filling the connection's memory.
 *
 * <p>Threading: created and started on the connection's event loop; the call's callbacks run on the
 * same loop (the call's executor), so the fields need no locks.
 */
final class GatewayExchange extends ClientCall.Listener<Message> {
  private final ChannelHandlerContext ctx;
  private final GatewayMethod method;
  private final ClientCall<Message, Message> call;
  private final Metadata metadata;
  private final int messageBytesMax;
  private final ChannelFutureListener cancelOnClose;
  private boolean grpcHeaders;
  private Message unaryAnswer;
  private boolean headWritten;

  GatewayExchange(
      ChannelHandlerContext ctx,
      Channel channel,
      GatewayMethod method,
      Metadata metadata,
      int messageBytesMax) {
    this.ctx = ctx;
    this.method = method;
    this.metadata = metadata;
    this.messageBytesMax = messageBytesMax;
    this.call = channel.newCall(method.method(), CallOptions.DEFAULT.withExecutor(ctx.executor()));
    this.cancelOnClose = f -> call.cancel("the HTTP client went away", null);
  }

  /** Starts the call and sends {@code requests}; for a stream of requests, then half-closes. */
  void start(List<Message> requests) {
    for (Message request : requests) {
      int size = request.getSerializedSize();
      if (size > messageBytesMax) {
        // What the client port's gRPC server answers a message over its limit, in grpc-go's words.
        Status tooLarge =
            Status.RESOURCE_EXHAUSTED.withDescription(
                "grpc: received message larger than max (" + size + " vs. " + messageBytesMax + ")");
        if (method.streamsResponses()) {
          finishStream(tooLarge);
        } else {
          GatewayHttp.sendError(ctx, tooLarge, true);
        }
        return;
      }
    }
    ctx.channel().closeFuture().addListener(cancelOnClose);
    call.start(this, metadata);
    call.request(method.streamsResponses() ? 1 : 2);
    for (Message request : requests) {
      call.sendMessage(request);
    }
    call.halfClose();
  }

  @Override
  public void onHeaders(Metadata headers) {
    grpcHeaders = true;
  }

  @Override
  public void onMessage(Message message) {
    if (!method.streamsResponses()) {
      unaryAnswer = message;
      return;
    }
    if (!headWritten) {
      headWritten = true;
      ctx.write(GatewayHttp.streamHead(HttpResponseStatus.OK, grpcHeaders));
    }
    String line = GatewayJson.result(message) + "\n";
    ctx.writeAndFlush(new DefaultHttpContent(Unpooled.copiedBuffer(line, StandardCharsets.UTF_8)))
        .addListener(
            f -> {
              if (f.isSuccess()) {
                call.request(1);
              }
            });
  }

  @Override
  public void onClose(Status status, Metadata trailers) {
    ctx.channel().closeFuture().removeListener(cancelOnClose);
    if (!ctx.channel().isActive()) {
      return;
    }
    if (method.streamsResponses()) {
      finishStream(status);
      return;
    }
    if (status.isOk() && unaryAnswer != null) {
      GatewayHttp.sendJson(ctx, GatewayJson.print(unaryAnswer), grpcHeaders);
    } else if (status.isOk()) {
      GatewayHttp.sendError(ctx, Status.INTERNAL.withDescription("empty response"), true);
    } else {
      GatewayHttp.sendError(ctx, status, true);
    }
  }

  private void finishStream(Status status) {
    if (status.isOk()) {
      if (!headWritten) {
        headWritten = true;
        ctx.write(GatewayHttp.streamHead(HttpResponseStatus.OK, grpcHeaders));
      }
      ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      return;
    }
    HttpResponseStatus http = GatewayStatus.of(status.getCode());
    if (!headWritten) {
      headWritten = true;
      ctx.write(GatewayHttp.streamHead(http, grpcHeaders));
    }
    String chunk = GatewayJson.streamError(status, http.code(), http.reasonPhrase());
    ctx.write(new DefaultHttpContent(Unpooled.copiedBuffer(chunk, StandardCharsets.UTF_8)));
    ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
  }
}
