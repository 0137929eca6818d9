package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A snapshot of a server (etcdj or a real etcd) holding keys, history, a delete, a compaction and a
 * leased key, saved by stock etcdctl and by ours (same status fields in stock's {@code snapshot
 * status}), restored by our etcdctl into the data dirs of a new three-member etcdj cluster: the
 * three members start on them, elect a leader, serve the source's keys at its revision with the
 * lease, have equal HashKV, and take writes.
 */
@Tag("process")
class SnapshotRestoreProcessTest {
  private static final String TOKEN = "restored-cluster";
  private static final java.time.Duration FORM_TIMEOUT = java.time.Duration.ofSeconds(90);
  private static final Pattern REVISION = Pattern.compile("\"revision\":(\\d+)");
  private static final Pattern HASH = Pattern.compile("\"hash\":(\\d+)");
  private static final Pattern TOTAL_KEY = Pattern.compile("\"totalKey\":(\\d+)");

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void snapshotRestoresIntoThreeEtcdjMembers(EtcdProcess.Kind sourceKind) {
    String keys;
    String leases;
    Path snap = tmp.resolve("ours.db");
    try (EtcdProcess source = EtcdProcess.start(sourceKind, "snapshot-source")) {
      String ep = source.endpoint();
      for (int i = 0; i < 20; i++) {
        ok(Etcdctl.run(ep, List.of("put", "k" + i, "v" + i)));
      }
      ok(Etcdctl.run(ep, List.of("put", "k1", "again")));
      ok(Etcdctl.run(ep, List.of("del", "k2")));
      ok(Etcdctl.run(ep, List.of("compact", "5")));
      Etcdctl.Result grant = ok(Etcdctl.run(ep, List.of("lease", "grant", "600")));
      String leaseId = grant.stdout().split(" ")[1];
      ok(Etcdctl.run(ep, List.of("put", "leased", "x", "--lease=" + leaseId)));
      ok(Etcdctl.run(ep, List.of("put", "big", "y".repeat(9_000)))); // a value on overflow pages
      Path stockSnap = tmp.resolve("stock.db");
      ok(Etcdctl.run(ep, List.of("snapshot", "save", stockSnap.toString())));
      ok(OurEtcdctl.run(ep, List.of("snapshot", "save", snap.toString())));
      String stockStatus = ok(Etcdctl.run(null, List.of("-w", "json", "snapshot", "status", stockSnap.toString()))).stdout();
      String oursStatus = ok(Etcdctl.run(null, List.of("-w", "json", "snapshot", "status", snap.toString()))).stdout();
      assertEquals(number(REVISION, stockStatus), number(REVISION, oursStatus), oursStatus);
      assertEquals(number(TOTAL_KEY, stockStatus), number(TOTAL_KEY, oursStatus), oursStatus);
      keys = ok(Etcdctl.run(ep, List.of("get", "", "--prefix", "-w", "json"))).stdout();
      leases = ok(Etcdctl.run(ep, List.of("lease", "list"))).stdout();
      assertTrue(leases.contains(leaseId), leases);
    }
    int[] ports = EtcdProcess.freePorts(6);
    StringBuilder initial = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      initial.append(i == 0 ? "" : ",").append("m").append(i + 1).append("=http://127.0.0.1:").append(ports[2 * i + 1]);
    }
    List<EtcdProcess> members = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        EtcdProcess m =
            EtcdProcess.member(EtcdProcess.Kind.ETCDJ, "snapshot-restored", "m" + (i + 1), ports[2 * i], ports[2 * i + 1], initial.toString(), TOKEN, List.of());
        members.add(m);
        Etcdctl.Result r =
            ok(
                OurEtcdctl.run(
                    null,
                    List.of(
                        "snapshot", "restore", snap.toString(), "--name", m.memberName(), "--data-dir", m.dataDir().toString(),
                        "--initial-cluster", initial.toString(), "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", m.peerUrl())));
        assertTrue(r.stderr().contains("\"msg\":\"restored snapshot\""), r.stderr());
      }
      members.forEach(EtcdProcess::launch);
      // Three JVMs start together and only serve once they have a leader: give the first the
      // time a whole cluster needs to form on a loaded machine, the others their own timeout.
      members.get(0).awaitReady(FORM_TIMEOUT);
      for (EtcdProcess m : members) {
        m.awaitReady(m.readyTimeout());
      }
      String wantKvs = withoutHeader(keys);
      List<Long> hashes = new ArrayList<>();
      for (EtcdProcess m : members) {
        String got = ok(Etcdctl.run(m.endpoint(), List.of("get", "", "--prefix", "-w", "json"))).stdout();
        assertEquals(wantKvs, withoutHeader(got), m.memberName());
        assertEquals(number(REVISION, keys), number(REVISION, got), m.memberName());
        assertEquals(leases, ok(Etcdctl.run(m.endpoint(), List.of("lease", "list"))).stdout(), m.memberName());
        hashes.add(number(HASH, ok(Etcdctl.run(m.endpoint(), List.of("-w", "json", "endpoint", "hashkv"))).stdout()));
      }
      assertEquals(List.of(hashes.get(0), hashes.get(0), hashes.get(0)), hashes);
      ok(Etcdctl.run(EtcdCluster.endpoints(members), List.of("put", "after-restore", "1")));
      String after = ok(Etcdctl.run(members.get(2).endpoint(), List.of("get", "after-restore", "--consistency=l", "--print-value-only"))).stdout();
      assertEquals("1\n", after);
    } finally {
      members.forEach(EtcdProcess::close);
    }
  }

  private static Etcdctl.Result ok(Etcdctl.Result r) {
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r;
  }

  private static long number(Pattern p, String json) {
    Matcher m = p.matcher(json);
    assertTrue(m.find(), json);
    return Long.parseLong(m.group(1));
  }

  /** A get's JSON without its header (the cluster and member ids differ after a restore). */
  private static String withoutHeader(String json) {
    return json.replaceFirst("\"header\":\\{[^}]*\\},", "");
  }
}
