package io.etcdj.server.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * The java command that runs etcdj's {@code EtcdMain} in the process tests, with an AppCDS archive (HotSpot class-data
 * sharing) of the test class path, made once and reused by every etcdj start (a CI run has about 250).
 *
 * <p>Why: an etcdj JVM spent about 3.5 s of CPU loading, verifying and interpreting its classes before it served
 * (etcd: 50 ms); in CI, on two busy cores, an etcdj start took 5 to 8 s, the largest single cost of the process tests.
 * The archive maps the parsed classes of one training run instead: 2.0 s of CPU to ready, 1.25 s with {@link
 * #JAVA_OPTS}.
 *
 * <p>How: class-data sharing takes classes only from jars, so each directory on the test class path (the modules'
 * {@code target/classes}, the test classes) is packed into a jar under {@link #DIR}, in class-path order, so a child
 * finds every class exactly where it found it before. One training server is started with {@code
 * -XX:ArchiveClassesAtExit}, served a few stock etcdctl commands, and stopped with SIGTERM; the JVM writes the archive
 * as it exits. The jars and the archive are kept with a key of the class path (jars' sizes and times, directories'
 * file contents): an unchanged build reuses them, any change makes them anew (a stale archive would only be refused by the JVM, which then
 * loads classes normally, but making it anew keeps the speed).
 *
 * <p>Anything going wrong here costs speed, never a test: the command falls back to the plain class path. {@code
 * -Detcdj.process.cds=false} turns the archive off (to compare), {@code -Detcdj.process.javaOpts="..."} adds JVM flags to
 * every etcdj child. Thread-safe: the first caller prepares, concurrent callers wait for it.
 */
final class EtcdjJvm {

  static final Path DIR = Paths.get(System.getProperty("etcdj.process.cdsDir", "target/etcdj-cds"));
  static final boolean CDS = Boolean.parseBoolean(System.getProperty("etcdj.process.cds", "true"));

  /**
   * C1 only, one compiler thread: a test server lives for seconds and serves a few hundred requests, so C2 would spend
   * a core compiling code it never runs long enough to pay back (measured: 1.25 s of CPU to ready instead of 2.0 s,
   * with the archive). {@code -Detcdj.process.javaOpts=" "} runs with the JVM's defaults.
   */
  static final String JAVA_OPTS =
      System.getProperty("etcdj.process.javaOpts", "-XX:TieredStopAtLevel=1 -XX:CICompilerCount=1");
  /** A 30 MB archive written by a JVM on a busy machine took up to 10 s; SIGKILL before the end leaves none. */
  static final Duration DUMP_TIMEOUT = Duration.ofSeconds(90);

  private static final String ARCHIVE = "etcdj.jsa";
  private static final String KEY = "class-path.key";

  /** Guarded by the class lock; null until the first {@link #command()}. */
  private static List<String> command;

  private EtcdjJvm() {}

  /** java, its flags and the class path: everything before {@code EtcdMain}'s own flags. */
  static synchronized List<String> command() {
    if (command == null) {
      command = List.copyOf(prepare());
    }
    return command;
  }

  private static List<String> prepare() {
    List<String> entries = classPath();
    if (!CDS) {
      return java(System.getProperty("java.class.path"), List.of());
    }
    long startNs = System.nanoTime();
    try {
      String key = key(entries);
      Path archive = DIR.resolve(ARCHIVE);
      List<String> jarred = jarredPaths(entries);
      boolean reused = Files.isRegularFile(archive) && key.equals(readKey());
      if (!reused) {
        makeArchive(entries, jarred, key);
      }
      List<String> withArchive = java(String.join(":", jarred), sharedArchiveFlags("-XX:SharedArchiveFile=" + archive.toAbsolutePath()));
      System.err.printf(
          "etcdj process tests: class-data-sharing archive %s (%s in %d ms)%n",
          archive.toAbsolutePath(), reused ? "reused" : "made", (System.nanoTime() - startNs) / 1_000_000);
      return withArchive;
    } catch (IOException | RuntimeException e) {
      System.err.println("etcdj process tests: no class-data-sharing archive, etcdj starts slower: " + e);
      return java(System.getProperty("java.class.path"), List.of());
    }
  }

  private static List<String> java(String classPath, List<String> flags) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(flags);
    for (String opt : JAVA_OPTS.split(" ")) {
      if (!opt.isBlank()) {
        cmd.add(opt);
      }
    }
    // lmdbjava's ByteBuffer proxy needs these on Java 17.
    cmd.addAll(List.of("--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
    cmd.add("-cp");
    cmd.add(classPath);
    cmd.add(EtcdProcess.ETCDJ_MAIN_CLASS);
    return cmd;
  }

  /** The archive flag plus silence: the JVM's CDS notes would otherwise land in the server log tests read. */
  private static List<String> sharedArchiveFlags(String archiveFlag) {
    // Mapped where it was made rather than relocated (Debian's JDK 17 default): ~0.1 s per start.
    return List.of(
        archiveFlag,
        "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off",
        "-XX:+UnlockDiagnosticVMOptions",
        "-XX:ArchiveRelocationMode=0");
  }

  private static List<String> classPath() {
    List<String> entries = new ArrayList<>();
    for (String e : System.getProperty("java.class.path").split(":")) {
      if (!e.isEmpty()) {
        entries.add(e);
      }
    }
    return entries;
  }

  /** The class path with every directory replaced by its jar under {@link #DIR} (jar files and missing entries kept). */
  private static List<String> jarredPaths(List<String> entries) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      Path p = Paths.get(entries.get(i));
      out.add(Files.isDirectory(p) ? jarFor(i, p).toAbsolutePath().toString() : entries.get(i));
    }
    return out;
  }

  private static Path jarFor(int index, Path dir) {
    // e.g. 3-storage-classes.jar: the module and the directory, for whoever looks in DIR.
    Path abs = dir.toAbsolutePath();
    String module = abs.getParent() != null && abs.getParent().getParent() != null ? abs.getParent().getParent().getFileName() + "-" : "";
    return DIR.resolve(index + "-" + module + abs.getFileName() + ".jar");
  }

  /** SHA-256 over every class-path entry: a jar's size and time, a directory's file names and contents. */
  static String key(List<String> entries) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    sha.update((System.getProperty("java.home") + "\n" + JAVA_OPTS + "\n").getBytes(StandardCharsets.UTF_8));
    for (String e : entries) {
      Path p = Paths.get(e);
      sha.update((e + "\n").getBytes(StandardCharsets.UTF_8));
      if (Files.isDirectory(p)) {
        try (Stream<Path> files = Files.walk(p)) {
          // Contents, not times: the reactor recompiles a module whenever a dependency changed, to the same bytes.
          for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
            sha.update((p.relativize(f) + "\n").getBytes(StandardCharsets.UTF_8));
            sha.update(Files.readAllBytes(f));
          }
        }
      } else if (Files.isRegularFile(p)) {
        sha.update(stamp("", p).getBytes(StandardCharsets.UTF_8));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private static String stamp(String name, Path f) throws IOException {
    return name + " " + Files.size(f) + " " + Files.getLastModifiedTime(f).toMillis() + "\n";
  }

  private static String readKey() {
    try {
      return Files.readString(DIR.resolve(KEY), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /** Packs the directories, trains one server, and writes the key last, so a half-made archive is never reused. */
  private static void makeArchive(List<String> entries, List<String> jarred, String key) throws IOException {
    Files.createDirectories(DIR);
    Files.deleteIfExists(DIR.resolve(KEY));
    Files.deleteIfExists(DIR.resolve(ARCHIVE));
    for (int i = 0; i < entries.size(); i++) {
      Path dir = Paths.get(entries.get(i));
      if (Files.isDirectory(dir)) {
        writeJar(dir, Paths.get(jarred.get(i)));
      }
    }
    Path tmp = DIR.resolve(ARCHIVE + ".tmp");
    Files.deleteIfExists(tmp);
    train(java(String.join(":", jarred), sharedArchiveFlags("-XX:ArchiveClassesAtExit=" + tmp.toAbsolutePath())));
    if (!Files.isRegularFile(tmp)) {
      throw new IllegalStateException("the training server wrote no archive (see " + DIR.resolve("training.log") + ")");
    }
    Files.move(tmp, DIR.resolve(ARCHIVE), StandardCopyOption.ATOMIC_MOVE);
    Files.writeString(DIR.resolve(KEY), key + "\n", StandardCharsets.UTF_8);
  }

  /** Stored (not deflated) entries with the files' own times: the JVM reads them as fast as it can. */
  private static void writeJar(Path dir, Path jar) throws IOException {
    Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
    try (OutputStream os = Files.newOutputStream(tmp);
        JarOutputStream out = new JarOutputStream(os);
        Stream<Path> walk = Files.walk(dir)) {
      out.setLevel(0);
      for (Path f : walk.filter(Files::isRegularFile).sorted().toList()) {
        JarEntry entry = new JarEntry(dir.relativize(f).toString().replace('\\', '/'));
        FileTime time = Files.getLastModifiedTime(f);
        entry.setLastModifiedTime(time);
        out.putNextEntry(entry);
        Files.copy(f, out);
        out.closeEntry();
      }
    }
    Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * One single-member etcdj on free ports, ready, then the commands most tests send (so their classes are in the
   * archive too), then SIGTERM; the JVM writes the archive on its way out.
   */
  private static void train(List<String> java) throws IOException {
    int[] ports = EtcdProcess.freePorts(2);
    String client = "http://127.0.0.1:" + ports[0];
    String peer = "http://127.0.0.1:" + ports[1];
    Path data = Files.createTempDirectory("etcdj-ptest-cds-");
    List<String> cmd = new ArrayList<>(java);
    cmd.addAll(
        List.of(
            "--name", "cds",
            "--data-dir", data.resolve("data").toString(),
            "--listen-client-urls", client,
            "--advertise-client-urls", client,
            "--listen-peer-urls", peer,
            "--initial-advertise-peer-urls", peer,
            "--initial-cluster", "cds=" + peer,
            "--log-level", "info"));
    Path log = DIR.resolve("training.log");
    Files.writeString(log, "===== training run: " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
    Process p = pb.start();
    try {
      String endpoint = "127.0.0.1:" + ports[0];
      awaitHealthy(p, endpoint);
      for (List<String> c : TRAINING) {
        Etcdctl.run(endpoint, c);
      }
      p.destroy();
      if (!p.waitFor(DUMP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("the training server did not exit within " + DUMP_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      p.destroyForcibly();
      EtcdProcess.deleteTree(data);
    }
  }

  private static void awaitHealthy(Process p, String endpoint) {
    long deadlineNs = System.nanoTime() + EtcdProcess.READY_TIMEOUT_ETCDJ.toNanos();
    while (System.nanoTime() < deadlineNs) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the training server exited with " + p.exitValue());
      }
      if (Etcdctl.run(endpoint, List.of("--dial-timeout", "1s", "--command-timeout", "2s", "endpoint", "health")).exitCode() == 0) {
        return;
      }
      EtcdProcess.sleepMs(100);
    }
    throw new IllegalStateException("the training server was not healthy within " + EtcdProcess.READY_TIMEOUT_ETCDJ);
  }

  /** KV, txn, lease, watch-free maintenance and cluster calls: the request paths behind most test sessions. */
  private static final List<List<String>> TRAINING =
      List.of(
          List.of("put", "cds/a", "1"),
          List.of("put", "cds/b", "2", "--prev-kv"),
          List.of("get", "cds/", "--prefix", "-w", "json"),
          List.of("del", "cds/a"),
          List.of("lease", "grant", "60"),
          List.of("lease", "list"),
          List.of("compaction", "2"),
          List.of("endpoint", "status", "-w", "json"),
          List.of("endpoint", "hashkv"),
          List.of("member", "list"),
          List.of("alarm", "list"),
          List.of("defrag"));
}
