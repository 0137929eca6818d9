package io.etcdj.server.process;

import io.etcdj.etcdctl.Ctl;
import io.etcdj.etcdctl.cli.Io;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
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
 * stderr go to one buffer that can be read while it runs, and {@link #interrupt()} plays Ctrl-C by completing the
 * run's {@link Io#interrupt()}.
 */
final class OurEtcdctlBackground {
  private final Io io;
  private final ByteArrayOutputStream buffer;
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  private OurEtcdctlBackground(Io io, ByteArrayOutputStream buffer) {
    this.io = io;
    this.buffer = buffer;
  }

  /** Starts {@code etcdctl --endpoints endpoint args...} on its own thread, with an empty stdin. */
  static OurEtcdctlBackground start(String endpoint, String name, String... args) {
    List<String> all = new ArrayList<>(List.of("--endpoints", endpoint));
    all.addAll(List.of(args));
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    // One stream for both, as EtcdctlBackground merges stderr into stdout.
    PrintStream merged = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    Io io = new Io(new ByteArrayInputStream(new byte[0]), merged, merged, OurEtcdctl.environment(Map.of()));
    OurEtcdctlBackground bg = new OurEtcdctlBackground(io, buffer);
    Thread t =
        new Thread(
            () -> {
              try {
                bg.exit.complete(Ctl.run(all.toArray(new String[0]), io));
              } catch (Throwable e) {
                bg.exit.completeExceptionally(e);
              }
            },
            "our-etcdctl-bg-" + name);
    t.setDaemon(true);
    t.start();
    return bg;
  }

  String printed() {
    return buffer.toString(StandardCharsets.UTF_8); // ByteArrayOutputStream locks its reads and writes
  }

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
