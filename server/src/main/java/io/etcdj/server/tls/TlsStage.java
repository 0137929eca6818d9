package io.etcdj.server.tls;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.netty.InternalProtocolNegotiationEvent;
import io.grpc.netty.ProtocolNegotiationEvent;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLSession;

/**
 * The first stage of a client connection on a port with {@code https://} among its URLs: etcd's
 * cmux there sends TLS to its TLS listener and (when the same address is also listed as {@code
 * http://}) HTTP/2 and HTTP/1.x to the cleartext servers. A first byte of 0x16 (a TLS handshake
 * record) gets an {@link SslHandler}; anything else goes on in cleartext if the port allows it,
 * and is refused otherwise. After a good handshake (and the CRL check), the next stage — the
 * protocol sniffer that tells gRPC from HTTP/1.x — sees the decrypted bytes.
 *
 * <p>A handshake must finish within {@link #HANDSHAKE_TIMEOUT_MS}, and a TLS-only port closes a
 * connection that sends nothing for as long: etcd 3.4 has no bound there, and a client that
 * opens connections and never speaks holds them forever.
 *
 * <p>gRPC's negotiation event is held until the handshake is done and then carries the TLS
 * session, as grpc-netty's own TLS negotiator sets it, so a call
 * can see its client's certificate. Confined to the connection's event loop.
 */
public final class TlsStage extends ByteToMessageDecoder {
  public static final long HANDSHAKE_TIMEOUT_MS = 10_000;
  private static final byte HANDSHAKE_RECORD = 0x16;
  /** A bound on held events: gRPC sends one; a flood means something is wrong. */
  private static final int HELD_EVENTS_MAX = 16;
  private static final String SSL_NAME = "etcdj-tls";
  private static final String ESTABLISHED_NAME = "etcdj-tls-established";

  /** Where refused connections are reported (etcd logs "rejected connection from ..."). */
  public interface Rejections {
    void rejected(String remote, String error);
  }

  private final ServerTls tls;
  private final boolean cleartext;
  private final Supplier<ChannelHandler> next;
  private final Rejections rejections;
  private final List<Object> held = new ArrayList<>(2);
  private ScheduledFuture<?> silence;

  /**
   * @param cleartext whether the same address also serves cleartext ({@code http://} listed too)
   * @param next the stage after TLS, one per connection
   */
  public TlsStage(ServerTls tls, boolean cleartext, Supplier<ChannelHandler> next, Rejections rejections) {
    this.tls = tls;
    this.cleartext = cleartext;
    this.next = next;
    this.rejections = rejections;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    if (!cleartext) {
      silence = ctx.executor().schedule(() -> ctx.close(), HANDSHAKE_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    if (silence != null) {
      silence.cancel(false);
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!in.isReadable()) {
      return;
    }
    if (in.getByte(in.readerIndex()) == HANDSHAKE_RECORD) {
      SslHandler ssl = new SslHandler(tls.newEngine());
      ssl.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MS);
      ctx.pipeline().addAfter(ctx.name(), SSL_NAME, ssl);
      ctx.pipeline().addAfter(SSL_NAME, ESTABLISHED_NAME, new Established(tls, ssl, rejections));
      ctx.pipeline().addAfter(ESTABLISHED_NAME, null, next.get());
    } else if (cleartext) {
      ctx.pipeline().addAfter(ctx.name(), null, next.get());
    } else {
      rejections.rejected(remote(ctx), "tls: first record does not look like a TLS handshake");
      in.skipBytes(in.readableBytes());
      held.forEach(ReferenceCountUtil::release);
      held.clear();
      ctx.close();
      return;
    }
    for (Object event : held) {
      ctx.fireUserEventTriggered(event);
    }
    held.clear();
    // Removing a decoder passes the bytes it holds to the next handler.
    ctx.pipeline().remove(this);
  }

  /** The peer's address as Go prints a net.Addr: host:port, [v6]:port. */
  static String remote(ChannelHandlerContext ctx) {
    java.net.SocketAddress a = ctx.channel().remoteAddress();
    if (a instanceof java.net.InetSocketAddress i && i.getAddress() != null) {
      String host = i.getAddress().getHostAddress();
      return (host.contains(":") ? "[" + host + "]" : host) + ":" + i.getPort();
    }
    return String.valueOf(a);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (held.size() >= HELD_EVENTS_MAX) {
      ReferenceCountUtil.release(evt);
      ctx.close();
      return;
    }
    held.add(evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }

  /** Holds gRPC's events until the handshake ends; then the CRL check, and the session attributes. */
  private static final class Established extends ChannelInboundHandlerAdapter {
    private final ServerTls tls;
    private final SslHandler ssl;
    private final Rejections rejections;
    private final List<Object> held = new ArrayList<>(2);
    /** Decrypted bytes that come while the checks run; passed on after the events. */
    private final List<Object> reads = new ArrayList<>();
    private long readBytes;

    /** A bound on {@link #reads}: a client that sends more before its checks end is cut off. */
    private static final long READ_BYTES_MAX = 1 << 20;

    Established(ServerTls tls, SslHandler ssl, Rejections rejections) {
      this.tls = tls;
      this.ssl = ssl;
      this.rejections = rejections;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
      if (!(evt instanceof SslHandshakeCompletionEvent done)) {
        if (held.size() >= HELD_EVENTS_MAX) {
          ReferenceCountUtil.release(evt);
          ctx.close();
          return;
        }
        held.add(evt);
        return;
      }
      String remote = remote(ctx);
      if (!done.isSuccess()) {
        rejections.rejected(remote, TlsErrors.goText(done.cause()));
        ctx.close();
        return;
      }
      SSLSession session = ssl.engine().getSession();
      java.util.concurrent.CompletableFuture<String> checked = tls.afterHandshake(session, ctx.channel().remoteAddress());
      if (checked.isDone()) {
        proceed(ctx, session, remote, checked.join());
      } else {
        checked.whenComplete((error, thrown) -> ctx.executor().execute(() -> proceed(ctx, session, remote, thrown != null ? String.valueOf(thrown) : error)));
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        readBytes += b.readableBytes();
      }
      reads.add(msg);
      if (readBytes > READ_BYTES_MAX) {
        release();
        ctx.close();
      }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
      release();
    }

    private void release() {
      held.forEach(ReferenceCountUtil::release);
      held.clear();
      reads.forEach(ReferenceCountUtil::release);
      reads.clear();
    }

    private void proceed(ChannelHandlerContext ctx, SSLSession session, String remote, String error) {
      if (error != null) {
        rejections.rejected(remote, error);
        release();
        ctx.close();
        return;
      }
      if (!ctx.channel().isOpen() || ctx.isRemoved()) {
        release();
        return;
      }
      for (Object e : held) {
        if (e instanceof ProtocolNegotiationEvent pne) {
          Attributes attrs =
              InternalProtocolNegotiationEvent.getAttributes(pne).toBuilder()
                  .set(Grpc.TRANSPORT_ATTR_SSL_SESSION, session)
                  .build();
          e = InternalProtocolNegotiationEvent.withAttributes(pne, attrs);
        }
        ctx.fireUserEventTriggered(e);
      }
      held.clear();
      for (Object r : reads) {
        ctx.fireChannelRead(r);
      }
      boolean any = !reads.isEmpty();
      reads.clear();
      if (any) {
        ctx.fireChannelReadComplete();
      }
      ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A handshake failure also ends here (after its completion event): already reported.
      ctx.close();
    }
  }
}
