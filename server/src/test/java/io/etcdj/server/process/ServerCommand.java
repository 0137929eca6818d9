package io.etcdj.server.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the etcd command of either kind once, to its exit, for start-up behaviour (bad flags, config files) where no
 * server comes up: the ETCD_* variables of the test JVM are removed, stdout and stderr are captured together.
 */
final class ServerCommand {
  record Result(int exitCode, String output) {}

  private ServerCommand() {}

  /** The command that starts a server of this kind, before its flags. */
  static List<String> of(EtcdProcess.Kind kind) {
    if (kind == EtcdProcess.Kind.ETCD) {
      return List.of(EtcdProcess.ETCD_BINARY);
    }
    return EtcdjJvm.command();
  }

  static Result run(List<String> cmd, int timeoutSeconds) throws IOException, InterruptedException {
    return run(cmd, Map.of(), timeoutSeconds);
  }

  /** Runs to completion (killed after the timeout, then failing the caller's exit-code check with -1). */
  static Result run(List<String> cmd, Map<String, String> env, int timeoutSeconds)
      throws IOException, InterruptedException {
    Path out = Files.createTempFile("etcdj-cmd-", ".out");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().keySet().removeIf(k -> k.startsWith("ETCD"));
      pb.environment().putAll(env);
      Process p = pb.start();
      int code;
      if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        code = p.exitValue();
      } else {
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        code = -1;
      }
      return new Result(code, Files.readString(out, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
    }
  }
}
