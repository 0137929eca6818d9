package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Global options of etcdj's etcdctl next to stock etcdctl's, on one etcdj server: {@code ETCDCTL_*} variables (used,
 * unknown, shadowed by a flag, unparsable), endpoint failover past a dead endpoint, and a cluster with no live
 * endpoint. Every case runs read-only commands, so stock and ours see the same server state.
 */
@Tag("process")
class CtlGlobalOptionsTest {
  private static final List<EtcdProcess> SERVERS = new ArrayList<>();
  private static EtcdProcess server;
  private static String dead;

  @BeforeAll
  static void start() {
    for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
      EtcdProcess p = EtcdProcess.start(kind, "ctl-global");
      SERVERS.add(p);
      Etcdctl.run(p.endpoint(), List.of("put", "k", "v"));
    }
    dead = "127.0.0.1:" + EtcdProcess.freePorts(1)[0];
  }

  @AfterAll
  static void stop() {
    SERVERS.forEach(EtcdProcess::close);
  }

  /** Runs a case once per server kind (etcd answers auth calls, etcdj has no Auth service yet). */
  private static void onEachServer(Runnable test) {
    for (EtcdProcess p : SERVERS) {
      server = p;
      test.run();
    }
  }

  @Test
  void environmentVariables() {
    onEachServer(
        () -> {
          String ep = server.endpoint();
          same(List.of("get", "k"), Map.of("ETCDCTL_ENDPOINTS", ep, "ETCDCTL_WRITE_OUT", "fields"), null);
          same(List.of("get", "k"), Map.of("ETCDCTL_ENDPOINTS", ep, "ETCDCTL_HEX", "true"), null);
          same(List.of("get", "k"), Map.of("ETCDCTL_ENDPOINTS", ep, "ETCDCTL_HEX", "maybe"), null);
          same(List.of("get", "k"), Map.of("ETCDCTL_ENDPOINTS", ep, "ETCDCTL_NO_SUCH_FLAG", "1"), null);
          same(List.of("--endpoints", ep, "get", "k"), Map.of("ETCDCTL_ENDPOINTS", ep), null);
          same(List.of("get", "k", "-w", "json"), Map.of("ETCDCTL_ENDPOINTS", ep, "ETCDCTL_WRITE_OUT", "fields"), null);
          same(List.of("get", "k"), Map.of("ETCDCTL_ENDPOINTS", ep, "ETCDCTL_WRITE_OUT", "xml"), null);
          // Variables are read only by commands that build a client: a bad argument fails first.
          same(List.of("get"), Map.of("ETCDCTL_NO_SUCH_FLAG", "1"), null);
        });
  }

  @Test
  void userAndPassword() {
    onEachServer(
        () -> {
          String ep = server.endpoint();
          // etcdj has no Auth service yet (issue 16): both CLIs must fail the same way on it.
          same(List.of("--endpoints", ep, "--user", "root:pw", "get", "k"), Map.of(), null);
          same(List.of("--endpoints", ep, "--user", "root", "--password", "pw", "get", "k"), Map.of(), null);
          same(List.of("--endpoints", ep, "--user", "root", "get", "k"), Map.of(), "pw\n");
          same(List.of("--endpoints", ep, "--user", "root", "get", "k"), Map.of(), null);
        });
  }

  @Test
  void failsOverPastADeadEndpoint() {
    onEachServer(
        () -> {
          same(List.of("--endpoints", dead + "," + server.endpoint(), "get", "k", "-w", "json"), Map.of(), null);
          same(List.of("--endpoints", dead + "," + server.endpoint(), "put", "k", "v"), Map.of(), null);
        });
  }

  @Test
  void noLiveEndpointFailsAfterTheCommandTimeout() {
    onEachServer(
        () -> {
          same(List.of("--endpoints", dead, "--command-timeout", "1s", "get", "k"), Map.of(), null);
        });
  }

  /** Runs both CLIs with the same arguments, environment and stdin and compares exit code, stdout and stderr. */
  private static void same(List<String> args, Map<String, String> env, String stdin) {
    Duration timeout = Duration.ofSeconds(20);
    Etcdctl.Result stock = Etcdctl.run(null, args, stdin, timeout, env);
    Etcdctl.Result ours = OurEtcdctl.run(null, args, stdin, timeout, env);
    List<String> a = normalize(stock);
    List<String> b = normalize(ours);
    String diff = LineDiff.diff(a, b, "stock etcdctl", "etcdj etcdctl");
    if (!diff.isEmpty()) {
      fail(server.kind() + ": etcdctl " + String.join(" ", args) + " with " + env + "\n" + diff);
    }
    assertEquals(stock.exitCode(), ours.exitCode());
  }

  private static List<String> normalize(Etcdctl.Result r) {
    EtcdctlNormalizer n = new EtcdctlNormalizer(server);
    List<String> out = new ArrayList<>();
    out.add("[exit " + r.exitCode() + "]");
    out.addAll(n.normalize(List.of(), r.stdout()));
    for (String line : n.normalize(List.of(), r.stderr())) {
      // capnslog's local timestamp, and the dead endpoint's port
      out.add("stderr> " + line.replaceAll("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6} ", "<TIME> ").replace(dead, "<DEAD>"));
    }
    return out;
  }
}
