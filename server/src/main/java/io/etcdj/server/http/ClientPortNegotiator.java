package io.etcdj.server.http;

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
 * for HTTP/1.x. gRPC connections are otherwise untouched.
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

  public ClientPortNegotiator(HttpPipeline http) {
    this.http = http;
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
    return new ProtocolSniffer(
        ctx -> ctx.pipeline().addAfter(ctx.name(), null, grpcNegotiation), http);
  }

  @Override
  public void close() {
    plaintext.close();
  }
}
