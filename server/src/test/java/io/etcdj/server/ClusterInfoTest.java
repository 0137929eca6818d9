package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.api.internal.MembersResponse;
import io.etcdj.server.config.Flags;
import io.etcdj.server.config.ServerConfig;
import io.etcdj.server.membership.MemberIds;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How a member decides its identity: derived for a new cluster, taken from the running cluster
 * when it joins one (etcd's GetClusterFromRemotePeers + ValidateClusterAndAssignIDs, with the
 * error texts etcd 3.4.23 printed live), and loaded unchanged after a restart.
 */
class ClusterInfoTest {
  @TempDir Path dir;

  static final String A = "http://127.0.0.1:27101";
  static final String B = "http://127.0.0.1:27103";
  static final String D = "http://127.0.0.1:27107";

  private ServerConfig config(String state, String initialCluster) {
    return Flags.parse(
        new String[] {
          "--name", "d",
          "--data-dir", dir.resolve("data").toString(),
          "--initial-cluster", initialCluster,
          "--initial-cluster-state", state,
          "--initial-cluster-token", "tok"
        },
        Map.of());
  }

  private static Member member(long id, String name, String peer, String client, boolean learner) {
    Member.Builder b = Member.newBuilder().setID(id).setName(name).addPeerURLs(peer).setIsLearner(learner);
    if (!client.isEmpty()) {
      b.addClientURLs(client);
    }
    return b.build();
  }

  /** The running cluster: a and b started, d added but not started yet. */
  private static MembersResponse running() {
    return MembersResponse.newBuilder()
        .setClusterId(0x1f72f11fcb617630L)
        .addMembers(member(0x42c5c6d282cd7589L, "a", A, "http://127.0.0.1:27100", false))
        .addMembers(member(0x9d9596bb92b21be4L, "b", B, "http://127.0.0.1:27102", false))
        .addMembers(member(0x1ad7f99992732e14L, "", D, "", false))
        .build();
  }

  @Test
  void joiningTakesBothIdsFromTheRunningClusterAndKeepsThem() throws Exception {
    ServerConfig c = config("existing", "d=" + D + ",b=" + B + ",a=" + A);
    Files.createDirectories(c.memberDir());
    List<List<URI>> asked = new ArrayList<>();
    ClusterInfo.Start start =
        ClusterInfo.loadOrCreate(
            c,
            urls -> {
              asked.add(urls);
              return Optional.of(running());
            });
    assertEquals(List.of(List.of(URI.create(A), URI.create(B))), asked, "the other members, sorted");
    assertEquals(new ClusterInfo(0x1ad7f99992732e14L, 0x1f72f11fcb617630L, true), start.info());
    assertEquals(running().getMembersList(), start.knownMembers());

    // A restart reads the file and asks nobody (the member list file exists once it applied).
    Files.createFile(c.memberDir().resolve(ClusterInfo.MEMBERS_FILE));
    ClusterInfo.Start again =
        ClusterInfo.loadOrCreate(
            config("new", "d=" + D),
            urls -> {
              throw new AssertionError("a restart must not ask the peers");
            });
    assertEquals(start.info(), again.info());
    assertTrue(again.knownMembers().isEmpty());
  }

  @Test
  void aJoinedMemberThatAppliedNothingAsksForItsPeersAgain() throws Exception {
    ServerConfig c = config("existing", "d=" + D + ",b=" + B + ",a=" + A);
    Files.createDirectories(c.memberDir());
    ClusterInfo.loadOrCreate(c, urls -> Optional.of(running()));
    ClusterInfo.Start again = ClusterInfo.loadOrCreate(c, urls -> Optional.of(running()));
    assertEquals(running().getMembersList(), again.knownMembers());
  }

  @Test
  void theInitialClusterFlagMattersOnlyOnTheFirstStart() throws Exception {
    ServerConfig bad = config("new", "x");
    Files.createDirectories(bad.memberDir());
    StartupException e =
        assertThrows(StartupException.class, () -> ClusterInfo.loadOrCreate(bad, urls -> Optional.empty()));
    assertEquals("error setting up initial cluster: invalid value \"x\" for --initial-cluster", e.getMessage());
    ClusterInfo first = ClusterInfo.loadOrCreate(config("new", "d=" + D), urls -> Optional.empty()).info();
    assertEquals(first, ClusterInfo.loadOrCreate(bad, urls -> Optional.empty()).info());
  }

  @Test
  void noPeerAnsweringIsEtcdsFatalError() throws Exception {
    ServerConfig c = config("existing", "d=" + D + ",a=" + A);
    Files.createDirectories(c.memberDir());
    StartupException e =
        assertThrows(StartupException.class, () -> ClusterInfo.loadOrCreate(c, urls -> Optional.empty()));
    assertEquals(
        "cannot fetch cluster info from peer urls: could not retrieve cluster information from the"
            + " given URLs",
        e.getMessage());
    assertFalse(Files.exists(c.memberDir().resolve("cluster")), "nothing saved: the next start tries again");
  }

  @Test
  void aMemberThatWasNotAddedIsRefusedWithEtcdsMessage() {
    List<Member> local =
        ClusterInfo.initialMembers(config("existing", "d=" + D + ",b=" + B + ",a=" + A + ",e=http://x:1"));
    StartupException e =
        assertThrows(
            StartupException.class, () -> ClusterInfo.validateAndAssignId("d", local, running()));
    assertEquals(
        "error validating peerURLs {ClusterID:1f72f11fcb617630 Members:["
            + "&{ID:1ad7f99992732e14 RaftAttributes:{PeerURLs:[http://127.0.0.1:27107] IsLearner:false}"
            + " Attributes:{Name: ClientURLs:[]}} "
            + "&{ID:42c5c6d282cd7589 RaftAttributes:{PeerURLs:[http://127.0.0.1:27101] IsLearner:false}"
            + " Attributes:{Name:a ClientURLs:[http://127.0.0.1:27100]}} "
            + "&{ID:9d9596bb92b21be4 RaftAttributes:{PeerURLs:[http://127.0.0.1:27103] IsLearner:false}"
            + " Attributes:{Name:b ClientURLs:[http://127.0.0.1:27102]}}"
            + "] RemovedMemberIDs:[]}: member count is unequal",
        e.getMessage());
  }

  @Test
  void aPeerUrlMismatchNamesTheUnmatchedMember() {
    // b listed at a wrong port: the running b finds no match; the last comparison was with the
    // local member of the highest id.
    List<Member> local = ClusterInfo.initialMembers(config("existing", "d=" + D + ",b=http://127.0.0.1:27199,a=" + A));
    StartupException e =
        assertThrows(
            StartupException.class, () -> ClusterInfo.validateAndAssignId("d", local, running()));
    long lastLocal =
        local.stream().map(Member::getID).max(Long::compareUnsigned).orElseThrow();
    String lastUrl = local.stream().filter(m -> m.getID() == lastLocal).findFirst().orElseThrow().getPeerURLs(0);
    assertTrue(
        e.getMessage()
            .endsWith(
                ": PeerURLs: no match found for existing member (9d9596bb92b21be4,"
                    + " [http://127.0.0.1:27103]), last resolver error (resolved urls:"
                    + " \"http://127.0.0.1:27103\" != \"" + lastUrl + "\")"),
        e.getMessage());
  }

  @Test
  void urlListsOfDifferentLengthsSayWhy() {
    List<Member> local =
        List.of(
            // the highest id, so the last one the running a is compared with
            member(9, "a", A, "", false).toBuilder().addPeerURLs("http://127.0.0.1:1").build(),
            member(2, "b", B, "", false),
            member(3, "d", D, "", false));
    StartupException e =
        assertThrows(
            StartupException.class, () -> ClusterInfo.validateAndAssignId("d", local, running()));
    assertTrue(
        e.getMessage().endsWith("last resolver error (len([\"http://127.0.0.1:27101\"]) !="
            + " len([\"http://127.0.0.1:27101\" \"http://127.0.0.1:1\"]))"),
        e.getMessage());
  }

  @Test
  void aNewClusterDerivesTheIdsAsEtcdDoes() throws Exception {
    ServerConfig c = config("new", "d=" + D + ",a=" + A);
    Files.createDirectories(c.memberDir());
    ClusterInfo.Start start =
        ClusterInfo.loadOrCreate(
            c,
            urls -> {
              throw new AssertionError("a new cluster asks nobody");
            });
    long d = MemberIds.memberId(List.of(URI.create(D)), "tok");
    long a = MemberIds.memberId(List.of(URI.create(A)), "tok");
    assertEquals(new ClusterInfo(d, MemberIds.clusterId(List.of(a, d)), false), start.info());
    assertEquals(2, start.knownMembers().size());
  }
}
