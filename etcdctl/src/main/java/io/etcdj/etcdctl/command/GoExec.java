package io.etcdj.etcdctl.command;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a command the way Go's {@code exec.Command(name, args...).Run()} runs it for etcdctl: the
 * name is looked up in {@code $PATH} unless it holds a slash, stdin is /dev/null, stdout and stderr
 * go to etcdctl's, and the outcome is Go's error text ({@code exit status N}, {@code exec: "x":
 * executable file not found in $PATH}, {@code fork/exec /x: no such file or directory}) or null.
 *
 * <p>A child killed by a signal reads as {@code exit status 128+N} here where Go says
 * {@code signal: ...}: the JDK reports both the same way.
 */
final class GoExec {
  private static final Pattern ERRNO = Pattern.compile("error=\\d+, (.*)$");

  private GoExec() {}

  /**
   * Runs {@code argv} with {@code env} (already merged: the later value of a duplicate wins, as
   * Go's dedupEnv keeps it) and returns Go's error text, or null when it exited with 0.
   */
  static String run(List<String> argv, Map<String, String> env, PrintStream out, PrintStream err) throws InterruptedException {
    String name = argv.get(0);
    if (!name.contains("/") && lookPath(name, env.getOrDefault("PATH", "")) == null) {
      return "exec: " + io.etcdj.etcdctl.cli.GoQuote.quote(name) + ": executable file not found in $PATH";
    }
    ProcessBuilder pb = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    pb.environment().clear();
    pb.environment().putAll(env);
    out.flush();
    err.flush();
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return "fork/exec " + name + ": " + errnoText(e.getMessage());
    }
    Thread o = pump(p.getInputStream(), out, "etcdctl-exec-out");
    Thread e = pump(p.getErrorStream(), err, "etcdctl-exec-err");
    int code = p.waitFor();
    o.join();
    e.join();
    return code == 0 ? null : "exit status " + code;
  }

  /** The environment for a child: {@code first}, then the run's environment, later entries winning. */
  static Map<String, String> env(Map<String, String> first, Map<String, String> environ) {
    Map<String, String> env = new LinkedHashMap<>(first);
    env.putAll(environ);
    return env;
  }

  /** Go's LookPath: the first regular, executable file of that name in a PATH directory. */
  private static File lookPath(String name, String path) {
    for (String dir : path.split(":", -1)) {
      File f = new File(dir.isEmpty() ? "." : dir, name);
      if (f.isFile() && f.canExecute()) {
        return f;
      }
    }
    return null;
  }

  /** The JDK says {@code error=2, No such file or directory}; Go prints the errno text in lower case. */
  private static String errnoText(String message) {
    Matcher m = ERRNO.matcher(message == null ? "" : message);
    if (!m.find() || m.group(1).isEmpty()) {
      return String.valueOf(message);
    }
    String t = m.group(1);
    return Character.toLowerCase(t.charAt(0)) + t.substring(1);
  }

  private static Thread pump(InputStream from, OutputStream to, String name) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try {
                for (int n = from.read(buf); n >= 0; n = from.read(buf)) {
                  synchronized (to) {
                    to.write(buf, 0, n);
                    to.flush();
                  }
                }
              } catch (IOException ignored) {
                // the child closed its end
              }
            },
            name);
    t.setDaemon(true);
    t.start();
    return t;
  }
}
