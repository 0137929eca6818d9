package io.etcdj.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.pki.TlsFiles;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --auto-tls's certificate: what etcd's SelfCert makes, readable by the JDK and by openssl, kept across starts. */
class SelfSignedCertTest {
  @TempDir Path dir;

  @Test
  void aCertificateAsEtcdMakesIt() throws Exception {
    Path fixtures = dir.resolve("fixtures").resolve("client");
    SelfSignedCert.CertFiles made =
        SelfSignedCert.ensure(fixtures, List.of(URI.create("https://127.0.0.1:2379"), URI.create("https://node1.example:2379"), URI.create("https://[::1]:2379")));
    TlsFiles.KeyPair pair = TlsFiles.keyPair(made.cert().toString(), made.key().toString()); // parses, and the key matches
    X509Certificate c = pair.chain()[0];
    assertEquals("O=etcd", c.getSubjectX500Principal().getName());
    assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
    c.verify(c.getPublicKey()); // self-signed
    assertEquals("SHA512withECDSA", c.getSigAlgName());
    assertEquals(List.of("1.3.6.1.5.5.7.3.1"), c.getExtendedKeyUsage());
    assertTrue(c.getKeyUsage()[0] && c.getKeyUsage()[2], "digital signature, key encipherment");
    assertEquals(-1, c.getBasicConstraints(), "not a CA");
    long days = (c.getNotAfter().getTime() - c.getNotBefore().getTime()) / 86_400_000L;
    assertEquals(365, days);
    assertEquals(
        "[[7, 127.0.0.1], [2, node1.example], [7, 0:0:0:0:0:0:0:1]]", String.valueOf(c.getSubjectAlternativeNames()));
    Process p = new ProcessBuilder("/usr/bin/openssl", "x509", "-in", made.cert().toString(), "-noout", "-text").redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), text);
    assertTrue(text.contains("NIST CURVE: P-521") || text.contains("P-521"), text);

    // A second start keeps the files.
    String before = Files.readString(made.cert());
    SelfSignedCert.ensure(fixtures, List.of(URI.create("https://127.0.0.2:2379")));
    assertEquals(before, Files.readString(made.cert()));
    // And the server serves it.
    ServerTls.of(new TlsInfo(made.cert().toString(), made.key().toString(), "", false, "", "", "", List.of(), true, false)).newEngine();
  }
}
