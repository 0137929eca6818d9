package io.etcdj.pki;

import java.net.IDN;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The server certificate check of Go's crypto/tls client, in Go's order and with Go's texts: the
 * leaf's validity period, then the chain to a root (the JDK's PKIX validator, which also checks
 * the extended key usage), then the host against the leaf's SANs by Go's rules (IP addresses only
 * against IP SANs, names against DNS SANs with one-label wildcards, never the Common Name). With
 * {@code --insecure-skip-tls-verify} nothing is checked, as Go's InsecureSkipVerify.
 *
 * <p>Runs on the connect thread during a handshake; holds no state of its own.
 */
public final class GoTrustManager extends X509ExtendedTrustManager {
  private static final DateTimeFormatter RFC3339 = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ssXXX");
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  /** --insecure-skip-tls-verify: nothing is checked. */
  private final boolean skip;
  /** The chain check; null when there is no root at all (a --cacert file without a certificate). */
  private final X509TrustManager pkix;

  private GoTrustManager(boolean skip, X509TrustManager pkix) {
    this.skip = skip;
    this.pkix = pkix;
  }

  public static GoTrustManager skipVerify() {
    return new GoTrustManager(true, null);
  }

  /** Verifies chains with {@code pkix}; null: every chain is signed by an unknown authority. */
  public static GoTrustManager verifying(X509TrustManager pkix) {
    return new GoTrustManager(false, pkix);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    if (skip) {
      return;
    }
    String host = socket instanceof SSLSocket s && s.getHandshakeSession() != null ? s.getHandshakeSession().getPeerHost() : null;
    verify(chain, authType, host);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    if (skip) {
      return;
    }
    verify(chain, authType, engine == null ? null : engine.getPeerHost());
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    if (skip) {
      return;
    }
    verify(chain, authType, null);
  }

  private void verify(X509Certificate[] chain, String authType, String host) throws CertificateException {
    X509Certificate leaf = chain[0];
    Instant now = Instant.now();
    if (now.isBefore(leaf.getNotBefore().toInstant())) {
      throw new GoTlsException("x509: certificate has expired or is not yet valid: current time "
          + rfc3339(now) + " is before " + rfc3339(leaf.getNotBefore().toInstant()));
    }
    if (now.isAfter(leaf.getNotAfter().toInstant())) {
      throw new GoTlsException("x509: certificate has expired or is not yet valid: current time "
          + rfc3339(now) + " is after " + rfc3339(leaf.getNotAfter().toInstant()));
    }
    if (pkix == null) {
      throw new GoTlsException("x509: certificate signed by unknown authority");
    }
    try {
      pkix.checkServerTrusted(chain, authType);
    } catch (CertificateException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("Extended key usage") || m.contains("KeyUsage")) {
        throw new GoTlsException("x509: certificate specifies an incompatible key usage");
      }
      throw new GoTlsException("x509: certificate signed by unknown authority");
    }
    if (host != null) {
      verifyHostname(leaf, host);
    }
  }

  /** Go's Certificate.VerifyHostname and HostnameError texts. */
  public static void verifyHostname(X509Certificate leaf, String host) throws CertificateException {
    List<String> dns = new ArrayList<>();
    List<String> ips = new ArrayList<>();
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    if (sans != null) {
      for (List<?> san : sans) {
        int type = (Integer) san.get(0);
        if (type == SAN_DNS) {
          dns.add((String) san.get(1));
        } else if (type == SAN_IP) {
          ips.add((String) san.get(1));
        }
      }
    }
    String candidate = host.length() >= 3 && host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    InetAddress ip = ipLiteral(candidate);
    if (ip != null) {
      for (String s : ips) {
        if (ip.equals(ipLiteral(s))) {
          return;
        }
      }
      if (ips.isEmpty()) {
        throw new GoTlsException("x509: cannot validate certificate for " + candidate + " because it doesn't contain any IP SANs");
      }
      throw new GoTlsException("x509: certificate is valid for " + String.join(", ", ips) + ", not " + candidate);
    }
    String name = host.toLowerCase(Locale.ROOT);
    for (String pattern : dns) {
      if (matches(pattern.toLowerCase(Locale.ROOT), name)) {
        return;
      }
    }
    if (sans == null && matches(commonName(leaf).toLowerCase(Locale.ROOT), name)) {
      throw new GoTlsException("x509: certificate relies on legacy Common Name field, use SANs instead");
    }
    if (dns.isEmpty()) {
      throw new GoTlsException("x509: certificate is not valid for any names, but wanted to match " + host);
    }
    throw new GoTlsException("x509: certificate is valid for " + String.join(", ", dns) + ", not " + host);
  }

  /** Go's matchHostnames: label by label, "*" only as a whole leftmost label; a trailing dot is ignored. */
  private static boolean matches(String pattern, String host) {
    host = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    if (pattern.isEmpty() || host.isEmpty()) {
      return false;
    }
    String[] p = pattern.split("\\.", -1);
    String[] h = host.split("\\.", -1);
    if (p.length != h.length) {
      return false;
    }
    for (int i = 0; i < p.length; i++) {
      if (i == 0 && p[i].equals("*")) {
        continue;
      }
      if (!p[i].equals(h[i])) {
        return false;
      }
    }
    return true;
  }

  /** The address an IP literal names, without any name lookup; null for a host name. */
  private static InetAddress ipLiteral(String s) {
    boolean v4 = s.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9')) && s.chars().filter(c -> c == '.').count() == 3;
    if (!v4 && s.indexOf(':') < 0) {
      return null;
    }
    try {
      return InetAddress.getByName(IDN.toASCII(s));
    } catch (UnknownHostException | IllegalArgumentException e) {
      return null;
    }
  }

  private static String commonName(X509Certificate leaf) {
    for (String rdn : leaf.getSubjectX500Principal().getName(javax.security.auth.x500.X500Principal.RFC2253).split(",")) {
      if (rdn.startsWith("CN=")) {
        return rdn.substring(3);
      }
    }
    return "";
  }

  private static String rfc3339(Instant t) {
    return RFC3339.format(t.atOffset(ZoneOffset.UTC)).replace("+00:00", "Z");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("a client does not check clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    throw new CertificateException("a client does not check clients");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("a client does not check clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return pkix == null ? new X509Certificate[0] : pkix.getAcceptedIssuers();
  }
}
