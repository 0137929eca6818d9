package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --auto-compaction-mode}/{@code --auto-compaction-retention} on a running member: the
 * compaction revision moves to where etcd 3.4.23's compactor puts it, and the log says so in
 * etcd's words.
 */
@Tag("process")
class AutoCompactionProcessTest {
  private static final Pattern COMPACT = Pattern.compile("\"compact_revision\":(-?\\d+)");

  /**
   * Periodic mode with a 1 s retention (ticks every 100 ms): once writes stop at revision 6, the
   * revision seen a second ago is 6, and that is where the compaction ends up, on both servers.
   */
  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void periodicCompactsToTheRevisionOneRetentionAgo(EtcdProcess.Kind kind) throws IOException {
    try (EtcdProcess p =
        EtcdProcess.start(kind, "autocompact", Map.of("ETCD_AUTO_COMPACTION_RETENTION", "1s"))) {
      for (int i = 0; i < 5; i++) {
        put(p, "k" + i);
      }
      awaitCompactRevision(p, 6, Duration.ofSeconds(8));
      String log = Files.readString(p.logFile());
      assertTrue(
          log.contains("Starting auto-compaction at revision 6 (retention: 1s)"), kind + ": " + log);
      assertTrue(log.contains("Finished auto-compaction at revision 6"), kind + ": " + log);
    }
  }

  /**
   * Revision mode keeps the last 3 revisions. etcd checks every 5 minutes, too slow for a test, so
   * only etcdj runs this, with its test hook shortening the interval.
   */
  @Test
  void revisionModeKeepsTheLastRevisions() throws IOException {
    try (EtcdProcess p =
        EtcdProcess.start(
            EtcdProcess.Kind.ETCDJ,
            "autocompact-rev",
            Map.of(
                "ETCD_AUTO_COMPACTION_MODE", "revision",
                "ETCD_AUTO_COMPACTION_RETENTION", "3",
                "ETCDJ_TEST_REVISION_COMPACTION_INTERVAL", "200ms"))) {
      for (int i = 0; i < 10; i++) {
        put(p, "k" + i);
      }
      awaitCompactRevision(p, 8, Duration.ofSeconds(5));
      String log = Files.readString(p.logFile());
      assertTrue(
          log.contains("Starting auto-compaction at revision 8 (retention: 3 revisions)"), log);
      assertTrue(log.contains("Finished auto-compaction at revision 8"), log);
    }
  }

  private static void put(EtcdProcess p, String key) {
    Etcdctl.Result r = Etcdctl.run(p.endpoint(), List.of("put", key, "v"));
    assertEquals(0, r.exitCode(), r.stderr());
  }

  private static void awaitCompactRevision(EtcdProcess p, long want, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    long seen = -1;
    while (System.nanoTime() < deadline) {
      Etcdctl.Result r = Etcdctl.run(p.endpoint(), List.of("endpoint", "hashkv", "-w", "json"));
      Matcher m = COMPACT.matcher(r.stdout());
      seen = m.find() ? Long.parseLong(m.group(1)) : -1;
      if (seen == want) {
        return;
      }
      EtcdProcess.sleepMs(100);
    }
    assertEquals(want, seen, p.kind() + ": compact revision after " + timeout);
  }
}
