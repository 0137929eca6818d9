package io.etcdj.etcdctl.cli;

import java.io.InputStream;
import java.io.PrintStream;
import java.util.Map;

/**
 * A run's standard streams and environment. {@code main} passes the process's; tests pass buffers
 * and a map, so a command runs in-process exactly as it would from a shell.
 */
public record Io(InputStream in, PrintStream out, PrintStream err, Map<String, String> env) {}
