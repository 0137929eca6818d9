package io.etcdj.pki;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PEM, DER and key parsing against keys and certificates openssl makes in a temp dir: every key
 * format etcdctl users have (PKCS#8 RSA/EC/Ed25519, PKCS#1 RSA, SEC1 EC) loads with its
 * certificate, and the failures carry Go's texts (checked against stock etcdctl 3.4.23).
 */
class TlsFilesTest {
  static final String OPENSSL = "/usr/bin/openssl";

  @TempDir static Path dir;

  @BeforeAll
  static void makeKeys() throws Exception {
    Files.writeString(dir.resolve("text.txt"), "no pem here\n");
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "rsa8.key");
    openssl("genrsa", "-traditional", "-out", "rsa1.key", "2048");
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ec1.key");
    openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", "ec8.key");
    openssl("genpkey", "-algorithm", "ED25519", "-out", "ed8.key");
    for (String k : List.of("rsa8", "rsa1", "ec1", "ec8", "ed8")) {
      openssl("req", "-x509", "-new", "-key", k + ".key", "-out", k + ".crt", "-days", "1", "-subj", "/CN=" + k,
          "-addext", "subjectAltName=DNS:host.example,DNS:*.wild.example,IP:127.0.0.1");
    }
  }

  @ParameterizedTest
  @CsvSource({
    "rsa8, PRIVATE KEY, RSA",
    "rsa1, RSA PRIVATE KEY, RSA",
    "ec1, EC PRIVATE KEY, EC",
    "ec8, PRIVATE KEY, EC",
    "ed8, PRIVATE KEY, EdDSA"
  })
  void loadsEveryKeyFormatWithItsCertificate(String name, String pemType, String algorithm) throws Exception {
    assertEquals("-----BEGIN " + pemType + "-----", Files.readAllLines(dir.resolve(name + ".key")).get(0));
    TlsFiles.KeyPair pair = TlsFiles.keyPair(path(name + ".crt"), path(name + ".key"));
    assertEquals(algorithm, pair.key().getAlgorithm());
    assertEquals(1, pair.chain().length);
    assertEquals("CN=" + name, pair.chain()[0].getSubjectX500Principal().getName());
  }

  @Test
  void pkcs1AndSec1AreWrappedIntoTheSamePkcs8AsOpenssl() throws Exception {
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "rsa1.key", "-out", "rsa1-as8.key");
    openssl("pkcs8", "-topk8", "-nocrypt", "-in", "ec1.key", "-out", "ec1-as8.key");
    assertArrayEquals(onlyBlock("rsa1-as8.key"), PrivateKeys.pkcs1(onlyBlock("rsa1.key")).getEncoded());
    // The JDK re-encodes EC keys its own way, so compare the secret scalar.
    assertEquals(
        ((java.security.interfaces.ECPrivateKey) PrivateKeys.pkcs8(onlyBlock("ec1-as8.key"))).getS(),
        ((java.security.interfaces.ECPrivateKey) PrivateKeys.sec1(onlyBlock("ec1.key"))).getS());
  }

  @Test
  void keyParsingGoesByContentNotByPemType() throws Exception {
    // Go's parsePrivateKey tries PKCS#1, PKCS#8 and SEC1 whatever the label says.
    String relabeled = Files.readString(dir.resolve("ec1.key")).replace("EC PRIVATE KEY", "PRIVATE KEY");
    Files.writeString(dir.resolve("ec1-relabeled.key"), relabeled);
    assertEquals("EC", TlsFiles.keyPair(path("ec1.crt"), path("ec1-relabeled.key")).key().getAlgorithm());
  }

  @Test
  void failuresReadAsGoReportsThem() throws Exception {
    Files.writeString(dir.resolve("junk-key.pem"), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    Files.writeString(dir.resolve("csr-only.pem"), "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n");
    assertFails("open " + path("nope.crt") + ": no such file or directory", "nope.crt", "rsa8.key");
    assertFails("open " + path("nope.key") + ": no such file or directory", "rsa8.crt", "nope.key");
    assertFails("read " + dir + ": is a directory", "", "rsa8.key");
    assertFails("tls: failed to find any PEM data in certificate input", "text.txt", "rsa8.key");
    assertFails(
        "tls: failed to find certificate PEM data in certificate input, but did find a private key; PEM inputs may have been switched",
        "rsa8.key", "rsa8.key");
    assertFails(
        "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [CERTIFICATE REQUEST]",
        "csr-only.pem", "rsa8.key");
    assertFails("tls: failed to find any PEM data in key input", "rsa8.crt", "text.txt");
    assertFails("tls: found a certificate rather than a key in the PEM for the private key", "rsa8.crt", "rsa8.crt");
    assertFails("tls: failed to parse private key", "rsa8.crt", "junk-key.pem");
    assertFails("tls: private key does not match public key", "rsa8.crt", "rsa1.key");
    assertFails("tls: private key does not match public key", "ec1.crt", "ec8.key");
    assertFails("tls: private key type does not match public key type", "rsa8.crt", "ec1.key");
  }

  @Test
  void caBundleTakesEveryBlockAsACertificate() throws Exception {
    Files.writeString(
        dir.resolve("bundle.pem"),
        "comment\n" + Files.readString(dir.resolve("rsa8.crt")) + "between\n" + Files.readString(dir.resolve("ec1.crt")));
    List<String> names = new ArrayList<>();
    for (X509Certificate c : TlsFiles.caBundle(path("bundle.pem"))) {
      names.add(c.getSubjectX500Principal().getName());
    }
    assertEquals(List.of("CN=rsa8", "CN=ec1"), names);
    assertEquals(List.of(), TlsFiles.caBundle(path("text.txt")));
    GoTlsException e = assertThrows(GoTlsException.class, () -> TlsFiles.caBundle(path("rsa8.key")));
    assertEquals("x509: malformed tbs certificate", e.getMessage());
    Files.writeString(dir.resolve("short.pem"), "-----BEGIN CERTIFICATE-----\nAgEB\n-----END CERTIFICATE-----\n");
    e = assertThrows(GoTlsException.class, () -> TlsFiles.caBundle(path("short.pem")));
    assertEquals("x509: malformed certificate", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "host.example|",
        "HOST.example.|",
        "a.wild.example|",
        "127.0.0.1|",
        "a.b.wild.example|x509: certificate is valid for host.example, *.wild.example, not a.b.wild.example",
        "wild.example|x509: certificate is valid for host.example, *.wild.example, not wild.example",
        "127.0.0.2|x509: certificate is valid for 127.0.0.1, not 127.0.0.2",
      })
  void hostnamesAreCheckedByGoRules(String host, String error) throws Exception {
    X509Certificate leaf = TlsFiles.keyPair(path("rsa8.crt"), path("rsa8.key")).chain()[0];
    if (error == null) {
      GoTrustManager.verifyHostname(leaf, host);
    } else {
      GoTlsException e = assertThrows(GoTlsException.class, () -> GoTrustManager.verifyHostname(leaf, host));
      assertEquals(error, e.getMessage());
    }
  }

  private static void assertFails(String goText, String cert, String key) {
    GoTlsException e = assertThrows(GoTlsException.class, () -> TlsFiles.keyPair(path(cert), path(key)));
    assertEquals(goText, e.getMessage());
  }

  private static byte[] onlyBlock(String file) throws Exception {
    List<Pem.Block> blocks = Pem.decodeAll(Files.readAllBytes(dir.resolve(file)));
    assertEquals(1, blocks.size());
    return blocks.get(0).bytes();
  }

  private static String path(String name) {
    return name.isEmpty() ? dir.toString() : dir.resolve(name).toString();
  }

  private static void openssl(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(OPENSSL));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + "\n" + out);
  }
}
