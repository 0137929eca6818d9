package io.etcdj.server.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A background etcdctl (a watch, a lock holder, an election observer); stdout and stderr go to a
 * file that can be read while it runs.
 */
final class EtcdctlBackground {
  final String name;
  final Process process;
  final Path out;
  /** Held until stop: if it were collected, its fd would close and etcdctl -i would see EOF. */
  final OutputStream stdin;

  private EtcdctlBackground(String name, Process process, Path out, OutputStream stdin) {
    this.name = name;
    this.process = process;
    this.out = out;
    this.stdin = stdin;
  }

  /** Starts etcdctl with {@code args}; {@code stdin} (or nothing) is written and left open. */
  static EtcdctlBackground start(String endpoint, String name, String stdin, String... args) {
    return start(endpoint, name, stdin, java.util.Map.of(), args);
  }

  /** As above, with extra environment variables (e.g. {@code ETCDCTL_WATCH_KEY}). */
  static EtcdctlBackground start(
      String endpoint, String name, String stdin, java.util.Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>(List.of(Etcdctl.BINARY, "--endpoints", endpoint));
    cmd.addAll(List.of(args));
    try {
      Path out = Files.createTempFile("etcdctl-bg-", ".out");
      ProcessBuilder pb =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("ETCDCTL"));
      pb.environment().put("ETCDCTL_API", "3");
      pb.environment().putAll(env);
      Process p = pb.start();
      OutputStream in = p.getOutputStream();
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
        in.flush(); // left open: interactive etcdctl ends with its input
      } else {
        in.close();
      }
      return new EtcdctlBackground(name, p, out, in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What it printed so far. */
  String printed() {
    try {
      return Files.readString(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until its output contains {@code text}; false at the timeout. */
  boolean awaitPrinted(String text, long timeoutMs) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
    while (System.nanoTime() < deadline) {
      if (printed().contains(text)) {
        return true;
      }
      EtcdProcess.sleepMs(50);
    }
    return printed().contains(text);
  }

  /** Its exit code once it has ended on its own, or -1 after {@code timeoutMs}. */
  int awaitExit(long timeoutMs) {
    try {
      return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS) ? process.exitValue() : -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Stops it with SIGTERM, which etcdctl treats as Ctrl-C (lock and elect catch both), and waits up to 10 s for it to
   * end; returns its exit code ({@code 143} when the signal killed it). Unlike {@link #stop()}, what it prints while
   * stopping is kept: read {@link #printed()} afterwards, then {@link #stop()} to clean up.
   */
  int interrupt() {
    process.destroy();
    return awaitExit(10_000);
  }

  /**
   * What it printed, read before it is stopped (SIGTERM, then SIGKILL after 5 s): Process.destroy
   * closes its stdin right after the signal, and an interactive etcdctl may see that EOF first and
   * print an error.
   */
  String stop() {
    try {
      String printed = printed();
      process.destroy();
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      return printed;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      try {
        stdin.close();
      } catch (IOException ignored) {
        // the process is gone
      }
      EtcdProcess.deleteTree(out);
    }
  }
}
