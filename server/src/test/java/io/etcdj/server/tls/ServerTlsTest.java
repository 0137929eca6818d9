package io.etcdj.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.pki.GoTlsException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server side of client TLS, handshaking in memory with a JDK client engine: ALPN as gRPC
 * clients and curl need it, client certificates required with a CA file, the allowed host name,
 * the CRL, cipher suites by Go's names, a rotated certificate served without a restart, and the
 * start-up errors with etcd's texts. Certificates are made with openssl in a temp dir.
 */
class ServerTlsTest {
  @TempDir static Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    Files.writeString(
        dir.resolve("ext.cnf"),
        "[server]\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            + "[client]\nsubjectAltName=DNS:alice.example\nextendedKeyUsage=clientAuth\n"
            + "[here]\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=clientAuth\n"
            + "[elsewhere]\nsubjectAltName=IP:127.0.0.2\nextendedKeyUsage=clientAuth\n"
            + "[ca]\ndefault_ca=own\n[own]\ndatabase=index.txt\ncrlnumber=crlnumber\ndefault_md=sha256\ndefault_crl_days=1\n");
    Files.writeString(dir.resolve("index.txt"), "");
    Files.writeString(dir.resolve("crlnumber"), "01\n");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=test CA");
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=other CA");
    sign("server", "server", "/CN=server", "ca");
    sign("server2", "server", "/CN=rotated server", "ca");
    sign("alice", "client", "/CN=alice", "ca");
    sign("mallory", "client", "/CN=mallory", "ca");
    sign("stranger", "client", "/CN=stranger", "other-ca");
    sign("here", "here", "/CN=here", "ca");
    sign("elsewhere", "elsewhere", "/CN=elsewhere", "ca");
    openssl("ca", "-config", "ext.cnf", "-revoke", "mallory.crt", "-keyfile", "ca.key", "-cert", "ca.crt");
    openssl("ca", "-config", "ext.cnf", "-gencrl", "-keyfile", "ca.key", "-cert", "ca.crt", "-out", "ca.crl");
  }

  private static void sign(String name, String section, String subject, String ca) throws Exception {
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", name + ".key", "-out", name + ".csr", "-subj", subject);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
        "-out", name + ".crt", "-days", "2", "-extfile", "ext.cnf", "-extensions", section);
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
  }

  private static String f(String name) {
    return dir.resolve(name).toString();
  }

  private static TlsInfo info(String ca, boolean clientCertAuth, String crl, String hostname, List<String> ciphers) {
    return new TlsInfo(f("server.crt"), f("server.key"), ca, clientCertAuth, crl, "", hostname, ciphers, false, false);
  }

  /** A client engine trusting the test CA, presenting {@code cert} (or none), offering {@code alpn}. */
  private static SSLEngine client(String cert, String... alpn) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", (X509Certificate) io.etcdj.pki.TlsFiles.caBundle(f("ca.crt")).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    // As Go's clients (and etcdctl's), the certificate goes whatever issuers the server names.
    javax.net.ssl.KeyManager[] km =
        cert == null
            ? null
            : new javax.net.ssl.KeyManager[] {
              new io.etcdj.pki.ClientKeyManager(io.etcdj.pki.TlsFiles.keyPair(f(cert + ".crt"), f(cert + ".key")))
            };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(km, tmf.getTrustManagers(), null);
    SSLEngine e = ctx.createSSLEngine("127.0.0.1", 2379);
    e.setUseClientMode(true);
    SSLParameters p = e.getSSLParameters();
    p.setApplicationProtocols(alpn);
    e.setSSLParameters(p);
    return e;
  }

  /** Runs a handshake between the two engines in memory; returns the server's failure, or null. */
  private static SSLException handshake(SSLEngine client, SSLEngine server) throws Exception {
    ByteBuffer c2s = ByteBuffer.allocate(1 << 17);
    ByteBuffer s2c = ByteBuffer.allocate(1 << 17);
    ByteBuffer app = ByteBuffer.allocate(1 << 17);
    ByteBuffer empty = ByteBuffer.allocate(0);
    client.beginHandshake();
    server.beginHandshake();
    for (int round = 0; round < 200; round++) {
      if (done(client) && done(server)) {
        return null;
      }
      client.wrap(empty, c2s);
      runTasks(client);
      c2s.flip();
      try {
        server.unwrap(c2s, app);
        runTasks(server);
        server.wrap(empty, s2c);
        runTasks(server);
      } catch (SSLException e) {
        return e;
      }
      c2s.compact();
      s2c.flip();
      try {
        client.unwrap(s2c, app);
        runTasks(client);
      } catch (SSLException e) {
        // The client saw the server's alert: the server's own failure was recorded above, or
        // comes with its next unwrap.
        c2s.flip();
        try {
          server.unwrap(c2s, app);
        } catch (SSLException s) {
          return s;
        }
        return e;
      }
      s2c.compact();
    }
    throw new AssertionError("handshake did not finish");
  }

  private static boolean done(SSLEngine e) {
    SSLEngineResult.HandshakeStatus s = e.getHandshakeStatus();
    return s == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING || s == SSLEngineResult.HandshakeStatus.FINISHED;
  }

  private static void runTasks(SSLEngine e) {
    Runnable t;
    while ((t = e.getDelegatedTask()) != null) {
      t.run();
    }
  }

  @Test
  void grpcClientsGetH2AndHttpClientsHttp11() throws Exception {
    ServerTls tls = ServerTls.of(info("", false, "", "", List.of()));
    SSLEngine server = tls.newEngine();
    SSLEngine grpc = client(null, "h2");
    assertEquals(null, handshake(grpc, server));
    assertEquals("h2", server.getApplicationProtocol());
    SSLEngine server2 = tls.newEngine();
    assertEquals(null, handshake(client(null, "h2", "http/1.1"), server2));
    assertEquals("http/1.1", server2.getApplicationProtocol());
    SSLEngine server3 = tls.newEngine();
    assertEquals(null, handshake(client(null), server3));
    assertTrue(server3.getApplicationProtocol() == null || server3.getApplicationProtocol().isEmpty());
    assertTrue(List.of(server.getEnabledProtocols()).containsAll(List.of("TLSv1.2", "TLSv1.3")));
    assertTrue(!List.of(server.getEnabledProtocols()).contains("TLSv1.1"), "TLS 1.2 at least");
  }

  @Test
  void aCaFileRequiresAClientCertificateItSigned() throws Exception {
    ServerTls tls = ServerTls.of(info(f("ca.crt"), false, "", "", List.of()));
    SSLException none = handshake(client(null, "h2"), tls.newEngine());
    assertEquals("tls: client didn't provide a certificate", TlsErrors.goText(none));
    SSLException stranger = handshake(client("stranger", "h2"), tls.newEngine());
    assertEquals(
        "tls: failed to verify client's certificate: x509: certificate signed by unknown authority", TlsErrors.goText(stranger));
    SSLEngine ok = tls.newEngine();
    assertEquals(null, handshake(client("alice", "h2"), ok));
    assertEquals("alice", ServerTls.commonName((X509Certificate) ok.getSession().getPeerCertificates()[0]));
  }

  @Test
  void theAllowedHostnameMustBeInTheClientsCertificate() throws Exception {
    assertEquals(null, handshake(client("alice", "h2"), ServerTls.of(info(f("ca.crt"), true, "", "alice.example", List.of())).newEngine()));
    SSLException wrong = handshake(client("alice", "h2"), ServerTls.of(info(f("ca.crt"), true, "", "bob.example", List.of())).newEngine());
    assertEquals("client certificate authentication failed", TlsErrors.goText(wrong));
  }

  @Test
  void theAllowedCommonNameMustBeTheClientsExactly() throws Exception {
    TlsInfo alice = new TlsInfo(f("server.crt"), f("server.key"), f("ca.crt"), true, "", "alice", "", List.of(), false, false);
    assertEquals(null, handshake(client("alice", "h2"), ServerTls.forPeers(alice).newEngine()));
    TlsInfo bob = new TlsInfo(f("server.crt"), f("server.key"), f("ca.crt"), true, "", "ali", "", List.of(), false, false);
    assertEquals("client certificate authentication failed", TlsErrors.goText(handshake(client("alice", "h2"), ServerTls.forPeers(bob).newEngine())));
  }

  @Test
  void aRevokedCertificateFailsTheCrlCheckAfterTheHandshake() throws Exception {
    ServerTls tls = ServerTls.of(info(f("ca.crt"), true, f("ca.crl"), "", List.of()));
    SSLEngine good = tls.newEngine();
    assertEquals(null, handshake(client("alice", "h2"), good));
    assertEquals(null, tls.revoked(good.getSession()));
    SSLEngine bad = tls.newEngine();
    assertEquals(null, handshake(client("mallory", "h2"), bad));
    String serial = ((X509Certificate) bad.getSession().getPeerCertificates()[0]).getSerialNumber().toString(16);
    String revoked = tls.revoked(bad.getSession());
    assertTrue(revoked.matches("transport: certificate serial [0-9a-f]+ revoked"), revoked);
    assertTrue(revoked.contains(serial.replaceFirst("^0+", "")), revoked + " vs " + serial);
  }

  @Test
  void aPeersCertificateMustNameTheAddressItConnectsFrom() throws Exception {
    java.net.InetSocketAddress from = new java.net.InetSocketAddress("127.0.0.1", 40000);
    ServerTls peers = ServerTls.forPeers(info(f("ca.crt"), true, "", "", List.of()));
    SSLEngine here = peers.newEngine();
    assertEquals(null, handshake(client("here", "h2"), here));
    assertEquals(null, peers.afterHandshake(here.getSession(), from).get());
    SSLEngine elsewhere = peers.newEngine();
    assertEquals(null, handshake(client("elsewhere", "h2"), elsewhere));
    assertEquals("x509: certificate is valid for 127.0.0.2, not 127.0.0.1", peers.afterHandshake(elsewhere.getSession(), from).get());
    // The client port does not check it, nor a peer port told to skip it.
    assertEquals(null, ServerTls.of(info(f("ca.crt"), true, "", "", List.of())).afterHandshake(elsewhere.getSession(), from).get());
    TlsInfo skip = new TlsInfo(f("server.crt"), f("server.key"), f("ca.crt"), true, "", "", "", List.of(), true, false);
    assertEquals(null, ServerTls.forPeers(skip).afterHandshake(elsewhere.getSession(), from).get());
  }

  @Test
  void cipherSuitesAreGosNamesForTls12Only() throws Exception {
    ServerTls tls = ServerTls.of(info("", false, "", "", List.of("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", "TLS_AES_128_GCM_SHA256")));
    List<String> enabled = List.of(tls.newEngine().getEnabledCipherSuites());
    assertEquals("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", enabled.get(0));
    assertTrue(enabled.contains("TLS_AES_128_GCM_SHA256") && enabled.contains("TLS_AES_256_GCM_SHA384"), enabled.toString());
    assertTrue(!enabled.contains("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), enabled.toString());
    assertEquals("unexpected TLS cipher suite \"FOO\"",
        assertThrows(IllegalArgumentException.class, () -> CipherSuites.check(List.of("FOO"))).getMessage());
    GoTlsException rc4 = assertThrows(GoTlsException.class, () -> ServerTls.of(info("", false, "", "", List.of("TLS_RSA_WITH_RC4_128_SHA"))));
    assertTrue(rc4.getMessage().contains("not available in this Java runtime"), rc4.getMessage());
  }

  @Test
  void aRotatedCertificateIsServedWithoutARestart() throws Exception {
    Path crt = dir.resolve("live.crt");
    Path key = dir.resolve("live.key");
    Files.copy(dir.resolve("server.crt"), crt, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(dir.resolve("server.key"), key, StandardCopyOption.REPLACE_EXISTING);
    ServerTls tls = ServerTls.of(new TlsInfo(crt.toString(), key.toString(), "", false, "", "", "", List.of(), true, false));
    SSLEngine c1 = client(null, "h2");
    assertEquals(null, handshake(c1, tls.newEngine()));
    assertEquals("server", ServerTls.commonName((X509Certificate) c1.getSession().getPeerCertificates()[0]));
    Files.copy(dir.resolve("server2.crt"), crt, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(dir.resolve("server2.key"), key, StandardCopyOption.REPLACE_EXISTING);
    Files.setLastModifiedTime(crt, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
    SSLEngine c2 = client(null, "h2");
    assertEquals(null, handshake(c2, tls.newEngine()));
    assertEquals("rotated server", ServerTls.commonName((X509Certificate) c2.getSession().getPeerCertificates()[0]));
  }

  @Test
  void startUpErrorsAreEtcds() {
    assertEquals("KeyFile and CertFile must both be present[key: , cert: a.crt]",
        assertThrows(GoTlsException.class, () -> ServerTls.of(new TlsInfo("a.crt", "", "", false, "", "", "", List.of(), true, false))).getMessage());
    assertEquals("open " + f("nope.key") + ": no such file or directory",
        assertThrows(GoTlsException.class, () -> ServerTls.of(new TlsInfo(f("server.crt"), f("nope.key"), "", false, "", "", "", List.of(), true, false))).getMessage());
    assertEquals("AllowedCN and AllowedHostname are mutually exclusive (cn=\"a\", hostname=\"b\")",
        assertThrows(GoTlsException.class, () -> ServerTls.of(new TlsInfo(f("server.crt"), f("server.key"), "", false, "", "a", "b", List.of(), true, false))).getMessage());
  }
}
