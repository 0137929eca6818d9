package io.etcdj.etcdctl.client;

import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.GlobalOptions;

/**
 * Transport security for a channel, decided as clientv3 decides it: plaintext unless the endpoint
 * is https:// or a TLS file is given. Only plaintext is implemented (the HTTP/2 transport is h2c).
 */
final class Tls {
  private Tls() {}

  static void check(Endpoints.Target t, GlobalOptions opts) {
    boolean tls = t.https() || !opts.cert().isEmpty() || !opts.key().isEmpty() || !opts.cacert().isEmpty();
    if (tls) {
      throw new CtlException(ExitCode.BAD_CONNECTION, "TLS is not supported by this etcdctl yet");
    }
  }
}
