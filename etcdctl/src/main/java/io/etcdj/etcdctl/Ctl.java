package io.etcdj.etcdctl;

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

/**
 * {@code bin/etcdctl}: etcd 3.4's etcdctl (API v3) in Java. {@link #run} is the whole program
 * for one command line; tests call it in-process with their own streams and environment.
 */
public final class Ctl {
  private Ctl() {}

  public static void main(String[] args) {
    // Unbuffered stdout would make a large "get" slow; flush happens at exit.
    PrintStream out = new PrintStream(new java.io.BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16), false);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true);
    Map<String, String> env = new HashMap<>(System.getenv());
    Io io = new Io(System.in, out, err, env);
    // Ctrl-C or a kill: let a long-running command stop cleanly (etcdctl lock releases its lock).
    Runtime.getRuntime().addShutdownHook(new Thread(() -> io.interrupt().complete(null), "etcdctl-interrupt"));
    int code = run(args, io);
    out.flush();
    err.flush();
    System.exit(code);
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
