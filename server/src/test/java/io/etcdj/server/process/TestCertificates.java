package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CA and certificates made with openssl in a test's temp dir: a server certificate for 127.0.0.1
 * and localhost, a client certificate (CN "client", PKCS#8 key), and one from an unrelated CA
 * ("stranger"); peer certificates (server and client use, for 127.0.0.1) from the CA ("peer") and
 * from the other CA ("stranger-peer"). Two days valid.
 */
final class TestCertificates {
  static final String OPENSSL = System.getProperty("etcdj.process.openssl", "/usr/bin/openssl");
  private final Path dir;

  private TestCertificates(Path dir) {
    this.dir = dir;
  }

  static TestCertificates make(Path dir) throws Exception {
    TestCertificates c = new TestCertificates(dir);
    Files.writeString(
        dir.resolve("openssl.cnf"),
        "[server]\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            + "[client]\nextendedKeyUsage=clientAuth\n"
            + "[peer]\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
    c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=etcdj test CA");
    c.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2", "-subj", "/CN=other CA");
    c.sign("server", "server", "/CN=etcd server", "ca");
    c.sign("client", "client", "/CN=client", "ca");
    c.sign("stranger", "client", "/CN=stranger", "other-ca");
    c.sign("peer", "peer", "/CN=etcd peer", "ca");
    c.sign("stranger-peer", "peer", "/CN=stranger peer", "other-ca");
    return c;
  }

  /** Copies {@code from}'s certificate and key to {@code to}'s names (a member's own files). */
  void copy(String from, String to) throws java.io.IOException {
    for (String ext : List.of(".crt", ".key")) {
      Files.copy(dir.resolve(from + ext), dir.resolve(to + ext), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
  }

  String file(String name) {
    return dir.resolve(name).toString();
  }

  private void sign(String name, String section, String subject, String ca) throws Exception {
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", name + ".key");
    openssl("req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", subject);
    openssl("x509", "-req", "-in", name + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key", "-CAcreateserial",
        "-out", name + ".crt", "-days", "2", "-extfile", "openssl.cnf", "-extensions", section);
  }

  private void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(OPENSSL));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
  }
}
