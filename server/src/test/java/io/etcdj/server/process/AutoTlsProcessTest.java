package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --auto-tls}: the member serves https:// with a certificate it made itself in {@code
 * <data-dir>/fixtures/client}, kept across restarts; stock etcdctl reaches it with {@code
 * --insecure-skip-tls-verify}. The same on real etcd.
 */
@Tag("process")
class AutoTlsProcessTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void aGeneratedCertificateServesTlsAndIsKept(EtcdProcess.Kind kind) throws Exception {
    int[] ports = EtcdProcess.freePorts(2);
    // etcdctl makes a TLS config of its own only with files or --insecure-transport=false; then it skips verifying.
    List<String> ctl = List.of("--insecure-transport=false", "--insecure-skip-tls-verify");
    try (EtcdProcess server = EtcdProcess.tls(kind, "auto-tls", ports[0], ports[1], 0, List.of("--auto-tls"), ctl)) {
      server.start();
      String endpoint = "https://127.0.0.1:" + ports[0];
      Etcdctl.Result put = Etcdctl.run(null, List.of("--endpoints", endpoint, "--insecure-transport=false", "--insecure-skip-tls-verify", "put", "k", "v"), null, TIMEOUT);
      assertEquals(0, put.exitCode(), put.toString());
      Path cert = server.dataDir().resolve("fixtures").resolve("client").resolve("cert.pem");
      assertTrue(Files.exists(cert) && Files.exists(cert.resolveSibling("key.pem")), "fixtures/client/{cert,key}.pem");
      String first = Files.readString(cert);
      Etcdctl.Result verified = Etcdctl.run(null, List.of("--endpoints", endpoint, "--command-timeout", "2s", "get", "k"), null, TIMEOUT);
      assertTrue(verified.exitCode() != 0, "a self-signed certificate does not verify: " + verified);
      server.stop();
      server.start();
      assertEquals(first, Files.readString(cert), "the certificate is kept across restarts");
      Etcdctl.Result get = Etcdctl.run(null, List.of("--endpoints", endpoint, "--insecure-transport=false", "--insecure-skip-tls-verify", "get", "k", "--print-value-only"), null, TIMEOUT);
      assertEquals("v", get.stdout().trim(), get.toString());
    }
  }
}
