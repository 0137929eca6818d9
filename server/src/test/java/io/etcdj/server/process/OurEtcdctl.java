package io.etcdj.server.process;

import io.etcdj.etcdctl.Ctl;
import io.etcdj.etcdctl.cli.Io;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs etcdj's etcdctl ({@link Ctl#run}) in-process the way {@link Etcdctl} runs the stock one: {@code --endpoints}
 * first, optional stdin (else an empty one, as /dev/null), a timeout, stdout/stderr/exit code captured. In-process
 * saves a JVM start per command, which is what lets the golden tests run hundreds of commands in CI.
 */
final class OurEtcdctl {
  private static final ExecutorService RUNNER =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "our-etcdctl");
            t.setDaemon(true);
            return t;
          });

  private OurEtcdctl() {}

  /**
   * The environment {@link Etcdctl} gives stock etcdctl: the test's own without {@code ETCDCTL_*}, then
   * {@code ETCDCTL_API=3} and {@code extra}. Commands that start programs (lock, watch) hand it on, PATH included.
   */
  static Map<String, String> environment(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.keySet().removeIf(k -> k.startsWith("ETCDCTL"));
    env.put("ETCDCTL_API", "3");
    env.putAll(extra);
    return env;
  }

  static Etcdctl.Result run(String endpoint, List<String> args) {
    return run(endpoint, args, null, Etcdctl.DEFAULT_TIMEOUT, Map.of());
  }

  static Etcdctl.Result run(String endpoint, List<String> args, String stdin, Duration timeout, Map<String, String> env) {
    List<String> all = new ArrayList<>();
    if (endpoint != null) { // null: the test passes its own --endpoints, or none
      all.add("--endpoints");
      all.add(endpoint);
    }
    all.addAll(args);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    byte[] in = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
    PrintStream pout = new PrintStream(out, true, StandardCharsets.UTF_8);
    PrintStream perr = new PrintStream(err, true, StandardCharsets.UTF_8);
    Io io = new Io(new ByteArrayInputStream(in), pout, perr, environment(env));
    Future<Integer> f = RUNNER.submit(() -> Ctl.run(all.toArray(new String[0]), io));
    int exit;
    try {
      exit = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(true);
      exit = -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("etcdj etcdctl crashed on " + args, e.getCause());
    }
    pout.flush();
    perr.flush();
    return new Etcdctl.Result(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }
}
