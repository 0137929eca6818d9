package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Three members that talk TLS to each other (issue 16): https:// peer URLs, each member with its
 * own peer certificate ({@code ETCD_PEER_CERT_FILE}...), client certificates required between
 * peers. The cluster forms, replicates and lists https:// peer URLs; a member restarted with a
 * certificate from another CA is rejected by the others and cannot rejoin; with its own
 * certificate back, it catches up. The same on real etcd, which validates the test.
 */
@Tag("process")
class PeerTlsProcessTest {
  @TempDir Path dir;

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void membersTalkTlsAndRefuseAStranger(EtcdProcess.Kind kind) throws Exception {
    TestCertificates certs = TestCertificates.make(dir);
    for (int i = 1; i <= 3; i++) {
      certs.copy("peer", "peer-m" + i);
    }
    EtcdCluster.Options options = new EtcdCluster.Options(3, 100, 1_000, 0, List.of());
    try (EtcdCluster c =
        EtcdCluster.startWithPeerTls(
            kind,
            "peer-tls",
            options,
            m ->
                Map.of(
                    "ETCD_PEER_CERT_FILE", certs.file("peer-" + m.memberName() + ".crt"),
                    "ETCD_PEER_KEY_FILE", certs.file("peer-" + m.memberName() + ".key"),
                    "ETCD_PEER_TRUSTED_CA_FILE", certs.file("ca.crt"),
                    "ETCD_PEER_CLIENT_CERT_AUTH", "true"))) {
      Map<String, Long> acks = ClusterProcessTest.putAll(c, c.live(), "/peertls/a/", 50);
      ClusterProcessTest.checkContains(c, c.member(2), "/peertls/a/", acks, true, 50);
      for (var m : ClusterGrpc.newBlockingStub(c.channel(c.member(0))).withDeadlineAfter(5, TimeUnit.SECONDS)
          .memberList(MemberListRequest.getDefaultInstance()).getMembersList()) {
        assertTrue(m.getPeerURLs(0).startsWith("https://127.0.0.1:"), m.toString());
      }

      EtcdProcess third = c.member(2);
      c.stop(third);
      certs.copy("stranger-peer", "peer-m3");
      acks.putAll(ClusterProcessTest.putAll(c, c.live(), "/peertls/b/", 50));
      c.launch(third);
      EtcdProcess.sleepMs(4_000);
      assertTrue(c.statusOrNull(third) == null || c.statusOrNull(third).leader() == 0,
          "a member with a stranger's certificate must not be serving with a leader");
      String log = c.member(0).logTail(400) + c.member(1).logTail(400);
      assertTrue(log.contains("rejected connection"), "the others log the rejection\n" + log);

      c.kill(third);
      certs.copy("peer", "peer-m3");
      c.restart(third);
      long rev = ClusterProcessTest.awaitSameRevision(c, ClusterProcessTest.CATCH_UP_BOUND);
      ClusterProcessTest.checkContains(c, third, "/peertls/b/", acks, true, 50);
      ClusterProcessTest.assertConverged(c, rev);
    }
  }
}
