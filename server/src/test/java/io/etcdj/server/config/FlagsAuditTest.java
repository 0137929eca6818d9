package io.etcdj.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The logging, gRPC and config-file flags, and the etcd flags etcdj refuses (checked against etcd 3.4.23 live). */
class FlagsAuditTest {

  private static ServerConfig parse(String... args) {
    return Flags.parse(args, Map.of());
  }

  private static FlagException refused(String... args) {
    return assertThrows(FlagException.class, () -> parse(args));
  }

  @Test
  void loggingDefaultsAreEtcd34s() {
    LogSettings l = parse().logging();
    assertEquals("capnslog", l.logger());
    assertEquals(List.of("default"), l.outputs());
    assertEquals("info", l.level());
    assertEquals(
        List.of("[WARNING] Deprecated '--logger=capnslog' flag is set; use '--logger=zap' flag instead"),
        l.deprecationWarnings());
  }

  @Test
  void zapTakesSeveralOutputsSortedAndDistinct() {
    LogSettings l = parse("--logger=zap", "--log-outputs=stdout,/tmp/a.log,stdout").logging();
    assertEquals(List.of("/tmp/a.log", "stdout"), l.outputs());
    assertTrue(l.zap());
    assertEquals(List.of(), l.deprecationWarnings());
  }

  @Test
  void debugIsDeprecatedDebugLevel() {
    LogSettings l = parse("--debug").logging();
    assertEquals("debug", l.effectiveLevel());
    assertTrue(l.deprecationWarnings().contains(
        "[WARNING] Deprecated '--debug' flag is set to true with inconsistent '--log-level=info' flag"));
    assertEquals("debug", parse("--debug").logLevel());
  }

  @Test
  void deprecatedLogOutputIsUsedWhenAlone() {
    assertEquals(List.of("stdout"), parse("--log-output=stdout").logging().outputs());
    assertEquals(
        "both '--log-output' and '--log-outputs' are set; only set '--log-outputs'",
        refused("--log-output=stdout", "--log-outputs=stderr").getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--logger=foo|1|unknown logger option \"foo\"",
        "--log-outputs=/tmp/x.log|1|unknown log-output \"/tmp/x.log\" (only supports \"default\", \"stderr\", \"stdout\")",
        "--log-outputs=stdout,stderr|1|--logger=capnslog supports only 1 value in '--log-outputs', got [\"stderr\" \"stdout\"]",
        "--log-level=loud|2|panic: unknown level \"loud\"",
      })
  void badLoggingFlagsAreEtcdsErrors(String arg, int code, String message) {
    FlagException e = refused(arg);
    assertEquals(code, e.exitCode());
    assertEquals(message, e.getMessage());
  }

  @Test
  void zapRefusesDefaultAmongOthers() {
    assertEquals(
        "multi logoutput for \"default\" is not supported yet",
        refused("--logger=zap", "--log-outputs=default,stderr").getMessage());
  }

  @Test
  void grpcDefaultsAreEtcds() {
    GrpcSettings g = parse().grpc();
    assertEquals(4_294_967_295L, g.maxConcurrentStreams());
    assertEquals(Integer.MAX_VALUE, g.maxConcurrentCallsPerConnection());
    assertEquals(5_000_000_000L, g.keepaliveMinTimeNanos());
    assertEquals(7_200_000_000_000L, g.keepaliveIntervalNanos());
    assertEquals(20_000_000_000L, g.keepaliveTimeoutNanos());
    assertTrue(g.serverPings());
  }

  @Test
  void grpcFlagsAreRead() {
    GrpcSettings g =
        parse(
                "--max-concurrent-streams=100",
                "--grpc-keepalive-min-time=1s",
                "--grpc-keepalive-interval=30s",
                "--grpc-keepalive-timeout=0")
            .grpc();
    assertEquals(100, g.maxConcurrentCallsPerConnection());
    assertEquals(1_000_000_000L, g.keepaliveMinTimeNanos());
    assertEquals(30_000_000_000L, g.keepaliveIntervalNanos());
    assertEquals(false, g.serverPings(), "no server pings without a timeout, as etcd");
    assertEquals(2, refused("--max-concurrent-streams=4294967296").exitCode());
    assertEquals(2, refused("--grpc-keepalive-interval=soon").exitCode());
  }

  static List<String> everyRefusedFlag() {
    return List.copyOf(UnsupportedFlags.FLAGS.keySet());
  }

  /** Each refused flag: refused with a value etcdj cannot honour, named in the message; its accepted value passes. */
  @ParameterizedTest
  @MethodSource("everyRefusedFlag")
  void unsupportedFlagsAreRefusedByName(String flag) {
    UnsupportedFlags.Refusal r = UnsupportedFlags.FLAGS.get(flag);
    String bad = r.bool() ? (r.accepted().contains("true") ? "false" : "true") : "etcdj-cannot-do-this";
    FlagException e = refused("--" + flag + "=" + bad);
    assertEquals(2, e.exitCode());
    assertTrue(e.getMessage().startsWith("--" + flag + "=" + bad + " is not supported by etcdj: "), e.getMessage());
    for (String ok : r.accepted()) {
      parse("--" + flag + "=" + ok); // what etcdj does anyway
    }
    FlagException fromEnv =
        assertThrows(FlagException.class, () -> Flags.parse(new String[0], Map.of(Flags.envName(flag), bad)));
    assertEquals(1, fromEnv.exitCode());
    assertTrue(fromEnv.getMessage().contains(Flags.envName(flag)), fromEnv.getMessage());
  }

  @Test
  void unsupportedSeparateValueAndBareBoolForms() {
    assertTrue(refused("--discovery", "https://d.example/x").getMessage().contains("discovery is not supported"));
    assertTrue(refused("--enable-v2").getMessage().startsWith("--enable-v2=true is not supported"));
    assertEquals("n", parse("--auth-token", "simple", "--name", "n").name());
    assertEquals(List.of(), Flags.unrecognizedEnvironment(Map.of("ETCD_CORS", "*")));
  }

  @Test
  void clientTlsFlagsAsEtcdReadsThem() {
    io.etcdj.server.tls.TlsInfo info =
        parse("--cert-file=a.crt", "--key-file", "a.key", "--trusted-ca-file=ca.crt", "--client-cert-auth",
                "--client-crl-file=x.crl", "--client-cert-allowed-hostname=h.example",
                "--cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305")
            .clientTls();
    assertEquals("cert = a.crt, key = a.key, trusted-ca = ca.crt, client-cert-auth = true, crl-file = x.crl", info.toString());
    assertEquals("h.example", info.allowedHostname());
    assertEquals(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305"), info.cipherSuites());
    assertEquals("unexpected TLS cipher suite \"FOO\"", refused("--cipher-suites=FOO").getMessage());
    assertEquals(
        "TLS key/cert (--cert-file, --key-file) must be provided for client url https://127.0.0.1:2379 with HTTPS scheme",
        refused("--listen-client-urls=https://127.0.0.1:2379").getMessage());
    assertEquals("https", parse("--listen-client-urls=https://127.0.0.1:2379", "--cert-file=a", "--key-file=b").listenClientUrls().get(0).getScheme());
    assertEquals(
        "cannot listen on TLS for 127.0.0.1:2380: KeyFile and CertFile are not presented",
        refused("--listen-peer-urls=https://127.0.0.1:2380").getMessage());
    io.etcdj.server.tls.TlsInfo peer =
        parse("--listen-peer-urls=https://127.0.0.1:2380", "--initial-advertise-peer-urls=https://127.0.0.1:2380",
                "--peer-cert-file=p.crt", "--peer-key-file=p.key", "--peer-client-cert-auth", "--peer-trusted-ca-file=ca.crt",
                "--peer-cert-allowed-cn=etcd", "--peer-crl-file=p.crl", "--experimental-peer-skip-client-san-verification")
            .peerTls();
    assertEquals("cert = p.crt, key = p.key, trusted-ca = ca.crt, client-cert-auth = true, crl-file = p.crl", peer.toString());
    assertEquals(List.of("etcd", true), List.of(peer.allowedCn(), peer.skipClientSanVerify()));
  }

  @Test
  void unixSocketsServeClientsOnly() {
    assertEquals("unix", parse("--listen-client-urls=unix://localhost:2379").listenClientUrls().get(0).getScheme());
    FlagException peer = refused("--listen-peer-urls=unix://localhost:2380");
    assertEquals(2, peer.exitCode());
    assertTrue(peer.getMessage().contains("not supported by etcdj"), peer.getMessage());
    assertEquals("TLS (unixs://localhost:2379) is not supported yet", refused("--listen-client-urls=unixs://localhost:2379").getMessage());
  }

  @Test
  void theLastOfARepeatedFlagWinsAsInGo() {
    assertEquals("b", parse("--name", "a", "--name=b").name());
  }

  @Test
  void configFileReplacesFlagsAndEnvironment(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("etcd.yml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "name: from-file",
            "data-dir: " + dir.resolve("data"),
            "listen-client-urls: http://127.0.0.1:1,http://127.0.0.1:2",
            "advertise-client-urls: http://127.0.0.1:1",
            "listen-peer-urls: http://127.0.0.1:3",
            "initial-advertise-peer-urls: http://127.0.0.1:3",
            "initial-cluster: from-file=http://127.0.0.1:3",
            "snapshot-count: 1000",
            "heartbeat-interval: 50",
            "election-timeout: 500",
            "strict-reconfig-check: false",
            "grpc-keepalive-min-time: 1000000000",
            "logger: zap",
            "log-outputs: [stdout]",
            "unknown-key: ignored as etcd does",
            ""));
    ServerConfig c =
        Flags.parse(
            new String[] {"--config-file", file.toString(), "--name", "ignored"}, Map.of("ETCD_SNAPSHOT_COUNT", "7"));
    assertEquals("from-file", c.name());
    assertEquals(dir.resolve("data"), c.dataDir());
    assertEquals(2, c.listenClientUrls().size());
    assertEquals(1000, c.snapshotCount());
    assertEquals(50, c.heartbeatIntervalMs());
    assertEquals(false, c.strictReconfigCheck());
    assertEquals(1_000_000_000L, c.grpc().keepaliveMinTimeNanos());
    assertEquals(List.of("stdout"), c.logging().outputs());
    assertEquals(file, c.configFile());
    assertNull(parse().configFile());
    assertEquals("from-file", Flags.parse(new String[0], Map.of("ETCD_CONFIG_FILE", file.toString())).name());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "snapshot-count: abc|error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field configYAML.snapshot-count of type uint64",
        "name: 123|error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number into Go struct field configYAML.name of type string",
        "grpc-keepalive-min-time: 5s|error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field configYAML.grpc-keepalive-min-time of type time.Duration",
        "log-outputs: stderr|error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field configYAML.log-outputs of type []string",
        "snapshot-count: -5|error unmarshaling JSON: while decoding JSON: json: cannot unmarshal number -5 into Go struct field configYAML.snapshot-count of type uint64",
      })
  void configFileTypeErrorsAreGos(String yaml, String message, @TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.yml");
    Files.writeString(file, yaml + "\n");
    FlagException e = assertThrows(FlagException.class, () -> parse("--config-file=" + file));
    assertEquals(1, e.exitCode());
    assertEquals(message, e.getMessage());
  }

  @Test
  void configFileProblems(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("none.yml");
    assertEquals("open " + missing + ": no such file or directory", refused("--config-file=" + missing).getMessage());
    Path broken = dir.resolve("broken.yml");
    Files.writeString(broken, "name: [x\n");
    assertTrue(
        refused("--config-file=" + broken).getMessage().startsWith("error converting YAML to JSON: yaml: line "));
    Path tls = dir.resolve("tls.yml");
    Files.writeString(tls, "peer-transport-security:\n  cert-file: /etc/x.pem\n  auto-tls: true\n");
    assertEquals(List.of("/etc/x.pem", true), List.of(parse("--config-file=" + tls).peerTls().certFile(), parse("--config-file=" + tls).peerTls().autoTls()));
    Path clientTls = dir.resolve("client-tls.yml");
    Files.writeString(
        clientTls,
        "client-transport-security:\n  cert-file: /etc/x.pem\n  key-file: /etc/x.key\n  client-cert-auth: true\n  trusted-ca-file: /etc/ca.pem\n");
    io.etcdj.server.tls.TlsInfo info = parse("--config-file=" + clientTls).clientTls();
    assertEquals(List.of("/etc/x.pem", "/etc/x.key", "/etc/ca.pem", true), List.of(info.certFile(), info.keyFile(), info.trustedCaFile(), info.clientCertAuth()));
    Path empty = dir.resolve("empty.yml");
    Files.writeString(empty, "");
    assertEquals("default", parse("--config-file=" + empty, "--name=ignored").name());
  }
}
