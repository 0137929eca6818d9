package io.etcdj.server.process;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * One etcd or etcdj server running as a child process on free loopback ports: a single-member cluster by default, or
 * one member of a given initial cluster ({@link #member}, used by {@link EtcdCluster}).
 *
 * <p>The data dir is a fresh temp dir, deleted by {@link #close()}; the process output goes to a log file under
 * {@code target/process-logs} that is kept for diagnosis. {@link #stop()} sends SIGTERM and escalates to SIGKILL after
 * {@link #STOP_GRACE}; {@link #kill()} sends SIGKILL at once; {@link #start()} after either restarts on the same data
 * dir and ports. Confined to the thread that created it; only the shutdown hook touches it from elsewhere.
 */
final class EtcdProcess implements AutoCloseable {

  /** Which server binary to run. */
  enum Kind {
    ETCD,
    ETCDJ;

    String lowerName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  static final String ETCD_BINARY = System.getProperty("etcdj.process.etcd", "/usr/bin/etcd");
  static final String ETCDJ_MAIN_CLASS = "io.etcdj.server.EtcdMain";
  static final Duration STOP_GRACE = Duration.ofSeconds(10);
  static final Duration READY_TIMEOUT_ETCD = Duration.ofSeconds(20);
  /** A JVM that opens LMDB and replays a WAL needs longer than a Go binary. */
  static final Duration READY_TIMEOUT_ETCDJ = Duration.ofSeconds(40);
  static final Path LOG_ROOT = Paths.get(System.getProperty("etcdj.process.logDir", "target/process-logs"));

  /**
   * The kinds parameterized tests run on: {@code -Detcdj.process.kinds=ETCD} runs only the real-etcd side (to check the
   * harness), {@code =ETCDJ} only etcdj. Both by default.
   */
  static List<Kind> selectedKinds() {
    String prop = System.getProperty("etcdj.process.kinds", "ETCD,ETCDJ");
    List<Kind> kinds = new ArrayList<>();
    for (String k : prop.split(",")) {
      if (!k.isBlank()) {
        kinds.add(Kind.valueOf(k.strip().toUpperCase(java.util.Locale.ROOT)));
      }
    }
    return kinds;
  }

  private static final Set<EtcdProcess> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  for (EtcdProcess p : LIVE) {
                    p.destroyQuietly();
                  }
                },
                "etcd-process-reaper"));
  }

  private static final Pattern CLUSTER_ID = Pattern.compile("\"cluster_id\":(\\d+)");
  private static final Pattern MEMBER_ID = Pattern.compile("\"member_id\":(\\d+)");

  /** The token single-member servers use; a cluster passes its own. */
  static final String DEFAULT_TOKEN = "etcdj-ptest";

  private final Kind kind;
  private final String name;
  /** {@code --name}: "n1" for a single member, the cluster's member name otherwise. */
  private final String memberName;
  /** {@code --initial-cluster}; only read by the server on its first start (empty data dir). */
  private final String initialCluster;
  private final String initialClusterToken;
  private final List<String> extraFlags;
  private final Path dataDirParent;
  private final Path dataDir;
  private final Path logFile;
  private final int clientPort;
  private final int peerPort;
  /** The scheme of the peer URLs: https when the members talk TLS. */
  private String peerScheme = "http";
  /**
   * The port the member listens on for peers: its advertised {@link #peerPort} unless a {@link
   * PeerNetwork} proxy listens there and forwards here.
   */
  private int listenPeerPort;
  private final java.util.Map<String, String> environment = new java.util.HashMap<>();
  /** {@code --initial-cluster-state}: "existing" for a member joining a running cluster. */
  private String initialClusterState = "new";
  /** True for a member configured only by its {@code ETCD_*} variables ({@link #configuredByEnvironment}). */
  private boolean environmentOnly;
  /** "https" for a member serving clients over TLS ({@link #tls}). */
  private String clientScheme = "http";
  /** A second, cleartext client port of a TLS member (0: none). */
  private int plainClientPort;
  /** etcdctl flags the readiness checks need (the TLS files of a TLS member). */
  private List<String> ctlFlags = List.of();
  private Process process;
  private boolean paused;
  private int starts;
  /** Unsigned 64-bit ids as reported by Maintenance.Status; 0 until the first successful readiness check. */
  private long clusterId;

  private long memberId;

  private EtcdProcess(Kind kind, String name, List<String> extraFlags) {
    this(kind, name, "n1", freePorts(2), null, DEFAULT_TOKEN, extraFlags);
  }

  /** ports: {client, peer}; initialCluster null means this member alone. */
  private EtcdProcess(
      Kind kind,
      String name,
      String memberName,
      int[] ports,
      String initialCluster,
      String initialClusterToken,
      List<String> extraFlags) {
    if (ports.length != 2 || ports[0] == ports[1]) {
      throw new IllegalArgumentException("need distinct client and peer ports: " + java.util.Arrays.toString(ports));
    }
    this.kind = kind;
    this.name = name;
    this.memberName = memberName;
    this.clientPort = ports[0];
    this.peerPort = ports[1];
    this.listenPeerPort = ports[1];
    this.initialCluster = initialCluster != null ? initialCluster : memberName + "=" + peerUrl();
    this.initialClusterToken = initialClusterToken;
    this.extraFlags = List.copyOf(extraFlags);
    try {
      this.dataDirParent = Files.createTempDirectory("etcdj-ptest-" + kind.lowerName() + "-");
      Files.createDirectories(LOG_ROOT);
      this.logFile = LOG_ROOT.resolve(name + "-" + kind.lowerName() + "-" + System.nanoTime() + ".log");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    this.dataDir = dataDirParent.resolve("data");
  }

  /**
   * One member of a multi-member cluster, created but not started: members of a new cluster only become ready
   * together, so the caller {@link #launch()}es them all and then waits (see {@link EtcdCluster}).
   *
   * @param name test name, used for the log file
   * @param memberName the member's {@code --name}, as it appears in {@code initialCluster}
   * @param initialCluster the whole {@code --initial-cluster} value, this member included
   */
  static EtcdProcess member(
      Kind kind,
      String name,
      String memberName,
      int clientPort,
      int peerPort,
      String initialCluster,
      String initialClusterToken,
      List<String> extraFlags) {
    return new EtcdProcess(
        kind,
        name + "-" + memberName,
        memberName,
        new int[] {clientPort, peerPort},
        initialCluster,
        initialClusterToken,
        extraFlags);
  }

  /**
   * A member that joins a running cluster ({@code --initial-cluster-state existing}), created but
   * not started: add it with {@code etcdctl member add} first, then {@link #launch()} it and wait
   * with {@link #awaitServing} (a learner never passes {@code endpoint health}).
   *
   * @param initialCluster the running members plus this one, as {@code member add} prints it
   */
  static EtcdProcess joining(
      Kind kind,
      String name,
      String memberName,
      int clientPort,
      int peerPort,
      String initialCluster,
      String initialClusterToken,
      List<String> extraFlags) {
    EtcdProcess p =
        member(kind, name, memberName, clientPort, peerPort, initialCluster, initialClusterToken, extraFlags);
    p.initialClusterState = "existing";
    return p;
  }

  /**
   * A single member serving clients over TLS on its client port and in cleartext on
   * {@code plainClientPort}, created but not started. {@code serverFlags} name its TLS files
   * ({@code --cert-file} and so on); {@code ctlFlags} are what etcdctl needs to reach it.
   */
  static EtcdProcess tls(
      Kind kind, String name, int clientPort, int peerPort, int plainClientPort, List<String> serverFlags, List<String> ctlFlags) {
    EtcdProcess p =
        new EtcdProcess(kind, name, "n1", new int[] {clientPort, peerPort}, null, DEFAULT_TOKEN, serverFlags);
    p.clientScheme = "https";
    p.plainClientPort = plainClientPort;
    p.ctlFlags = List.copyOf(ctlFlags);
    return p;
  }

  /**
   * A member started with no flags at all, configured only by the {@code ETCD_*} variables the
   * caller sets with {@link #setEnvironment} (as a container image is), created but not started.
   * The caller's variables must put it on {@code clientPort}/{@code peerPort} and in {@link #dataDir()}.
   */
  static EtcdProcess configuredByEnvironment(Kind kind, String name, String memberName, int clientPort, int peerPort) {
    EtcdProcess p = member(kind, name, memberName, clientPort, peerPort, null, DEFAULT_TOKEN, List.of());
    p.environmentOnly = true;
    return p;
  }

  /** A single-member server, created but not started (set its environment first). */
  static EtcdProcess created(Kind kind, String name) {
    return new EtcdProcess(kind, name, List.of());
  }

  /** Creates and starts a server, waiting until it is ready. */
  static EtcdProcess start(Kind kind, String name, List<String> extraFlags) {
    EtcdProcess p = new EtcdProcess(kind, name, extraFlags);
    try {
      p.start();
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return p;
  }

  static EtcdProcess start(Kind kind, String name) {
    return start(kind, name, List.of());
  }

  /** Creates and starts a server with extra environment variables (kept for later restarts). */
  static EtcdProcess start(Kind kind, String name, java.util.Map<String, String> env) {
    EtcdProcess p = new EtcdProcess(kind, name, List.of());
    p.environment.putAll(env);
    try {
      p.start();
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** The extra environment variables the next {@link #start()} uses. */
  java.util.Map<String, String> environment() {
    return java.util.Map.copyOf(environment);
  }

  /** Replaces the extra environment variables used by the next {@link #start()}. */
  void setEnvironment(java.util.Map<String, String> env) {
    environment.clear();
    environment.putAll(env);
  }

  /** Waits up to {@code timeout} for the process to exit by itself; true if it did. */
  boolean awaitExit(Duration timeout) throws InterruptedException {
    return process == null || process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  Kind kind() {
    return kind;
  }

  String memberName() {
    return memberName;
  }

  /** The OS pid of the running process, or -1. */
  long pid() {
    return isAlive() ? process.pid() : -1;
  }

  /** True between {@link #launch()} and {@link #stop()}/{@link #kill()}: an exit in between is a crash. */
  boolean wasStartedAndNotStopped() {
    return LIVE.contains(this);
  }

  Duration readyTimeout() {
    return kind == Kind.ETCD ? READY_TIMEOUT_ETCD : READY_TIMEOUT_ETCDJ;
  }

  /** Non-null when the process was started and has exited since: its exit code. */
  Integer exitCode() {
    return process != null && !process.isAlive() ? process.exitValue() : null;
  }

  int clientPort() {
    return clientPort;
  }

  /** The {@code --data-dir}; absent until the first start, so a test may prepare it (snapshot restore). */
  Path dataDir() {
    return dataDir;
  }

  /** Puts the member's peer listener on {@code port}, behind a proxy on its advertised {@link #peerPort}. */
  void listenPeersOn(int port) {
    if (process != null) {
      throw new IllegalStateException("set before the first launch");
    }
    this.listenPeerPort = port;
  }

  int peerPort() {
    return peerPort;
  }

  /** The host:port form etcdctl's {@code --endpoints} takes. */
  String endpoint() {
    return "127.0.0.1:" + clientPort;
  }

  String clientUrl() {
    return clientScheme + "://127.0.0.1:" + clientPort;
  }

  private String listenClientUrls() {
    return plainClientPort == 0 ? clientUrl() : clientUrl() + ",http://127.0.0.1:" + plainClientPort;
  }

  /**
   * Empties the data dir (keeping the dir) and makes the next start join a running cluster
   * ({@code --initial-cluster-state existing}), as a member removed and added back does. The
   * process must not be running.
   */
  void resetToJoin() {
    if (isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    deleteTree(dataDir);
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    initialClusterState = "existing";
  }

  /** Sets the scheme of this member's peer URLs (https for peer TLS), before its first start. */
  void peerScheme(String scheme) {
    this.peerScheme = scheme;
  }

  String peerUrl() {
    return peerScheme + "://127.0.0.1:" + peerPort;
  }

  long clusterId() {
    return clusterId;
  }

  long memberId() {
    return memberId;
  }

  Path logFile() {
    return logFile;
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Starts (or restarts, on the same data dir and ports) and waits until ready. */
  void start() {
    launch();
    awaitReady(readyTimeout());
  }

  /**
   * Starts (or restarts, on the same data dir and ports) without waiting: a member of a cluster without quorum never
   * passes {@code endpoint health} on its own.
   */
  void launch() {
    if (isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    List<String> cmd = command();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    pb.environment().putAll(environment);
    try {
      Files.writeString(
          logFile,
          "===== start #" + (++starts) + ": " + String.join(" ", cmd).replace(classPathOrEmpty(), "<test classpath>") + "\n",
          StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE,
          java.nio.file.StandardOpenOption.APPEND);
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd.get(0), e);
    }
    LIVE.add(this);
  }

  private String classPathOrEmpty() {
    if (kind != Kind.ETCDJ) {
      return "\u0000";
    }
    List<String> java = EtcdjJvm.command();
    return java.get(java.indexOf("-cp") + 1);
  }

  private List<String> command() {
    List<String> cmd = new ArrayList<>();
    if (kind == Kind.ETCD) {
      cmd.add(ETCD_BINARY);
    } else {
      cmd.addAll(EtcdjJvm.command());
    }
    if (environmentOnly) {
      return cmd;
    }
    cmd.addAll(
        List.of(
            "--name", memberName,
            "--data-dir", dataDir.toString(),
            "--listen-client-urls", listenClientUrls(),
            "--advertise-client-urls", clientUrl(),
            "--listen-peer-urls", peerScheme + "://127.0.0.1:" + listenPeerPort,
            "--initial-advertise-peer-urls", peerUrl(),
            "--initial-cluster", initialCluster,
            "--initial-cluster-state", initialClusterState,
            "--initial-cluster-token", initialClusterToken,
            "--log-level", "info"));
    cmd.addAll(extraFlags);
    return cmd;
  }

  /**
   * Polls until the client port accepts TCP and {@code etcdctl endpoint health} passes, then reads the cluster and
   * member ids from {@code endpoint status}. Fails at once if the process exits.
   */
  void awaitReady(Duration timeout) {
    awaitCommand(timeout, "endpoint health", "ready");
  }

  /**
   * Waits until the client port answers {@code endpoint status} (which learners serve too), then
   * reads the ids. Fails at once if the process exits.
   */
  void awaitServing(Duration timeout) {
    awaitCommand(timeout, "endpoint status", "serving");
  }

  /** Polls {@code etcdctl <command>} on this member until it exits 0, then reads the ids. */
  private void awaitCommand(Duration timeout, String command, String state) {
    long deadlineNs = System.nanoTime() + timeout.toNanos();
    String lastProblem = "client port never accepted a connection";
    List<String> args = new java.util.ArrayList<>(ctlFlags);
    args.addAll(List.of("--dial-timeout", "1s", "--command-timeout", "2s"));
    args.addAll(List.of(command.split(" ")));
    while (System.nanoTime() < deadlineNs) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " (" + kind + ") exited with " + process.exitValue() + " before it was " + state + "\n" + logTail(60));
      }
      if (portOpen()) {
        Etcdctl.Result r = Etcdctl.run(endpoint(), args);
        if (r.exitCode() == 0) {
          readIds();
          return;
        }
        lastProblem = command + ": " + r.stdout().strip() + " " + r.stderr().strip();
      }
      sleepMs(100);
    }
    String tail = logTail(60);
    destroyQuietly();
    throw new IllegalStateException(
        name + " (" + kind + ") not " + state + " within " + timeout + ": " + lastProblem + "\n" + tail);
  }

  private void readIds() {
    List<String> args = new java.util.ArrayList<>(ctlFlags);
    args.addAll(List.of("endpoint", "status", "-w", "json"));
    Etcdctl.Result status = Etcdctl.run(endpoint(), args);
    Matcher c = CLUSTER_ID.matcher(status.stdout());
    Matcher m = MEMBER_ID.matcher(status.stdout());
    // Leaving the ids at 0 only weakens normalization; the comparison will then show the raw ids.
    if (status.exitCode() == 0 && c.find() && m.find()) {
      clusterId = Long.parseUnsignedLong(c.group(1));
      memberId = Long.parseUnsignedLong(m.group(1));
    }
  }

  private boolean portOpen() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", clientPort), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * SIGSTOP: the process keeps its sockets open but stops answering, like a hung member (peers see a silent
   * connection, not a closed one). {@link #resume()} undoes it; stop, kill and close resume first.
   */
  void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() {
    if (paused) {
      signal("CONT");
      paused = false;
    }
  }

  boolean isPaused() {
    return paused;
  }

  private void signal(String name) {
    long pid = pid();
    if (pid < 0) {
      throw new IllegalStateException(this.name + " is not running");
    }
    try {
      Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true).start();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** SIGTERM, then SIGKILL after {@link #STOP_GRACE}. Returns the exit code. */
  int stop() {
    if (process == null) {
      return 0;
    }
    if (paused && isAlive()) {
      resume();
    }
    paused = false;
    process.destroy();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LIVE.remove(this);
    return process.isAlive() ? -1 : process.exitValue();
  }

  /** Sends SIGKILL without waiting (a teardown of many members at once): {@link #close} waits. */
  void beginKill() {
    if (process != null && process.isAlive()) {
      paused = false; // SIGKILL ends a stopped process too
      process.destroyForcibly();
    }
  }

  /** SIGKILL, and wait for the process to be gone so its ports and locks are released. */
  void kill() {
    if (process == null) {
      return;
    }
    paused = false; // SIGKILL ends a stopped process too
    process.destroyForcibly();
    try {
      if (!process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException(name + " survived SIGKILL");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    LIVE.remove(this);
  }

  /** The last lines of the server log, for failure messages. */
  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
      return "--- last " + tail.size() + " lines of " + logFile.toAbsolutePath() + " ---\n" + String.join("\n", tail);
    } catch (IOException | UncheckedIOException e) {
      return "(no log at " + logFile.toAbsolutePath() + ": " + e + ")";
    }
  }

  private void destroyQuietly() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    LIVE.remove(this);
  }

  /** Stops the process (SIGTERM, then SIGKILL) and deletes the data dir; the log stays. */
  @Override
  public void close() {
    try {
      if (isAlive()) {
        stop();
      }
    } finally {
      destroyQuietly();
      deleteTree(dataDirParent);
    }
  }

  @Override
  public String toString() {
    return name + "(" + kind + " client=" + clientPort + " peer=" + peerPort + ")";
  }

  /**
   * Distinct free loopback ports: bind port 0, remember, release. Holding all sockets open until every port is chosen
   * keeps the kernel from handing out the same port twice.
   */
  /**
   * Ports for test servers, below the kernel's ephemeral range (ip_local_port_range, 32768 and up
   * here) so that no outgoing connection of any process can take one between our check and the
   * server's bind, and never the same port twice in one test JVM, so concurrent tests cannot be
   * handed the same port (asking the kernel for port 0 and closing it allowed both: CI saw
   * "address already in use" once more tests ran concurrently). A port some other process holds
   * is skipped.
   */
  static int[] freePorts(int count) {
    int[] ports = new int[count];
    for (int i = 0; i < count; i++) {
      ports[i] = nextFreePort();
    }
    return ports;
  }

  private static final int PORT_LOW = 10_000;
  private static final int PORT_HIGH = Math.max(PORT_LOW + 5_000, Math.min(32_768, ephemeralLow()));
  private static final java.util.concurrent.atomic.AtomicInteger PORT_CURSOR =
      new java.util.concurrent.atomic.AtomicInteger(new java.util.Random().nextInt(PORT_HIGH - PORT_LOW));

  private static int nextFreePort() {
    for (int tries = 0; tries < PORT_HIGH - PORT_LOW; tries++) {
      int port = PORT_LOW + Math.floorMod(PORT_CURSOR.getAndIncrement(), PORT_HIGH - PORT_LOW);
      try (ServerSocket s = new ServerSocket()) {
        s.bind(new InetSocketAddress("127.0.0.1", port));
        return port;
      } catch (IOException inUse) {
        // held by another process: try the next one
      }
    }
    throw new IllegalStateException("no free loopback port in " + PORT_LOW + ".." + PORT_HIGH);
  }

  /** The lowest ephemeral port of this machine (Linux), or 32768, Linux's default. */
  private static int ephemeralLow() {
    try {
      String range = Files.readString(Paths.get("/proc/sys/net/ipv4/ip_local_port_range")).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }

  static void sleepMs(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  static void deleteTree(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      walk.sorted(Comparator.reverseOrder())
          .forEach(
              p -> {
                try {
                  Files.deleteIfExists(p);
                } catch (IOException ignored) {
                  // a leftover temp file is not worth failing a test for
                }
              });
    } catch (IOException ignored) {
      // same
    }
  }
}
