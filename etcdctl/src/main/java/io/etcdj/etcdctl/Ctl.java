package io.etcdj.etcdctl;

import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Io;
import io.etcdj.etcdctl.cli.Runner;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.command.Tree;
import java.io.FileOutputStream;
import java.io.FileDescriptor;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code bin/etcdctl}: etcd 3.4's etcdctl (API v3) in Java. {@link #run} is the whole program
 * for one command line; tests call it in-process with their own streams and environment.
 */
public final class Ctl {
  /** How long a signalled run may take to clean up (unlock, resign) before the JVM halts. */
  private static final long CLEANUP_SECONDS_MAX = 10;

  private Ctl() {}

  public static void main(String[] args) {
    // Unbuffered stdout would make a large "get" slow; flush happens at exit.
    PrintStream out = new PrintStream(new java.io.BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
    Map<String, String> env = new HashMap<>(System.getenv());
    Io io = new Io(System.in, out, err, env);
    // Ctrl-C or a kill runs the shutdown hooks. A command that stock etcdctl lets the signal kill
    // dies at once (the JVM's 128+signal exit code); one that catches it (lock releases its lock,
    // elect resigns) is waiting on the interrupt: it cleans up and its own exit code is used.
    CountDownLatch finished = new CountDownLatch(1);
    AtomicInteger exitCode = new AtomicInteger(ExitCode.ERROR);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> onShutdown(io, finished, exitCode), "etcdctl-interrupt"));
    int code = run(args, io);
    exitCode.set(code);
    finished.countDown();
    out.flush();
    err.flush();
    System.exit(code);
  }

  private static void onShutdown(Io io, CountDownLatch finished, AtomicInteger exitCode) {
    // Read before completing: completion runs and drops the waiters.
    boolean caught = io.interrupt().getNumberOfDependents() > 0;
    io.interrupt().complete(null);
    if (!caught || finished.getCount() == 0) {
      return;
    }
    try {
      if (finished.await(CLEANUP_SECONDS_MAX, TimeUnit.SECONDS)) {
        io.out().flush();
        io.err().flush();
        Runtime.getRuntime().halt(exitCode.get());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Runs one command line; returns the exit code. */
  public static int run(String[] args, Io io) {
    Map<String, String> env = new HashMap<>(io.env());
    // etcdctl's main reads ETCDCTL_API and removes it before flags are read from the environment.
    String api = env.remove("ETCDCTL_API");
    if (api != null && !api.isEmpty() && !api.equals("3")) {
      io.err().println("Error: only the v3 API (ETCDCTL_API=3) is supported; got ETCDCTL_API=" + api);
      return 1;
    }
    Io clean = new Io(io.in(), io.out(), io.err(), env, io.interrupt());
    return Runner.run(Tree.build(), Arrays.asList(args), clean, Client::open);
  }
}
