package io.etcdj.etcdctl.client.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.etcdj.pki.GoTlsException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** etcdctl's choice of TLS config from its flags and the endpoint's scheme (clientv3's). */
class ClientTlsTest {
  @TempDir static Path dir;

  @BeforeAll
  static void makeCertificate() throws Exception {
    Process p =
        new ProcessBuilder("/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rsa8.key",
                "-out", "rsa8.crt", "-days", "1", "-subj", "/CN=rsa8")
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
  }

  private static String path(String name) {
    return dir.resolve(name).toString();
  }

  @Test
  void clientTlsNeedsCertAndKeyTogether() {
    GoTlsException e = assertThrows(GoTlsException.class, () -> ClientTls.of("a.crt", "", "", true, false));
    assertEquals("KeyFile and CertFile must both be present[key: , cert: a.crt]", e.getMessage());
    e = assertThrows(GoTlsException.class, () -> ClientTls.of("", "a.key", "", true, false));
    assertEquals("KeyFile and CertFile must both be present[key: a.key, cert: ]", e.getMessage());
  }

  @Test
  void schemePicksTheCredentialsAsClientv3Does() throws Exception {
    ClientTls none = ClientTls.of("", "", "", true, true);
    assertEquals(null, none.forScheme(""));
    assertEquals(null, none.forScheme("http"));
    assertEquals(true, none.forScheme("https") != null); // a default config: https:// alone means TLS
    ClientTls files = ClientTls.of("", "", path("rsa8.crt"), true, false);
    assertEquals(files.forScheme(""), files.forScheme("https"));
    assertEquals(null, files.forScheme("http")); // http:// is cleartext even with TLS files
    assertEquals(true, ClientTls.of("", "", "", false, false).forScheme("") != null);
  }

}
