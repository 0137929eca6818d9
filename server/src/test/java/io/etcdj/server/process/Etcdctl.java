package io.etcdj.server.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs stock etcdctl (API v3) once: arguments, optional stdin, a timeout, and stdout/stderr/exit code captured.
 *
 * <p>Output goes to temp files rather than pipes so a chatty etcdctl can never block on a full pipe buffer. The
 * inherited environment is stripped of {@code ETCDCTL_*} so a developer's shell cannot change what the tests see.
 */
final class Etcdctl {

  static final String BINARY = System.getProperty("etcdj.process.etcdctl", "/usr/bin/etcdctl");
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

  /** What one etcdctl run printed. exitCode is -1 when it was killed for running over the timeout. */
  record Result(int exitCode, String stdout, String stderr) {}

  private Etcdctl() {}

  static Result run(String endpoint, List<String> args) {
    return run(endpoint, args, null, DEFAULT_TIMEOUT);
  }

  static Result run(String endpoint, List<String> args, String stdin, Duration timeout) {
    return run(endpoint, args, stdin, timeout, java.util.Map.of());
  }

  /** As above, with extra environment variables (e.g. {@code ETCDCTL_*}) for this run. */
  static Result run(String endpoint, List<String> args, String stdin, Duration timeout, java.util.Map<String, String> env) {
    List<String> cmd = new ArrayList<>();
    cmd.add(BINARY);
    if (endpoint != null) { // null: the test passes its own --endpoints, or none
      cmd.add("--endpoints");
      cmd.add(endpoint);
    }
    cmd.addAll(args);
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("etcdctl-", ".out");
      err = Files.createTempFile("etcdctl-", ".err");
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL"));
      pb.environment().put("ETCDCTL_API", "3");
      pb.environment().putAll(env);
      pb.redirectOutput(out.toFile()).redirectError(err.toFile());
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
      }
      Process p = pb.start();
      if (stdin != null) {
        try (OutputStream in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      int exit;
      if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        exit = p.exitValue();
      } else {
        p.destroyForcibly();
        p.waitFor(5, TimeUnit.SECONDS);
        exit = -1;
      }
      return new Result(
          exit, new String(Files.readAllBytes(out), StandardCharsets.UTF_8), new String(Files.readAllBytes(err), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running " + cmd, e);
    } finally {
      EtcdProcess.deleteTree(out);
      EtcdProcess.deleteTree(err);
    }
  }
}
