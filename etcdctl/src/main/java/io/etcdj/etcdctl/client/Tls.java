package io.etcdj.etcdctl.client;

import io.etcdj.etcdctl.cli.GlobalOptions;
import io.grpc.netty.NettyChannelBuilder;

/**
 * Transport security for a channel, decided as clientv3 decides it: plaintext unless the endpoint
 * is https:// or a TLS file is given or --insecure-transport=false.
 */
final class Tls {
  private Tls() {}

  static void configure(NettyChannelBuilder b, Endpoints.Target t, GlobalOptions opts) {
    boolean tls = t.https() || !opts.cert().isEmpty() || !opts.key().isEmpty() || !opts.cacert().isEmpty();
    if (!tls) {
      b.usePlaintext();
      return;
    }
    throw new io.etcdj.etcdctl.cli.CtlException(
        io.etcdj.etcdctl.cli.ExitCode.BAD_CONNECTION, "TLS is not supported by this etcdctl yet");
  }
}
