package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code --max-wals} and {@code --max-snapshots} on a running etcdj: after many snapshots
 * ({@code --snapshot-count 20}) over many small WAL segments (a test hook shrinks them from 64 MiB
 * to 16 KiB), member/wal holds at most the limit, and the member restarts with all its data.
 */
@Tag("process")
class FileRetentionProcessTest {
  private static final int KEYS = 600;

  @Test
  void walAndSnapshotFilesStayBounded() throws Exception {
    Map<String, String> env =
        Map.of(
            "ETCD_SNAPSHOT_COUNT", "20",
            "ETCD_MAX_WALS", "2",
            "ETCD_MAX_SNAPSHOTS", "1",
            "ETCDJ_TEST_WAL_SEGMENT_BYTES", "16384");
    try (EtcdProcess p = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "retention", env)) {
      String value = "v".repeat(200);
      try (Client client = Client.builder().endpoints(p.clientUrl()).build()) {
        for (int i = 0; i < KEYS; i++) {
          client.getKVClient().put(bytes("k" + i), bytes(value)).get();
        }
      }
      Path member = p.dataDir().resolve("member");
      List<String> wals = files(member.resolve("wal"), ".wal");
      // ~170 KB of WAL went through 16 KiB segments; 2 are kept, plus the one being written when
      // it holds entries after the last snapshot (at most snapshot-count entries: one segment).
      assertTrue(wals.size() <= 3, "WAL files: " + wals);
      assertTrue(files(member.resolve("snap"), ".snap.db").size() <= 1);
      String log = Files.readString(p.logFile());
      assertTrue(log.contains("purged file "), "the purge is logged");

      p.stop();
      p.start();
      try (Client client = Client.builder().endpoints(p.clientUrl()).build()) {
        var got = client.getKVClient().get(bytes("k" + (KEYS - 1))).get();
        assertEquals(1, got.getKvs().size());
        assertEquals(KEYS + 1, got.getHeader().getRevision());
      }
    }
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static List<String> files(Path dir, String suffix) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
    }
  }
}
