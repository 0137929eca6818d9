package io.etcdj.server.tls;

import io.grpc.ServerCredentials;
import io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.InternalProtocolNegotiators;
import io.netty.channel.ChannelHandler;
import io.netty.util.AsciiString;

/**
 * gRPC over TLS only, through {@link TlsStage} (the peer port's https:// listeners): the same
 * handshake bound, post-handshake checks and rejection logs as the client port, then grpc-netty's
 * own negotiation on the decrypted stream.
 */
public final class TlsNegotiator implements InternalProtocolNegotiator.ProtocolNegotiator {
  private static final AsciiString SCHEME = AsciiString.of("https");

  private final InternalProtocolNegotiator.ProtocolNegotiator plaintext = InternalProtocolNegotiators.serverPlaintext();
  private final ServerTls tls;
  private final TlsStage.Rejections rejections;

  public TlsNegotiator(ServerTls tls, TlsStage.Rejections rejections) {
    this.tls = tls;
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
    return new TlsStage(tls, false, () -> plaintext.newHandler(grpcHandler), rejections);
  }

  @Override
  public void close() {
    plaintext.close();
  }
}
