package io.etcdj.etcdctl.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A run's standard streams, environment and interrupt. {@code main} passes the process's and
 * completes {@code interrupt} on SIGINT/SIGTERM; tests pass buffers and a map, and complete
 * {@code interrupt} to play Ctrl-C, so a command runs in-process exactly as it would from a shell.
 * Long-running commands (watch, lock, elect, keep-alive, ...) end when {@code interrupt} completes.
 */
public record Io(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, CompletableFuture<Void> interrupt) {

  public Io(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {
    this(in, out, err, env, new CompletableFuture<>());
  }
}
