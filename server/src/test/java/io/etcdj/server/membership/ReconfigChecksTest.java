package io.etcdj.server.membership;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.server.errors.EtcdError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * etcd's strict reconfiguration checks as tables. A cluster is written as one letter per member:
 * member 1 is this member (always started and connected); the others are {@code c} started and
 * connected for longer than the health interval, {@code n} started and connected only just now,
 * {@code d} started and down, {@code u} never started (no name) and down, {@code l} a connected
 * learner.
 */
class ReconfigChecksTest {
  static final long NOW = 1_000_000;

  private record Cluster(List<Member> members, Map<Long, Long> activeSince) {
    long activeSince(long id) {
      return activeSince.getOrDefault(id, 0L);
    }
  }

  /** {@code spec} describes members 2, 3, …; member 1 is this member. */
  private static Cluster cluster(String spec) {
    List<Member> members = new ArrayList<>();
    Map<Long, Long> since = new HashMap<>();
    members.add(Member.newBuilder().setID(1).setName("m1").build());
    for (int i = 0; i < spec.length(); i++) {
      long id = i + 2;
      char k = spec.charAt(i);
      Member.Builder b = Member.newBuilder().setID(id);
      if (k != 'u') {
        b.setName("m" + id);
      }
      b.setIsLearner(k == 'l');
      members.add(b.build());
      switch (k) {
        case 'c', 'l' -> since.put(id, NOW - ReconfigChecks.HEALTH_INTERVAL_MS - 1);
        case 'n' -> since.put(id, NOW - 10);
        default -> { }
      }
    }
    return new Cluster(members, since);
  }

  private static EtcdError error(String name) {
    return name.equals("ok") ? null : EtcdError.valueOf(name);
  }

  @ParameterizedTest(name = "add {1} to 1+{0}: {2}")
  @CsvSource({
    "'', voter, ok", // a second member for a one-member cluster
    "cc, voter, ok",
    "cd, voter, UNHEALTHY_CLUSTER", // enough started, but one is not connected
    "cn, voter, UNHEALTHY_CLUSTER", // connected for less than the health interval
    "cu, voter, NOT_ENOUGH_STARTED", // 2 started of 4 after the add
    "uu, voter, NOT_ENOUGH_STARTED", // 1 started of 4 after the add
    "d, voter, UNHEALTHY_CLUSTER", // 2 started of 3
    "u, voter, NOT_ENOUGH_STARTED", // 1 started of 3
    "cd, learner, UNHEALTHY_CLUSTER", // learners are refused on an unhealthy cluster too
    "uu, learner, UNHEALTHY_CLUSTER", // but not for want of started members
    "ccl, voter, ok", // a learner is not a voter: it need not be connected
  })
  void addMember(String spec, String kind, String expected) {
    Cluster c = cluster(spec);
    assertEquals(
        error(expected),
        ReconfigChecks.mayAddMember(c.members(), 1, kind.equals("learner"), NOW, c::activeSince));
  }

  @ParameterizedTest(name = "remove {1} from 1+{0}: {2}")
  @CsvSource({
    "cc, 3, ok",
    "cd, 3, ok", // a member that is down is safe to remove
    "cd, 2, UNHEALTHY_CLUSTER", // removing a connected one leaves 1 of 3 connected
    "dd, 2, ok", // down: the 2 left are started, and a down member is safe to remove
    "uu, 2, NOT_ENOUGH_STARTED", // 1 started (this one) of the 2 left
    "ud, 3, NOT_ENOUGH_STARTED", // 1 started (this one) of the 2 left
    "ccl, 4, ok", // learners are no part of the quorum
    "cc, 1, ok", // this member itself, the others connected
    "cn, 1, UNHEALTHY_CLUSTER", // this member itself, one other only just connected
  })
  void removeMember(String spec, long id, String expected) {
    Cluster c = cluster(spec);
    assertEquals(
        error(expected), ReconfigChecks.mayRemoveMember(c.members(), 1, id, NOW, c::activeSince));
  }

  @ParameterizedTest(name = "promote in 1+{0}: {1}")
  @CsvSource({
    "ccl, ok",
    "cdl, ok", // etcd checks only started members for a promotion, not connections
    "uul, NOT_ENOUGH_STARTED", // 2 started (this one and the learner) of 4
    "ul, ok", // 2 started of 3 counting the learner
  })
  void promoteMember(String spec, String expected) {
    Cluster c = cluster(spec);
    assertEquals(
        error(expected), ReconfigChecks.mayPromoteMember(c.members()));
  }
}
