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
    boolean skipClientSanVerify) {

  public static final TlsInfo NONE = new TlsInfo("", "", "", false, "", "", "", List.of(), true);

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
