package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A {@code unix://localhost:PORT} client URL, as etcd 3.4 serves it: a socket file named {@code localhost:PORT} in the
 * server's working directory, next to a TCP listener; stock etcdctl reaches it with {@code --endpoints
 * unix://localhost:PORT} and gets the same answers from etcd and etcdj.
 */
@Tag("process")
class UnixSocketProcessTest {

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void clientsReachTheServerOverAUnixSocket(EtcdProcess.Kind kind) throws Exception {
    Path dir = Files.createTempDirectory("etcdj-unix-");
    int[] ports = EtcdProcess.freePorts(3);
    String unix = "unix://localhost:" + ports[2];
    Path socket = Paths.get("localhost:" + ports[2]).toAbsolutePath(); // relative to the shared working directory
    String peer = "http://127.0.0.1:" + ports[1];
    List<String> cmd = new ArrayList<>(ServerCommand.of(kind));
    cmd.addAll(
        List.of(
            "--name", "n1",
            "--data-dir", dir.resolve("data").toString(),
            "--listen-client-urls", "http://127.0.0.1:" + ports[0] + "," + unix,
            "--advertise-client-urls", "http://127.0.0.1:" + ports[0],
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "n1=" + peer));
    Path log = dir.resolve("out.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    Process p = pb.start();
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(kind == EtcdProcess.Kind.ETCD ? 20 : 60);
      while (Etcdctl.run(unix, List.of("--dial-timeout", "1s", "put", "k", "v"), null, Duration.ofSeconds(5)).exitCode() != 0) {
        if (!p.isAlive() || System.nanoTime() > deadline) {
          fail(kind + " did not serve on " + unix + "\n" + Files.readString(log));
        }
        Thread.sleep(200);
      }
      assertTrue(Files.exists(socket), "the socket file " + socket);
      Etcdctl.Result get = Etcdctl.run(unix, List.of("get", "k"));
      assertEquals("k\nv\n", get.stdout(), get.stderr());
      Etcdctl.Result tcp = Etcdctl.run("127.0.0.1:" + ports[0], List.of("get", "k", "--print-value-only"));
      assertEquals("v\n", tcp.stdout(), "the TCP listener serves the same store");
      assertTrue(
          Files.readString(log).contains("serving insecure client requests on localhost:" + ports[2] + ", this is strongly discouraged!"),
          Files.readString(log));
    } finally {
      p.destroy();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
      }
      Files.deleteIfExists(socket);
      LogFormatProcessTest.deleteTree(dir);
    }
  }
}
