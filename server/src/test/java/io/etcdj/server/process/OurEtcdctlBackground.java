package io.etcdj.server.process;

import io.etcdj.etcdctl.Ctl;
import io.etcdj.etcdctl.cli.Io;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * etcdj's etcdctl running in-process in the background, as {@link EtcdctlBackground} runs the stock one: stdout and
 * stderr into one buffer readable while it runs, stdin written and left open (an interactive command ends with its
 * input), the environment stock gets ({@link OurEtcdctl#environment}), and Ctrl-C played by completing the run's
 * {@link Io#interrupt()} ({@link #stop} returns what was printed before it, {@link #interrupt} the exit code).
 */
final class OurEtcdctlBackground {
  final String name;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream(); // locks its own reads and writes
  private final PipedOutputStream stdin;
  private final Io io;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();
  private final Thread thread;

  private OurEtcdctlBackground(String name, String endpoint, String input, Map<String, String> env, String... args) {
    this.name = name;
    try {
      PipedInputStream in = new PipedInputStream(1 << 16);
      stdin = new PipedOutputStream(in);
      if (input != null) {
        stdin.write(input.getBytes(StandardCharsets.UTF_8));
        stdin.flush();
      } else {
        stdin.close();
      }
      PrintStream merged = new PrintStream(out, true, StandardCharsets.UTF_8);
      io = new Io(in, merged, merged, OurEtcdctl.environment(env));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> all = new ArrayList<>(List.of("--endpoints", endpoint));
    all.addAll(List.of(args));
    thread =
        new Thread(
            () -> {
              try {
                exit.complete(Ctl.run(all.toArray(new String[0]), io));
              } catch (Throwable e) {
                exit.completeExceptionally(e);
              }
            },
            "our-etcdctl-bg-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  static OurEtcdctlBackground start(String endpoint, String name, String stdin, Map<String, String> env, String... args) {
    return new OurEtcdctlBackground(name, endpoint, stdin, env, args);
  }

  /** Starts {@code etcdctl --endpoints endpoint args...} with an empty stdin. */
  static OurEtcdctlBackground start(String endpoint, String name, String... args) {
    return new OurEtcdctlBackground(name, endpoint, null, Map.of(), args);
  }

  /** More input for an interactive command. */
  void write(String input) {
    try {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
      stdin.flush();
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

  String printed() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** What it printed, read before the interrupt (as {@link EtcdctlBackground#stop}); waits up to 5 s for it to end. */
  String stop() {
    String printed = printed();
    io.interrupt().complete(null);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(5));
      stdin.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException ignored) {
      // closed already
    }
    if (thread.isAlive()) {
      throw new AssertionError("etcdj etcdctl " + name + " did not end within 5 s of its interrupt");
    }
    return printed;
  }

  /** Its exit code once it has ended, or -1 while it runs. */
  int exitCode() {
    return exit.getNow(-1);
  }

  /** Its exit code once it has ended on its own, or -1 after {@code timeoutMs}. */
  int awaitExit(long timeoutMs) {
    try {
      return exit.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("etcdj etcdctl crashed", e.getCause());
    }
  }

  /** Ctrl-C: completes the interrupt and waits (up to 10 s) for the command to end; returns its exit code. */
  int interrupt() {
    io.interrupt().complete(null);
    return awaitExit(10_000);
  }
}
