package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * etcd's {@code --config-file} on etcd and etcdj: the same YAML gives the same member (name, peer and client URLs,
 * cluster token), the command line and {@code ETCD_*} variables are ignored, and a file with a wrongly typed value is
 * refused with the same message.
 */
@Tag("process")
class ConfigFileProcessTest {

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void theFileDecidesTheMember(EtcdProcess.Kind kind) throws Exception {
    Path dir = Files.createTempDirectory("etcdj-cfgfile-");
    int[] ports = EtcdProcess.freePorts(2);
    String client = "http://127.0.0.1:" + ports[0];
    String peer = "http://127.0.0.1:" + ports[1];
    Path file = dir.resolve("etcd.conf.yml");
    Files.writeString(
        file,
        String.join(
            "\n",
            "# etcd's sample layout: keys are flag names",
            "name: from-file",
            "data-dir: " + dir.resolve("data"),
            "listen-client-urls: " + client,
            "advertise-client-urls: " + client,
            "listen-peer-urls: " + peer,
            "initial-advertise-peer-urls: " + peer,
            "initial-cluster: from-file=" + peer,
            "initial-cluster-token: file-token",
            "initial-cluster-state: new",
            "snapshot-count: 10000",
            "heartbeat-interval: 100",
            "election-timeout: 1000",
            "logger: zap",
            "log-outputs: [stderr]",
            "grpc-keepalive-min-time: 5000000000",
            "not-an-etcd-key: 1",
            ""),
        StandardCharsets.UTF_8);
    Path log = dir.resolve("out.log");
    List<String> cmd = new ArrayList<>(ServerCommand.of(kind));
    cmd.addAll(List.of("--config-file", file.toString(), "--name", "from-flag", "--data-dir", dir.resolve("x").toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    pb.environment().put("ETCD_INITIAL_CLUSTER_TOKEN", "from-env");
    pb.environment().put("ETCD_LOGGER", "capnslog");
    Process p = pb.start();
    try {
      String endpoint = "127.0.0.1:" + ports[0];
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(kind == EtcdProcess.Kind.ETCD ? 20 : 60);
      Etcdctl.Result members;
      while (true) {
        members = Etcdctl.run(endpoint, List.of("--dial-timeout", "1s", "member", "list"), null, Duration.ofSeconds(5));
        if (members.exitCode() == 0) {
          break;
        }
        if (!p.isAlive() || System.nanoTime() > deadline) {
          fail(kind + " did not serve from its config file\n" + Files.readString(log));
        }
        Thread.sleep(200);
      }
      String line = members.stdout().strip();
      assertEquals(
          "started, from-file, " + peer + ", " + client + ", false",
          line.substring(line.indexOf(", ") + 2),
          kind + ": the name and URLs come from the file");
      assertTrue(Files.readString(log).contains("loaded server configuration, other configuration command line flags"
          + " and environment variables will be ignored if provided"), Files.readString(log));
      assertTrue(Files.exists(dir.resolve("data/member")), "the file's data dir");
      assertTrue(!Files.exists(dir.resolve("x")), "not the flag's");
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      LogFormatProcessTest.deleteTree(dir);
    }
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void aWronglyTypedValueIsGosJsonError(EtcdProcess.Kind kind) throws Exception {
    Path dir = Files.createTempDirectory("etcdj-cfgbad-");
    try {
      Path file = dir.resolve("bad.yml");
      Files.writeString(file, "name: x\ndata-dir: " + dir.resolve("data") + "\nsnapshot-count: many\n");
      List<String> cmd = new ArrayList<>(ServerCommand.of(kind));
      cmd.addAll(List.of("--config-file", file.toString()));
      ServerCommand.Result r = ServerCommand.run(cmd, Map.of(), 60);
      assertEquals(1, r.exitCode(), r.output());
      assertTrue(r.output().contains("I | etcdmain: Loading server configuration from \"" + file + "\""), r.output());
      assertTrue(
          r.output().contains("E | etcdmain: error verifying flags, error unmarshaling JSON: while decoding JSON: json:"
              + " cannot unmarshal string into Go struct field configYAML.snapshot-count of type uint64. See 'etcd --help'."),
          r.output());
    } finally {
      LogFormatProcessTest.deleteTree(dir);
    }
  }
}
