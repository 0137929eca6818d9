package io.etcdj.server.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * etcd's cmux on the client port: looks at a connection's first bytes and hands it either to gRPC
 * (the HTTP/2 client preface, which every gRPC client sends first) or to the HTTP/1.x pipeline
 * ({@code /health}, {@code /version}, {@code /metrics}, the JSON gateway). It then removes itself,
 * passing on the bytes it read, so the chosen protocol sees the connection from its first byte and
 * gRPC connections pay nothing after their first read.
 *
 * <p>It sits where gRPC's own negotiation handler would be, and installs that handler only for an
 * HTTP/2 connection. gRPC's setup events that arrive before the first bytes are held and replayed
 * to it then; an HTTP/1.x connection never sees them.
 *
 * <p>As cmux matches, any HTTP/2 connection goes to gRPC and everything else to HTTP/1.x, where a
 * request that does not parse gets Go's 400 — except a TLS handshake, which no cleartext matcher
 * takes: the connection is closed. A connection that sends nothing is closed after
 * {@link #SNIFF_TIMEOUT_SECONDS}.
 *
 * <p>Confined to the connection's event loop.
 */
public final class ProtocolSniffer extends ByteToMessageDecoder {
  /** The HTTP/2 connection preface (RFC 9113 section 3.4). */
  static final byte[] HTTP2_PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** How long a connection may stay silent before it is closed (gRPC's handshake timeout). */
  static final long SNIFF_TIMEOUT_SECONDS = 120;

  /** What to install for the protocol the first bytes show. */
  public interface Installer {
    /** Adds the handlers for this protocol to the pipeline right after {@code ctx}. */
    void install(ChannelHandlerContext ctx);
  }

  /** The verdict on the bytes seen so far. */
  enum Protocol {
    HTTP2,
    HTTP1,
    /** A TLS handshake on a cleartext port: neither of cmux's matchers takes it, so it is closed. */
    TLS,
    UNDECIDED
  }

  /** The first byte of a TLS handshake record. */
  private static final byte TLS_HANDSHAKE = 0x16;

  private final Installer http2;
  private final Installer http1;
  /** User events held until the protocol is known (gRPC's negotiation event), at most a few. */
  private final List<Object> heldEvents = new ArrayList<>(2);

  /** A bound on held events: gRPC sends one; a flood means something is wrong. */
  private static final int HELD_EVENTS_MAX = 16;

  private ScheduledFuture<?> timeout;

  public ProtocolSniffer(Installer http2, Installer http1) {
    this.http2 = http2;
    this.http1 = http1;
  }

  /** Whether {@code in}'s readable bytes are the HTTP/2 preface, something else, or too few. */
  static Protocol classify(ByteBuf in) {
    int n = Math.min(in.readableBytes(), HTTP2_PREFACE.length);
    int start = in.readerIndex();
    if (n > 0 && in.getByte(start) == TLS_HANDSHAKE) {
      return Protocol.TLS;
    }
    for (int i = 0; i < n; i++) {
      if (in.getByte(start + i) != HTTP2_PREFACE[i]) {
        return Protocol.HTTP1;
      }
    }
    return n == HTTP2_PREFACE.length ? Protocol.HTTP2 : Protocol.UNDECIDED;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timeout = ctx.executor().schedule(() -> ctx.close(), SNIFF_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (timeout != null) {
      timeout.cancel(false);
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    Protocol protocol = classify(in);
    if (protocol == Protocol.UNDECIDED) {
      return;
    }
    if (protocol == Protocol.TLS) {
      // etcd's cmux matches no listener for it and hangs up: the client sees EOF.
      in.skipBytes(in.readableBytes());
      heldEvents.forEach(io.netty.util.ReferenceCountUtil::release);
      heldEvents.clear();
      ctx.close();
      return;
    }
    if (protocol == Protocol.HTTP2) {
      http2.install(ctx);
      for (Object event : heldEvents) {
        ctx.fireUserEventTriggered(event);
      }
    } else {
      http1.install(ctx);
      heldEvents.forEach(io.netty.util.ReferenceCountUtil::release);
    }
    heldEvents.clear();
    // Removing a decoder passes the bytes it holds to the next handler.
    ctx.pipeline().remove(this);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (heldEvents.size() >= HELD_EVENTS_MAX) {
      ctx.close();
      return;
    }
    heldEvents.add(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
