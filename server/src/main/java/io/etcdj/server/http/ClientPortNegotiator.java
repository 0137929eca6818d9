package io.etcdj.server.http;

import io.etcdj.server.tls.ServerTls;
import io.etcdj.server.tls.TlsStage;
import io.grpc.ServerCredentials;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.netty.channel.ChannelHandler;
import io.netty.util.AsciiString;

/**
 * The hook that puts a {@link ProtocolSniffer} on every connection of a gRPC listener: grpc-netty
 * asks its protocol negotiator for the first handler of each connection, and this one answers
 * with a sniffer that installs gRPC's plaintext negotiation for HTTP/2 and the {@link HttpPipeline}
 * for HTTP/1.x; on an address that serves TLS, a {@link TlsStage} comes first and the sniffer sees
 * the decrypted bytes. gRPC connections are otherwise untouched.
 *
 * <p>Relies on grpc-netty's {@code Internal*} API (the documented extension point for custom
 * negotiators, used by grpc's own xDS and ALTS modules): a grpc upgrade that changes it fails
 * the build here, not at run time.
 */
public final class ClientPortNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private static final AsciiString SCHEME = AsciiString.of("http");

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext =
      InternalProtocolNegotiators.serverPlaintext();
  private final HttpPipeline http;
  private final ServerTls tls;
  private final boolean cleartext;
  private final TlsStage.Rejections rejections;

  /**
   * @param tls the TLS to serve, or null for a cleartext-only address
   * @param cleartext whether the address serves cleartext too (both schemes listed for it)
   */
  public ClientPortNegotiator(HttpPipeline http, ServerTls tls, boolean cleartext, TlsStage.Rejections rejections) {
    this.http = http;
    this.tls = tls;
    this.cleartext = cleartext;
    this.rejections = rejections;
  }

  /** Server credentials for {@code NettyServerBuilder.forAddress(address, credentials)}. */
  public ServerCredentials credentials() {
    return InternalNettyServerCredentials.create(this);
  }

  @Override
  public AsciiString scheme() {
    return SCHEME;
  }

  @Override
  public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
    ChannelHandler grpcNegotiation = plaintext.newHandler(grpcHandler);
    java.util.function.Supplier<ChannelHandler> sniffer =
        () -> new ProtocolSniffer(ctx -> ctx.pipeline().addAfter(ctx.name(), null, grpcNegotiation), http);
    return tls == null ? sniffer.get() : new TlsStage(tls, cleartext, sniffer, rejections);
  }

  @Override
  public void close() {
    plaintext.close();
  }
}
