package io.etcdj.server.tls;

import io.etcdj.pki.GoTlsException;
import io.etcdj.pki.GoTrustManager;
import io.etcdj.pki.TlsFiles;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CRL;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * The server side of one {@link TlsInfo}, as etcd's {@code TLSInfo.ServerConfig} sets up Go's TLS:
 * TLS 1.2 at least; the certificate and key re-read when their files change (etcd reads them at
 * every handshake, so a rotated certificate is served without a restart); client certificates
 * required and verified against {@code --trusted-ca-file} when it is given or {@code
 * --client-cert-auth} is on (against the system's roots when no CA file is given), then held to
 * the allowed common name or host name; a CRL checked after each handshake.
 *
 * <p>ALPN: etcd offers only {@code h2}, and Go's HTTP server speaks HTTP/1.1 on the same TLS port
 * to a client that wants it. Here one connection is either gRPC (grpc-netty) or HTTP/1.x, so a
 * client offering {@code http/1.1} (curl, browsers) gets it, and one offering only {@code h2}
 * (every gRPC client) gets {@code h2}.
 *
 * <p>Built once at start-up; {@link #newEngine} runs on the event loop of each new connection.
 */
public final class ServerTls {
  private static final String H2 = "h2";
  private static final String HTTP11 = "http/1.1";

  private final TlsInfo info;
  private final SSLContext context;
  private final String[] ciphers;
  private final boolean needClientAuth;
  /** Whether this serves peers: their client certificates' names are held to their address. */
  private final boolean peerChecks;

  private ServerTls(TlsInfo info, SSLContext context, String[] ciphers, boolean needClientAuth, boolean peerChecks) {
    this.info = info;
    this.context = context;
    this.ciphers = ciphers;
    this.needClientAuth = needClientAuth;
    this.peerChecks = peerChecks;
  }

  /**
   * Checks the files as etcd does before it listens, with etcd's and Go's texts: both of
   * certificate and key given, the pair readable and matching, the CA bundle readable, at most
   * one of the allowed CN and host name.
   */
  public static ServerTls of(TlsInfo info) throws GoTlsException {
    return of(info, false);
  }

  /** The peer port's: as {@link #of(TlsInfo)}, and a client certificate's names are held to its address. */
  public static ServerTls forPeers(TlsInfo info) throws GoTlsException {
    return of(info, true);
  }

  private static ServerTls of(TlsInfo info, boolean peerChecks) throws GoTlsException {
    if (info.keyFile().isEmpty() || info.certFile().isEmpty()) {
      throw new GoTlsException(
          "KeyFile and CertFile must both be present[key: " + info.keyFile() + ", cert: " + info.certFile() + "]");
    }
    TlsFiles.KeyPair pair = TlsFiles.keyPair(info.certFile(), info.keyFile());
    if (!info.allowedCn().isEmpty() && !info.allowedHostname().isEmpty()) {
      throw new GoTlsException(
          "AllowedCN and AllowedHostname are mutually exclusive (cn=\"" + info.allowedCn() + "\", hostname=\""
              + info.allowedHostname() + "\")");
    }
    List<X509Certificate> roots = info.trustedCaFile().isEmpty() ? null : TlsFiles.caBundle(info.trustedCaFile());
    boolean needClientAuth = !info.trustedCaFile().isEmpty() || info.clientCertAuth();
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          new javax.net.ssl.KeyManager[] {new ReloadingKeyManager(info.certFile(), info.keyFile(), pair)},
          new TrustManager[] {new ClientCertCheck(pkix(roots), info)},
          null);
      SSLEngine probe = context.createSSLEngine();
      String[] ciphers =
          info.cipherSuites().isEmpty()
              ? null
              : CipherSuites.enabled(info.cipherSuites(), probe.getSupportedCipherSuites(), probe.getEnabledCipherSuites());
      return new ServerTls(info, context, ciphers, needClientAuth, peerChecks);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new GoTlsException(e.getMessage());
    }
  }

  public TlsInfo info() {
    return info;
  }

  /** A server engine for one connection. */
  public SSLEngine newEngine() {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    engine.setEnabledProtocols(protocols(engine.getSupportedProtocols()));
    if (ciphers != null) {
      engine.setEnabledCipherSuites(ciphers);
    }
    engine.setNeedClientAuth(needClientAuth);
    engine.setHandshakeApplicationProtocolSelector(
        (e, offered) -> offered.contains(HTTP11) ? HTTP11 : offered.contains(H2) ? H2 : "");
    return engine;
  }

  private static String[] protocols(String[] supported) {
    List<String> s = List.of(supported);
    return s.contains("TLSv1.3") ? new String[] {"TLSv1.3", "TLSv1.2"} : new String[] {"TLSv1.2"};
  }

  /**
   * The checks etcd's TLS listener runs after a handshake: the CRL (when {@code --*crl-file} is
   * set) and, for peers, the client certificate's names against the address it connects from
   * ({@link #sanError}). They read a file and may ask DNS, so they run on {@link #CHECKS}, never on
   * the connection's event loop; with nothing to check the answer is at hand. Completes with null,
   * or the error etcd logs.
   */
  public CompletableFuture<String> afterHandshake(SSLSession session, SocketAddress remote) {
    boolean san = peerChecks && !info.skipClientSanVerify();
    if (info.crlFile().isEmpty() && !san) {
      return CompletableFuture.completedFuture(null);
    }
    try {
      return CompletableFuture.supplyAsync(
          () -> {
            String revoked = revoked(session);
            return revoked != null || !san ? revoked : sanError(session, remote);
          },
          CHECKS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return CompletableFuture.completedFuture("too many TLS connections waiting for their certificate checks");
    }
  }

  /** Threads for {@link #afterHandshake}: a few, with a bounded queue (a flood is refused). */
  private static final java.util.concurrent.ExecutorService CHECKS =
      new java.util.concurrent.ThreadPoolExecutor(
          0,
          2,
          30,
          java.util.concurrent.TimeUnit.SECONDS,
          new java.util.concurrent.LinkedBlockingQueue<>(256),
          r -> {
            Thread t = new Thread(r, "etcdj-tls-checks");
            t.setDaemon(true);
            return t;
          });

  /**
   * etcd's {@code checkCertSAN} for peer connections: a client certificate with IP or DNS names
   * must name the address it connects from — by IP, or by a DNS name that resolves to it (or, for
   * a wildcard, by the address's reverse name). A certificate with neither passes.
   */
  static String sanError(SSLSession session, SocketAddress remote) {
    X509Certificate leaf;
    try {
      leaf = (X509Certificate) session.getPeerCertificates()[0];
    } catch (SSLPeerUnverifiedException none) {
      return null;
    }
    List<String> ips = new java.util.ArrayList<>();
    List<String> dns = new java.util.ArrayList<>();
    try {
      if (leaf.getSubjectAlternativeNames() != null) {
        for (List<?> san : leaf.getSubjectAlternativeNames()) {
          int type = (Integer) san.get(0);
          if (type == 7) {
            ips.add((String) san.get(1));
          } else if (type == 2) {
            dns.add((String) san.get(1));
          }
        }
      }
    } catch (java.security.cert.CertificateParsingException e) {
      return "x509: malformed certificate";
    }
    if (ips.isEmpty() && dns.isEmpty()) {
      return null;
    }
    if (!(remote instanceof java.net.InetSocketAddress inet) || inet.getAddress() == null) {
      return null;
    }
    java.net.InetAddress addr = inet.getAddress();
    String host = addr.getHostAddress();
    String ipError = null;
    if (!ips.isEmpty()) {
      try {
        GoTrustManager.verifyHostname(leaf, host);
        return null;
      } catch (CertificateException e) {
        ipError = e.getMessage();
      }
      if (dns.isEmpty()) {
        return ipError;
      }
    }
    String lookupError = "";
    try {
      String reverse = java.net.InetAddress.getByAddress(addr.getAddress()).getCanonicalHostName();
      for (String name : dns) {
        if (name.startsWith("*.") ? reverse.endsWith(name.substring(1)) : reverse.equals(name)) {
          return null;
        }
      }
    } catch (java.io.IOException e) {
      lookupError = e.getMessage();
    }
    for (String name : dns) {
      if (name.startsWith("*.")) {
        continue;
      }
      try {
        for (java.net.InetAddress a : java.net.InetAddress.getAllByName(name)) {
          if (a.equals(addr)) {
            return null;
          }
        }
      } catch (java.io.IOException e) {
        lookupError = "lookup " + name + ": no such host";
      }
    }
    StringBuilder names = new StringBuilder("[");
    for (int i = 0; i < dns.size(); i++) {
      names.append(i == 0 ? "" : " ").append('"').append(dns.get(i)).append('"');
    }
    names.append(']');
    return "tls: \"" + host + "\" does not match any of DNSNames " + names
        + (lookupError.isEmpty() ? "" : " (" + lookupError + ")");
  }

  /**
   * etcd's {@code checkCRL}, run after a handshake when {@code --client-crl-file} is set: the file
   * is read each time (as etcd does, so an updated list applies at once), and a peer certificate
   * whose serial it lists ends the connection. Returns null, or the error etcd logs.
   */
  String revoked(SSLSession session) {
    if (info.crlFile().isEmpty()) {
      return null;
    }
    java.security.cert.Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException none) {
      return null;
    }
    try {
      byte[] bytes = Files.readAllBytes(Path.of(info.crlFile()));
      for (CRL crl : CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes))) {
        for (java.security.cert.Certificate c : peer) {
          BigInteger serial = ((X509Certificate) c).getSerialNumber();
          if (((X509CRL) crl).getRevokedCertificate(serial) != null) {
            // Go prints big.Int.Bytes(): the magnitude, without Java's sign byte.
            byte[] magnitude = serial.abs().toByteArray();
            int from = magnitude.length > 1 && magnitude[0] == 0 ? 1 : 0;
            return "transport: certificate serial "
                + HexFormat.of().formatHex(magnitude, from, magnitude.length) + " revoked";
          }
        }
      }
      return null;
    } catch (IOException e) {
      return "open " + info.crlFile() + ": " + e.getMessage();
    } catch (GeneralSecurityException | RuntimeException e) {
      return "x509: malformed crl";
    }
  }

  private static X509TrustManager pkix(List<X509Certificate> roots) throws GeneralSecurityException {
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    if (roots == null) {
      f.init((KeyStore) null);
    } else {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      try {
        ks.load(null, null);
      } catch (IOException e) {
        throw new GeneralSecurityException(e);
      }
      for (int i = 0; i < roots.size(); i++) {
        ks.setCertificateEntry("ca-" + i, roots.get(i));
      }
      f.init(ks);
    }
    for (TrustManager tm : f.getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X.509 trust manager");
  }

  /**
   * Verifies a client's chain against the CA bundle, then etcd's {@code VerifyPeerCertificate}:
   * the allowed common name, or the allowed host name in the certificate's names ("client
   * certificate authentication failed").
   */
  private static final class ClientCertCheck extends X509ExtendedTrustManager {
    private final X509TrustManager pkix;
    private final TlsInfo info;

    ClientCertCheck(X509TrustManager pkix, TlsInfo info) {
      this.pkix = pkix;
      this.info = info;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      pkix.checkClientTrusted(chain, authType);
      if (!info.allowedCn().isEmpty() && !info.allowedCn().equals(commonName(chain[0]))) {
        throw new GoTlsException("client certificate authentication failed");
      }
      if (!info.allowedHostname().isEmpty()) {
        try {
          GoTrustManager.verifyHostname(chain[0], info.allowedHostname());
        } catch (CertificateException e) {
          throw new GoTlsException("client certificate authentication failed");
        }
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      throw new CertificateException("a server's trust manager checks clients only");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return pkix.getAcceptedIssuers();
    }
  }

  /** The subject's common name (the last CN, as Go's pkix.Name keeps it), or "". */
  public static String commonName(X509Certificate cert) {
    try {
      javax.naming.ldap.LdapName dn = new javax.naming.ldap.LdapName(cert.getSubjectX500Principal().getName());
      String cn = "";
      for (javax.naming.ldap.Rdn rdn : dn.getRdns()) { // LdapName lists RDNs last-first: the first CN seen wins
        if (rdn.getType().equalsIgnoreCase("CN") && cn.isEmpty()) {
          cn = String.valueOf(rdn.getValue());
        }
      }
      return cn;
    } catch (javax.naming.InvalidNameException e) {
      return "";
    }
  }
}
