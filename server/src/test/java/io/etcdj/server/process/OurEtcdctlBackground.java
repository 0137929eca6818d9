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
import java.util.concurrent.TimeUnit;

/**
 * etcdj's etcdctl running in-process in the background, as {@link EtcdctlBackground} runs the stock one: stdout and
 * stderr into one buffer readable while it runs, stdin written and left open (an interactive command ends with its
 * input), and {@link #stop} plays Ctrl-C by completing the run's {@link Io#interrupt()}.
 */
final class OurEtcdctlBackground {
  final String name;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final PipedOutputStream stdin;
  private final Io io;
  private final Thread thread;
  private volatile int exitCode = -1;

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
      PrintStream ps = new PrintStream(new SyncOut(out), true, StandardCharsets.UTF_8);
      io = new Io(in, ps, ps, Map.copyOf(env));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> all = new ArrayList<>(List.of("--endpoints", endpoint));
    all.addAll(List.of(args));
    thread = new Thread(() -> exitCode = Ctl.run(all.toArray(new String[0]), io), "our-etcdctl-bg-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  static OurEtcdctlBackground start(String endpoint, String name, String stdin, Map<String, String> env, String... args) {
    return new OurEtcdctlBackground(name, endpoint, stdin, env, args);
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
    synchronized (out) {
      return out.toString(StandardCharsets.UTF_8);
    }
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

  int exitCode() {
    return exitCode;
  }

  /** A byte sink that can be read while commands write to it from several threads. */
  private static final class SyncOut extends java.io.OutputStream {
    private final ByteArrayOutputStream buf;

    SyncOut(ByteArrayOutputStream buf) {
      this.buf = buf;
    }

    @Override
    public void write(int b) {
      synchronized (buf) {
        buf.write(b);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) {
      synchronized (buf) {
        buf.write(b, off, len);
      }
    }
  }
}
