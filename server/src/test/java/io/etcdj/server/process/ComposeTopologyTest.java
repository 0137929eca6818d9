package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The repository's {@code docker-compose.yml}, checked the two ways this machine allows (no
 * container engine runs here): Debian's {@code docker-compose config -q} validates it, and its
 * topology is started as processes on loopback with the file's own {@code ETCD_*} variables and
 * no flags, as the image's entry point starts a member. The translation from the compose network
 * to loopback is the only thing the test adds:
 *
 * <ul>
 *   <li>every service gets its own free host ports for the container ports 2379 (client) and 2380 (peer);
 *   <li>a URL naming a service's host name, or {@code 0.0.0.0} (this service), becomes
 *       {@code 127.0.0.1} with that service's host port;
 *   <li>a path under a service's volume mount becomes the same path under the member's temp dir.
 * </ul>
 *
 * Then the three members must elect one leader, list each other under the file's names, pass the
 * file's healthcheck command (run with our etcdctl, the image's, pointed at the member), serve a
 * write through one member to a linearizable read on another, and a member restarted on its data
 * (the volume) must rejoin with the same id.
 */
@Tag("process")
class ComposeTopologyTest {
  private static final int CLIENT_PORT = 2379;
  private static final int PEER_PORT = 2380;
  private static final Pattern URL = Pattern.compile("http://([A-Za-z0-9.\\-]+):(\\d+)");
  private static final Pattern LEADER = Pattern.compile("\"leader\":(\\d+)");
  private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":(\\d+)");

  @TempDir Path tmp;

  @Test
  void composeFileValidatesWithDockerCompose() throws Exception {
    ServerCommand.Result ok = dockerCompose(composeFile());
    assertEquals(0, ok.exitCode(), ok.output());
    assertEquals("", ok.output().strip());
    // The check is a real one: a healthcheck with a misspelt key is refused.
    Path broken = tmp.resolve("docker-compose.yml");
    Files.writeString(
        broken,
        Files.readString(composeFile(), StandardCharsets.UTF_8).replace("    interval: 10s", "    intervall: 10s"),
        StandardCharsets.UTF_8);
    ServerCommand.Result bad = dockerCompose(broken);
    assertNotEquals(0, bad.exitCode(), bad.output());
    assertTrue(bad.output().contains("intervall"), bad.output());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void composeTopologyFormsAClusterOnLoopback(EtcdProcess.Kind kind) throws Exception {
    Map<String, Service> services = services();
    assertEquals(List.of("etcd1", "etcd2", "etcd3"), List.copyOf(services.keySet()));
    Map<String, int[]> hostPorts = new LinkedHashMap<>();
    int[] free = EtcdProcess.freePorts(2 * services.size());
    int i = 0;
    for (String name : services.keySet()) {
      hostPorts.put(name, new int[] {free[i++], free[i++]});
    }
    List<EtcdProcess> members = new ArrayList<>();
    Map<EtcdProcess, Map<String, String>> environments = new LinkedHashMap<>();
    try {
      for (Service s : services.values()) {
        int[] ports = hostPorts.get(s.name());
        String memberName = s.environment().get("ETCD_NAME");
        EtcdProcess m = EtcdProcess.configuredByEnvironment(kind, "compose", memberName, ports[0], ports[1]);
        Map<String, String> env = new LinkedHashMap<>();
        s.environment().forEach((k, v) -> env.put(k, onLoopback(v, s, hostPorts, m.dataDir().getParent())));
        m.setEnvironment(env);
        members.add(m);
        environments.put(m, env);
      }
      members.forEach(EtcdProcess::launch);
      Duration form = kind == EtcdProcess.Kind.ETCD ? EtcdCluster.FORM_TIMEOUT_ETCD : EtcdCluster.FORM_TIMEOUT_ETCDJ;
      members.get(0).awaitReady(form);
      for (EtcdProcess m : members) {
        m.awaitReady(m.readyTimeout());
      }

      // The file's healthcheck, as the container runs it: our etcdctl with its default endpoint,
      // which inside a container is the member itself.
      for (Service s : services.values()) {
        EtcdProcess m = members.get(List.copyOf(services.values()).indexOf(s));
        List<String> check = s.healthcheck();
        assertEquals("etcdctl", check.get(0), "healthcheck runs " + check);
        Etcdctl.Result health =
            OurEtcdctl.run(null, check.subList(1, check.size()), null, Etcdctl.DEFAULT_TIMEOUT, Map.of("ETCDCTL_ENDPOINTS", m.endpoint()));
        assertEquals(0, health.exitCode(), health.stdout() + health.stderr());
        // etcdctl 3.4 prints the health line on stderr.
        assertTrue((health.stdout() + health.stderr()).contains(m.endpoint() + " is healthy"), health.stdout() + health.stderr());
      }

      // One leader, the same one as every member sees it.
      Set<String> leaders = new HashSet<>();
      Set<String> ids = new HashSet<>();
      for (EtcdProcess m : members) {
        String status = ok(Etcdctl.run(m.endpoint(), List.of("endpoint", "status", "-w", "json"))).stdout();
        leaders.add(group(LEADER, status));
        ids.add(group(MEMBER_ID, status));
      }
      assertEquals(1, leaders.size(), "leaders " + leaders);
      assertEquals(3, ids.size(), "member ids " + ids);
      assertTrue(ids.containsAll(leaders), "leader " + leaders + " among " + ids);

      // The members know each other under the file's names and (translated) URLs.
      String list = ok(Etcdctl.run(members.get(0).endpoint(), List.of("member", "list"))).stdout();
      for (EtcdProcess m : members) {
        assertTrue(
            list.contains(", started, " + m.memberName() + ", " + m.peerUrl() + ", " + m.clientUrl() + ", false"), list);
      }

      ok(Etcdctl.run(members.get(1).endpoint(), List.of("put", "compose-key", "v1")));
      String got =
          ok(Etcdctl.run(members.get(2).endpoint(), List.of("get", "compose-key", "--print-value-only", "--consistency=l"))).stdout();
      assertEquals("v1\n", got);

      // A member restarted on its volume starts from its data (the ETCD_INITIAL_* variables are
      // only read for an empty data dir) and rejoins with the id it had.
      EtcdProcess third = members.get(2);
      long idBefore = third.memberId();
      third.stop();
      putRetrying(members.get(0), "compose-key", "v2");
      third.setEnvironment(environments.get(third));
      third.start();
      assertEquals(idBefore, third.memberId());
      String after =
          ok(Etcdctl.run(third.endpoint(), List.of("get", "compose-key", "--print-value-only", "--consistency=l"))).stdout();
      assertEquals("v2\n", after);
    } finally {
      members.forEach(EtcdProcess::close);
    }
  }

  /** One service of the compose file, after YAML merge keys are resolved. */
  record Service(String name, Map<String, String> environment, List<String> ports, List<String> volumes, List<String> healthcheck) {}

  @SuppressWarnings("unchecked")
  private static Map<String, Service> services() throws IOException {
    Map<String, Object> root;
    try (Reader r = Files.newBufferedReader(composeFile(), StandardCharsets.UTF_8)) {
      root = new Yaml().load(r);
    }
    Map<String, Service> out = new LinkedHashMap<>();
    Map<String, Object> services = (Map<String, Object>) root.get("services");
    for (Map.Entry<String, Object> e : services.entrySet()) {
      Map<String, Object> svc = (Map<String, Object>) e.getValue();
      Map<String, String> env = new LinkedHashMap<>();
      ((Map<String, Object>) svc.get("environment")).forEach((k, v) -> env.put(k, String.valueOf(v)));
      List<String> test = (List<String>) ((Map<String, Object>) svc.get("healthcheck")).get("test");
      assertEquals("CMD", test.get(0), "healthcheck " + test);
      Service s =
          new Service(
              e.getKey(), env, (List<String>) svc.get("ports"), (List<String>) svc.get("volumes"), test.subList(1, test.size()));
      // What the translation relies on, and what makes the file safe to run: the client port is
      // published on the host's loopback only, and every member has a volume of its own.
      assertEquals(1, s.ports().size(), s.toString());
      assertTrue(s.ports().get(0).matches("127\\.0\\.0\\.1:\\d+:" + CLIENT_PORT), s.ports().toString());
      assertEquals(1, s.volumes().size(), s.toString());
      assertTrue(env.get("ETCD_DATA_DIR").startsWith(mountTarget(s) + "/"), env.toString());
      out.put(e.getKey(), s);
    }
    Set<String> volumes = new HashSet<>();
    for (Service s : out.values()) {
      assertTrue(volumes.add(s.volumes().get(0).split(":")[0]), "volume shared: " + s.volumes());
      assertTrue(((Map<String, Object>) root.get("volumes")).containsKey(s.volumes().get(0).split(":")[0]), s.toString());
    }
    return out;
  }

  private static String mountTarget(Service s) {
    return s.volumes().get(0).split(":")[1];
  }

  /** One variable's value with the compose network's hosts, ports and volume paths on loopback. */
  private static String onLoopback(String value, Service self, Map<String, int[]> hostPorts, Path volume) {
    if (value.startsWith(mountTarget(self) + "/")) {
      return volume.resolve(value.substring(mountTarget(self).length() + 1)).toString();
    }
    Matcher m = URL.matcher(value);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String host = m.group(1);
      String service = host.equals("0.0.0.0") ? self.name() : host;
      int[] ports = hostPorts.get(service);
      assertTrue(ports != null, "URL " + m.group() + " names no service of the compose file");
      int containerPort = Integer.parseInt(m.group(2));
      assertTrue(containerPort == CLIENT_PORT || containerPort == PEER_PORT, m.group());
      int port = containerPort == CLIENT_PORT ? ports[0] : ports[1];
      m.appendReplacement(out, "http://127.0.0.1:" + port);
    }
    m.appendTail(out);
    return out.toString();
  }

  private static ServerCommand.Result dockerCompose(Path file) throws IOException, InterruptedException {
    String binary = System.getProperty("etcdj.process.docker-compose", "/usr/bin/docker-compose");
    assertTrue(
        Files.isExecutable(Paths.get(binary)),
        binary + " is missing: install Debian's docker-compose package (.ci/run does)");
    return ServerCommand.run(List.of(binary, "-f", file.toString(), "config", "-q"), 60);
  }

  private static Path composeFile() {
    for (Path d = Paths.get("").toAbsolutePath(); d != null; d = d.getParent()) {
      if (Files.exists(d.resolve("docker-compose.yml")) && Files.exists(d.resolve("bin/etcdj"))) {
        return d.resolve("docker-compose.yml");
      }
    }
    throw new IllegalStateException("no docker-compose.yml above " + Paths.get("").toAbsolutePath());
  }

  /**
   * A put right after a member stopped, retried as an application would: if the stopped member
   * led and its hand-over failed, a put forwarded to it before the others noticed is lost and
   * times out (in etcd too), and the retry reaches the new leader.
   */
  private static void putRetrying(EtcdProcess m, String key, String value) {
    Etcdctl.Result r = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      r = Etcdctl.run(m.endpoint(), List.of("put", key, value));
      if (r.exitCode() == 0) {
        return;
      }
    }
    ok(r);
  }

  private static Etcdctl.Result ok(Etcdctl.Result r) {
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r;
  }

  private static String group(Pattern p, String s) {
    Matcher m = p.matcher(s);
    assertTrue(m.find(), s);
    assertFalse(m.group(1).isEmpty(), s);
    return m.group(1);
  }
}
