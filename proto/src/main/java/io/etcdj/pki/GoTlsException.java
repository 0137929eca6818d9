package io.etcdj.pki;

import java.security.cert.CertificateException;

/**
 * A TLS set-up or verification failure whose message is the text Go gives for it (crypto/tls,
 * crypto/x509, os): etcdctl prints it as is. A CertificateException so that a trust manager may
 * throw it through JSSE, which keeps it as the handshake failure's cause.
 */
public final class GoTlsException extends CertificateException {
  private static final long serialVersionUID = 1L;

  public GoTlsException(String goText) {
    super(goText);
  }
}
