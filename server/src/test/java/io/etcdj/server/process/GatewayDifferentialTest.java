package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

/**
 * etcd's JSON gateway, driven with curl as its users drive it: every recipe of {@code
 * gateway-recipes.txt} is run in order on a fresh real etcd 3.4.23 and then on a fresh etcdj, both
 * started with the same name, token and ports (so cluster and member ids are equal), and the two
 * transcripts (status line, headers without {@code Date}, body and trailers) must be the same. Only
 * values that legitimately differ between the two servers are masked: the database sizes, raft
 * indexes and hash in Status and Hash (and the length of those answers), and the remaining TTL in
 * TimeToLive. Defragment and Snapshot are left out: etcdj's Maintenance service does not serve
 * them yet (the gateway answers their gRPC "unimplemented" as etcd's gateway would, 501).
 *
 * <p>With {@code -Detcdj.process.kinds=ETCD} or {@code =ETCDJ} only that side runs, and the test
 * checks the transcript is complete (a recipe per entry) instead of comparing.
 */
@Tag("process")
// Like the other golden tests (junit-platform.properties): its own servers on its own ports, mostly waiting on
// processes, so it runs beside the sequential process tests instead of after them.
@Execution(ExecutionMode.CONCURRENT)
class GatewayDifferentialTest {
  static final String RECIPES = "/process/gateway-recipes.txt";
  static final long CURL_TIMEOUT_SECONDS = 15;

  private static final List<Pattern> MASKS =
      List.of(
          Pattern.compile("\"(dbSize|dbSizeInUse|raftIndex|raftAppliedIndex)\":\"\\d+\""),
          Pattern.compile("\"(hash)\":\\d+"),
          Pattern.compile("\"(TTL)\":\"(2\\d|30)\",\"grantedTTL\""));

  record Recipe(String line, String method, String path, String body, int streamSeconds) {}

  @Test
  void sameAnswersAsEtcd() {
    List<Recipe> recipes = load();
    int[] ports = EtcdProcess.freePorts(2);
    List<EtcdProcess.Kind> kinds = EtcdProcess.selectedKinds();
    List<List<String>> transcripts = new ArrayList<>();
    for (EtcdProcess.Kind kind : kinds) {
      transcripts.add(run(kind, ports, recipes));
    }
    for (List<String> t : transcripts) {
      assertEquals(recipes.size(), t.stream().filter(l -> l.startsWith("$ curl")).count());
      assertTrue(t.stream().anyMatch(l -> l.contains("\"kvs\":[{\"key\":\"Zm9v\"")), "a range answered");
    }
    if (transcripts.size() == 2) {
      String diff = LineDiff.diff(transcripts.get(0), transcripts.get(1), "etcd", "etcdj");
      if (!diff.isEmpty()) {
        fail("the JSON gateway answers differ from etcd 3.4.23's\n" + diff);
      }
    }
  }

  private static List<String> run(EtcdProcess.Kind kind, int[] ports, List<Recipe> recipes) {
    List<String> transcript = new ArrayList<>();
    try (EtcdProcess server =
        EtcdProcess.member(
            kind, "gateway", "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      server.start();
      for (Recipe r : recipes) {
        transcript.add("$ curl " + r.line());
        transcript.addAll(normalise(curl(server.clientUrl(), r)));
      }
    }
    write("gateway-" + kind.lowerName() + ".transcript", transcript);
    return transcript;
  }

  /** Runs one recipe with curl -i and returns what it printed. */
  private static String curl(String baseUrl, Recipe r) {
    List<String> cmd = new ArrayList<>(List.of("curl", "-s", "-i", "-X", r.method(), baseUrl + r.path()));
    if (r.body() != null) {
      cmd.addAll(List.of("-d", r.body()));
    }
    if (r.streamSeconds() > 0) {
      cmd.addAll(List.of("-N", "--max-time", String.valueOf(r.streamSeconds())));
    }
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      byte[] out;
      try (InputStream in = p.getInputStream()) {
        out = in.readAllBytes();
      }
      if (!p.waitFor(CURL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("curl did not finish: " + r.line());
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * The status line, the headers sorted by lower-cased name without {@code Date} (Go sorts its
   * headers; Netty keeps the order they were set in, and names are case-insensitive), then the
   * body lines with the legitimate differences masked.
   */
  static List<String> normalise(String output) {
    String text = output.replace("\r\n", "\n");
    int split = text.indexOf("\n\n");
    String head = split < 0 ? text : text.substring(0, split);
    String body = split < 0 ? "" : text.substring(split + 2);
    List<String> lines = new ArrayList<>();
    String[] headLines = head.split("\n");
    lines.add(headLines[0]);
    List<String> headers = new ArrayList<>();
    for (int i = 1; i < headLines.length; i++) {
      String h = headLines[i];
      int colon = h.indexOf(':');
      String name = colon < 0 ? h : h.substring(0, colon).toLowerCase(Locale.ROOT);
      if (!name.equals("date")) {
        headers.add(colon < 0 ? h : name + h.substring(colon));
      }
    }
    boolean masked = false;
    for (Pattern mask : MASKS) {
      String before = body;
      body = mask.matcher(body).replaceAll("\"$1\":<masked>");
      masked |= !before.equals(body);
    }
    if (masked) {
      // A masked value may have another number of digits.
      headers.replaceAll(h -> h.startsWith("content-length:") ? "content-length: <masked>" : h);
    }
    headers.sort(null);
    for (String h : headers) {
      lines.add("  " + h);
    }
    for (String l : body.split("\n", -1)) {
      lines.add("| " + l);
    }
    return lines;
  }

  static List<Recipe> load() {
    List<Recipe> out = new ArrayList<>();
    try (InputStream in = GatewayDifferentialTest.class.getResourceAsStream(RECIPES)) {
      if (in == null) {
        throw new IllegalStateException("missing " + RECIPES);
      }
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        int stream = 0;
        String rest = line;
        if (rest.startsWith("stream")) {
          int sp = rest.indexOf(' ');
          stream = Integer.parseInt(rest.substring("stream".length(), sp));
          rest = rest.substring(sp + 1);
        }
        String[] parts = rest.split(" ", 3);
        out.add(new Recipe(line, parts[0], parts[1], parts.length > 2 ? parts[2] : null, stream));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static void write(String file, List<String> lines) {
    try {
      Files.createDirectories(EtcdProcess.LOG_ROOT);
      Files.write(EtcdProcess.LOG_ROOT.resolve(file), lines, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
