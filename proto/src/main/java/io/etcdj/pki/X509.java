package io.etcdj.pki;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * Go's x509.ParseCertificate as far as its first checks go: the outer SEQUENCE, the
 * TBSCertificate SEQUENCE, trailing bytes, each with Go's text; anything the JDK refuses past those
 * reads as "x509: malformed certificate" (Go names the exact field; we do not go that deep).
 */
final class X509 {
  private X509() {}

  static X509Certificate parse(byte[] der) throws GoTlsException {
    Der.Tlv cert = Der.read(der, 0, der.length);
    if (cert == null || cert.tag() != Der.SEQUENCE) {
      throw new GoTlsException("x509: malformed certificate");
    }
    Der.Tlv tbs = Der.read(der, cert.contentStart(), cert.contentEnd());
    if (tbs == null || tbs.tag() != Der.SEQUENCE) {
      throw new GoTlsException("x509: malformed tbs certificate");
    }
    if (cert.end() != der.length) {
      throw new GoTlsException("x509: trailing data");
    }
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    } catch (CertificateException | RuntimeException e) {
      throw new GoTlsException("x509: malformed certificate");
    }
  }
}
