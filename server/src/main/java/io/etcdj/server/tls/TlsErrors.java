package io.etcdj.server.tls;

import io.etcdj.pki.GoTlsException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;

/** Go's texts for the handshake failures etcd logs as "rejected connection from ...". */
final class TlsErrors {
  private TlsErrors() {}

  static String goText(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      if (t instanceof GoTlsException) {
        return t.getMessage();
      }
      if (t instanceof SslHandshakeTimeoutException) {
        return "tls: handshake did not complete within " + TlsStage.HANDSHAKE_TIMEOUT_MS / 1000 + "s";
      }
      String m = String.valueOf(t.getMessage());
      if (m.contains("Empty client certificate chain") || m.contains("Empty server certificate chain")) {
        return "tls: client didn't provide a certificate";
      }
      if (m.contains("PKIX path") || m.contains("unable to find valid certification path")) {
        return "tls: failed to verify client's certificate: x509: certificate signed by unknown authority";
      }
      if (m.contains("Extended key usage does not permit")) {
        return "tls: failed to verify client's certificate: x509: certificate specifies an incompatible key usage";
      }
      if (m.contains("NotAfter") || m.contains("certificate expired")) {
        return "tls: failed to verify client's certificate: x509: certificate has expired or is not yet valid";
      }
      if (m.contains("no cipher suites in common")) {
        return "tls: no cipher suite supported by both client and server";
      }
      if (m.contains("not supported") && m.contains("protocol")) {
        return "tls: client offered only unsupported versions";
      }
    }
    return failure == null ? "tls: handshake failed" : String.valueOf(failure.getMessage());
  }
}
