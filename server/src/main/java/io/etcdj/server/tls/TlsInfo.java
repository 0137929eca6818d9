package io.etcdj.server.tls;

import java.util.List;

/**
 * One side's TLS settings, as etcd's {@code transport.TLSInfo}: the client side from {@code
 * --cert-file}, {@code --key-file}, {@code --trusted-ca-file}, {@code --client-cert-auth}, {@code
 * --client-crl-file} and {@code --client-cert-allowed-hostname}; the peer side from their {@code
 * --peer-*} twins and {@code --peer-cert-allowed-cn}; both share {@code --cipher-suites}.
 *
 * @param allowedCn a client certificate must have exactly this common name (peers only)
 * @param allowedHostname a client certificate must be valid for this host name
 * @param cipherSuites Go's names of the TLS 1.2 suites to offer, in order; empty for the JDK's
 * @param skipClientSanVerify peers only: do not hold a client certificate's IP and DNS names to
 *     the address it connects from ({@code --experimental-peer-skip-client-san-verification})
 * @param autoTls {@code --auto-tls} / {@code --peer-auto-tls}: without certificate files, serve a
 *     self-signed certificate ({@link SelfSignedCert}); peers dialled with it are not verified
 */
public record TlsInfo(
    String certFile,
    String keyFile,
    String trustedCaFile,
    boolean clientCertAuth,
    String crlFile,
    String allowedCn,
    String allowedHostname,
    List<String> cipherSuites,
    boolean skipClientSanVerify,
    boolean autoTls) {

  public static final TlsInfo NONE = new TlsInfo("", "", "", false, "", "", "", List.of(), true, false);

  /**
   * etcd's {@code ClientSelfCert}/{@code PeerSelfCert}: with auto TLS and no certificate files, the
   * self-signed pair in {@code fixtures} (made on the first start) for the listen URLs' hosts.
   * Certificate files, when given, win (etcd warns "ignoring client auto TLS since certs given").
   */
  public TlsInfo withSelfCert(java.nio.file.Path fixtures, List<java.net.URI> listenUrls)
      throws java.io.IOException, java.security.GeneralSecurityException {
    if (!autoTls || !empty()) {
      return this;
    }
    SelfSignedCert.CertFiles f = SelfSignedCert.ensure(fixtures, listenUrls);
    return new TlsInfo(
        f.cert().toString(), f.key().toString(), trustedCaFile, clientCertAuth, crlFile, allowedCn, allowedHostname,
        cipherSuites, skipClientSanVerify, true);
  }

  /** Whether this side serves a generated certificate (peers dialled with it skip verification, as etcd's selfCert). */
  public boolean selfCert() {
    return autoTls && !certFile.isEmpty();
  }

  /** etcd's {@code TLSInfo.Empty}: no certificate and no key, so nothing to serve TLS with. */
  public boolean empty() {
    return certFile.isEmpty() && keyFile.isEmpty();
  }

  /** etcd's check of {@code --cipher-suites}: every name must be one of Go's. */
  public static void checkCipherSuites(List<String> goNames) {
    CipherSuites.check(goNames);
  }

  /** etcd's {@code TLSInfo.String}, as its start-up log prints it. */
  @Override
  public String toString() {
    return "cert = " + certFile + ", key = " + keyFile + ", trusted-ca = " + trustedCaFile
        + ", client-cert-auth = " + clientCertAuth + ", crl-file = " + crlFile;
  }
}
