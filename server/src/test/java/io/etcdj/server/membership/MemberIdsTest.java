package io.etcdj.server.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class MemberIdsTest {

  @Test
  void defaultMemberAndClusterIdsMatchEtcd() {
    // etcd 3.4.23 started with no flags reports member 8e9e05c52164694d, cluster cdf818194e3a8c32.
    long member = MemberIds.memberId(List.of(URI.create("http://localhost:2380")), "etcd-cluster");
    assertEquals("8e9e05c52164694d", MemberIds.hex(member));
    assertEquals("cdf818194e3a8c32", MemberIds.hex(MemberIds.clusterId(List.of(member))));
  }

  @Test
  void peerUrlOrderDoesNotChangeTheId() {
    URI a = URI.create("http://127.0.0.1:2380");
    URI b = URI.create("http://127.0.0.2:2380");
    assertEquals(
        MemberIds.memberId(List.of(a, b), "t"), MemberIds.memberId(List.of(b, a), "t"));
  }

  @Test
  void clusterIdDependsOnMembersNotTheirOrder() {
    assertEquals(
        MemberIds.clusterId(List.of(1L, -5L, 7L)), MemberIds.clusterId(List.of(7L, 1L, -5L)));
  }
}
