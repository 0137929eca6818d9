package io.etcdj.server.process;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the system's {@code curl} as a user would against a server's HTTP endpoints and splits its
 * {@code -i} output into status, headers (names lower-cased) and body.
 */
final class Curl {
  /** One HTTP answer. */
  record Answer(int status, Map<String, String> headers, String body) {
    String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  private Curl() {}

  /** {@code curl -s -i [-X method] url}, within 10 s. */
  static Answer request(String method, String url) {
    return request(method, url, List.of());
  }

  /** As {@link #request(String, String)}, with more of curl's options (TLS files, a body). */
  static Answer request(String method, String url, List<String> options) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "10"));
    cmd.addAll(options);
    if (!method.equals("GET")) {
      cmd.addAll(List.of("-X", method));
    }
    cmd.add(url);
    byte[] out;
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      try (InputStream in = p.getInputStream()) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        out = buf.toByteArray();
      }
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("curl did not finish: " + cmd);
      }
      if (p.exitValue() != 0) {
        throw new AssertionError("curl exited " + p.exitValue() + ": " + cmd + "\n" + new String(out, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run curl: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    return parse(new String(out, StandardCharsets.UTF_8));
  }

  static Answer get(String url) {
    return request("GET", url);
  }

  static Answer parse(String raw) {
    int end = raw.indexOf("\r\n\r\n");
    if (end < 0) {
      throw new AssertionError("not an HTTP answer: " + raw);
    }
    String[] lines = raw.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, String> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers.put(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).strip());
    }
    return new Answer(status, headers, raw.substring(end + 4));
  }
}
