package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code snapshot save}, {@code status} and {@code restore} of etcdj's etcdctl against stock etcdctl 3.4.23 on
 * real files: both CLIs save a snapshot of the same server into their own directory and must print the same
 * (timestamps, durations, sizes and the directory masked); then both report the status of both files, and of
 * corrupted copies, in every output format, and restore them, with identical output (ours writes an etcdj member
 * directory where stock writes an etcd one). Against etcdj, the files are etcdj's store written as etcd's backend.
 */
@Tag("process")
// Like the other golden tests (junit-platform.properties): its own servers on its own ports, mostly waiting on
// processes, so it runs beside the sequential process tests instead of after them.
@Execution(ExecutionMode.CONCURRENT)
class CtlSnapshotGoldenTest {
  private static final List<String> FORMATS = List.of("simple", "json", "fields", "table", "protobuf");

  @TempDir Path tmp;

  /** The server's endpoint, for the commands that talk to it. */
  private String endpoint;

  static Stream<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("kinds")
  void sameAsStockEtcdctl(EtcdProcess.Kind kind) throws IOException {
    int[] ports = EtcdProcess.freePorts(2);
    try (EtcdProcess server =
        EtcdProcess.member(kind, "ctl-snapshot", "n1", ports[0], ports[1], null, EtcdProcess.DEFAULT_TOKEN, List.of())) {
      server.start();
      String ep = server.endpoint();
      endpoint = ep;
      for (int i = 0; i < 50; i++) {
        assertEquals(0, Etcdctl.run(ep, List.of("put", "key-" + i, "value-" + i)).exitCode());
      }
      Path stockDir = Files.createDirectories(tmp.resolve("stock"));
      Path oursDir = Files.createDirectories(tmp.resolve("ours"));
      EtcdctlNormalizer n = new EtcdctlNormalizer(server);
      List<String> save = List.of("snapshot", "save");
      assertSame(n, stockDir, oursDir, save, "snap.db");
      Path stockSnap = stockDir.resolve("snap.db");
      Path oursSnap = oursDir.resolve("snap.db");
      assertFalse(Files.exists(oursDir.resolve("snap.db.part")), "the part file is removed");
      // Ours saved a real etcd 3.4 backend file (etcd's, or etcdj's written as etcd's): stock etcdctl reads it.
      Etcdctl.Result st = Etcdctl.run(ep, List.of("-w", "json", "snapshot", "status", oursSnap.toString()));
      assertEquals(0, st.exitCode(), st.stderr());
      assertTrue(st.stdout().contains("\"totalKey\":"), st.stdout());
      for (Path p : List.of(stockSnap, oursSnap)) {
        Files.copy(p, oursDir.resolve("copy-" + p.getParent().getFileName() + ".db"));
        Files.copy(p, stockDir.resolve("copy-" + p.getParent().getFileName() + ".db"));
      }
      List<String> files = new ArrayList<>(List.of("copy-stock.db", "copy-ours.db"));
      files.addAll(corruptCopies(stockSnap, stockDir, oursDir));
      for (String f : files) {
        for (String fmt : FORMATS) {
          assertSame(n, stockDir, oursDir, List.of("-w", fmt, "snapshot", "status"), f);
        }
      }
      for (String f : List.of("copy-stock.db", "bad-hash.db", "no-hash.db", "tiny.db", "missing.db")) {
        assertSameRestore(n, stockDir, oursDir, f, List.of());
      }
      assertSameRestore(n, stockDir, oursDir, "no-hash.db", List.of("--skip-hash-check"));
      assertSameRestore(n, stockDir, oursDir, "bad-hash.db", List.of("--skip-hash-check"));
    }
  }

  /**
   * Copies of a good snapshot broken the ways bbolt and etcd check for, written into both directories; returns
   * their names. (Files cut inside the page tree are left out: bbolt dies of SIGBUS on them.)
   */
  private static List<String> corruptCopies(Path good, Path... dirs) throws IOException {
    byte[] b = Files.readAllBytes(good);
    int pageBytes = ByteBuffer.wrap(b, 16 + 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    Map<String, byte[]> out = new java.util.LinkedHashMap<>();
    out.put("empty.db", new byte[0]);
    out.put("tiny.db", Arrays.copyOf(b, 20));
    out.put("short.db", Arrays.copyOf(b, 100));
    out.put("one-page.db", Arrays.copyOf(b, pageBytes));
    out.put("no-hash.db", Arrays.copyOf(b, b.length - 32));
    byte[] badHash = b.clone();
    badHash[b.length - 1] ^= 1;
    out.put("bad-hash.db", badHash);
    out.put("bad-magic.db", both(b, pageBytes, 16, (byte) 0x13));
    out.put("bad-version.db", both(b, pageBytes, 20, (byte) 7));
    out.put("bad-checksum.db", both(b, pageBytes, 72, (byte) 0x5a));
    byte[] meta0 = b.clone();
    meta0[16] ^= 0x13;
    out.put("bad-meta0.db", meta0);
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : out.entrySet()) {
      for (Path d : dirs) {
        Files.write(d.resolve(e.getKey()), e.getValue());
      }
      names.add(e.getKey());
    }
    return names;
  }

  /** Flips bits of one byte at {@code offset} in both meta pages. */
  private static byte[] both(byte[] b, int pageBytes, int offset, byte xor) {
    byte[] c = b.clone();
    c[offset] ^= xor;
    c[pageBytes + offset] ^= xor;
    return c;
  }

  private void assertSameRestore(EtcdctlNormalizer n, Path stockDir, Path oursDir, String file, List<String> extra) {
    String dataDir = "restored-" + file + (extra.isEmpty() ? "" : "-skip");
    List<String> stockArgs = new ArrayList<>(List.of("snapshot", "restore", stockDir.resolve(file).toString(), "--data-dir", stockDir.resolve(dataDir).toString()));
    List<String> oursArgs = new ArrayList<>(List.of("snapshot", "restore", oursDir.resolve(file).toString(), "--data-dir", oursDir.resolve(dataDir).toString()));
    stockArgs.addAll(extra);
    oursArgs.addAll(extra);
    Etcdctl.Result s = Etcdctl.run("127.0.0.1:1", stockArgs);
    Etcdctl.Result o = OurEtcdctl.run("127.0.0.1:1", oursArgs);
    List<String> st = transcript(n, stockDir, stockArgs, s);
    List<String> ou = transcript(n, oursDir, oursArgs, o);
    // Ours prints stock's lines; where stock restored, ours wrote an etcdj member directory instead of an etcd one.
    assertEquals(st, ou, "snapshot restore " + file + " " + extra);
    if (s.exitCode() == 0) {
      for (String part : List.of("member/cluster", "member/members", "member/wal", "member/snap/db")) {
        assertTrue(Files.exists(oursDir.resolve(dataDir).resolve(part)), part);
      }
    } else {
      assertFalse(Files.exists(oursDir.resolve(dataDir)), "a failed restore leaves no directory");
    }
  }

  private void assertSame(EtcdctlNormalizer n, Path stockDir, Path oursDir, List<String> cmd, String file) {
    List<String> stockArgs = new ArrayList<>(cmd);
    stockArgs.add(stockDir.resolve(file).toString());
    List<String> oursArgs = new ArrayList<>(cmd);
    oursArgs.add(oursDir.resolve(file).toString());
    List<String> st = transcript(n, stockDir, stockArgs, Etcdctl.run(endpoint, stockArgs));
    List<String> ou = transcript(n, oursDir, oursArgs, OurEtcdctl.run(endpoint, oursArgs));
    assertEquals(String.join("\n", st), String.join("\n", ou), String.join(" ", cmd) + " " + file);
  }

  private static List<String> transcript(EtcdctlNormalizer n, Path dir, List<String> args, Etcdctl.Result r) {
    List<String> out = new ArrayList<>();
    out.add("[exit " + r.exitCode() + "]");
    out.addAll(mask(n.normalize(args, r.stdout()), dir));
    for (String line : mask(n.normalize(args, r.stderr()), dir)) {
      out.add("stderr> " + line);
    }
    return out;
  }

  /** Masks the CLI's own directory, the save's duration and the snapshot's size (they vary run to run). */
  private static List<String> mask(List<String> lines, Path dir) {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      out.add(
          l.replace(dir.toString(), "<DIR>")
              .replaceAll("\"took\":[0-9.e+-]+", "\"took\":<DURATION>")
              .replaceAll("\"size\":\"[^\"]*\"", "\"size\":\"<SIZE>\""));
    }
    return out;
  }
}
