package io.etcdj.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * STYLE rule 1: the consensus core is deterministic. Fails the build if a core source (every
 * package under io/etcdj/raft except wal) mentions threads, locks, clocks, file I/O or a
 * transport/storage library. Comments are stripped first, so prose may talk about them.
 */
class CoreDeterminismGuardTest {
  private static final Path CORE = Path.of("src/main/java/io/etcdj/raft");

  private static final Pattern FORBIDDEN =
      Pattern.compile(
          "\\bThread\\b|\\bThreadLocal|\\bsynchronized\\b|java\\.util\\.concurrent|System\\.nanoTime"
              + "|System\\.currentTimeMillis|java\\.time\\b|java\\.io\\.File|java\\.nio\\.file|\\bio\\.grpc"
              + "|\\bio\\.netty|\\borg\\.lmdbjava|Math\\.random|new\\s+Random\\s*\\(");

  static String stripComments(String src) {
    return src.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
  }

  static List<String> violations(String src) {
    List<String> out = new ArrayList<>();
    Matcher m = FORBIDDEN.matcher(stripComments(src));
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  @Test
  void coreSourcesUseNoThreadsClocksOrIo() throws IOException {
    assertTrue(Files.isDirectory(CORE), "run from the raft module: " + CORE.toAbsolutePath());
    List<String> problems = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(CORE)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        if (!p.toString().endsWith(".java") || CORE.relativize(p).startsWith("wal")) {
          continue;
        }
        scanned++;
        for (String v : violations(Files.readString(p))) {
          problems.add(CORE.relativize(p) + ": " + v);
        }
      }
    }
    assertTrue(scanned >= 15, "expected the core sources, scanned " + scanned);
    assertEquals(List.of(), problems, "the raft core must stay deterministic");
  }

  @Test
  void guardCatchesForbiddenCodeButNotComments() {
    assertEquals(List.of("System.nanoTime"), violations("long t = System.nanoTime();"));
    assertEquals(List.of("synchronized"), violations("synchronized (x) {}"));
    assertEquals(List.of("java.util.concurrent"), violations("import java.util.concurrent.Executor;"));
    assertEquals(List.of("io.netty"), violations("import io.netty.buffer.ByteBuf;"));
    assertFalse(violations("new Thread(r).start();").isEmpty());
    assertEquals(List.of(), violations("// no Thread, no System.nanoTime here\n/* synchronized */ int x;"));
  }
}
