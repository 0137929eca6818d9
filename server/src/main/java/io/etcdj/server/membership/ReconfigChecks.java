package io.etcdj.server.membership;

import io.etcdj.api.etcdserverpb.Member;
import io.etcdj.server.errors.EtcdError;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * etcd's strict reconfiguration checks ({@code --strict-reconfig-check}, on by default): a
 * membership change is refused when it could leave the cluster without a quorum. Two facts are
 * used, as in etcd: whether a voter has <em>started</em> (published its name, see {@link
 * Membership}) and since when this member has been <em>connected</em> to it (the transport's
 * active-since time). Mirrors {@code mayAddMember}, {@code mayRemoveMember} and {@code
 * mayPromoteMember} of etcd's etcdserver/server.go with the {@code IsReadyTo*} counts of
 * membership/cluster.go.
 *
 * <p>Each check returns the error to answer, or null when the change may go ahead. Pure: the
 * caller passes the members, this member's id, the clock and the connection times.
 */
public final class ReconfigChecks {
  /** etcd's HealthInterval: peers must have been connected this long for a reconfiguration. */
  public static final long HEALTH_INTERVAL_MS = 5_000;

  private ReconfigChecks() {}

  /**
   * @param activeSinceMs member id → epoch millis since its stream is connected, or 0 when down
   */
  public static EtcdError mayAddMember(
      List<Member> members, long self, boolean learner, long nowMs, LongUnaryOperator activeSinceMs) {
    if (!learner && !readyToAddVoter(members)) {
      return EtcdError.NOT_ENOUGH_STARTED;
    }
    if (!connectedFully(members, self, nowMs, activeSinceMs)) {
      return EtcdError.UNHEALTHY_CLUSTER;
    }
    return null;
  }

  public static EtcdError mayRemoveMember(
      List<Member> members, long self, long removing, long nowMs, LongUnaryOperator activeSinceMs) {
    Member m = find(members, removing);
    if (m != null && m.getIsLearner()) {
      return null; // a learner is not part of any quorum
    }
    int voters = 0;
    int started = 0;
    for (Member v : members) {
      if (v.getIsLearner() || v.getID() == removing) {
        continue;
      }
      voters++;
      started += started(v) ? 1 : 0;
    }
    if (started < voters / 2 + 1) {
      return EtcdError.NOT_ENOUGH_STARTED;
    }
    if (removing != self && activeSinceMs.applyAsLong(removing) == 0) {
      return null; // a member that is down is safe to remove: it is not in the active quorum
    }
    List<Member> voting = members.stream().filter(v -> !v.getIsLearner()).toList();
    int active = connectedSince(voting, self, nowMs - HEALTH_INTERVAL_MS, activeSinceMs);
    if (active - 1 < 1 + (voting.size() - 1) / 2) {
      return EtcdError.UNHEALTHY_CLUSTER;
    }
    return null;
  }

  /** After the leader found the learner caught up (that check comes first, as in etcd). */
  public static EtcdError mayPromoteMember(List<Member> members) {
    int voters = 1; // the learner counts towards the future quorum
    int started = 1; // and as started
    for (Member v : members) {
      if (!v.getIsLearner()) {
        voters++;
        started += started(v) ? 1 : 0;
      }
    }
    if (started < voters / 2 + 1) {
      return EtcdError.NOT_ENOUGH_STARTED;
    }
    // etcd 3.4's mayPromoteMember stops here: unlike add and remove, no connection check.
    return null;
  }

  /** etcd's IsReadyToAddVotingMember: started voters must reach the quorum of the new size. */
  private static boolean readyToAddVoter(List<Member> members) {
    int voters = 1; // the member being added
    int started = 0;
    for (Member v : members) {
      if (!v.getIsLearner()) {
        voters++;
        started += started(v) ? 1 : 0;
      }
    }
    if (started == 1 && voters == 2) {
      return true; // adding a second member to a one-member cluster (e.g. restoring it)
    }
    return started >= voters / 2 + 1;
  }

  /** Every voter connected for at least the health interval (this member counts itself). */
  private static boolean connectedFully(
      List<Member> members, long self, long nowMs, LongUnaryOperator activeSinceMs) {
    List<Member> voting = members.stream().filter(v -> !v.getIsLearner()).toList();
    return connectedSince(voting, self, nowMs - HEALTH_INTERVAL_MS, activeSinceMs)
        == voting.size();
  }

  private static int connectedSince(
      List<Member> voting, long self, long sinceMs, LongUnaryOperator activeSinceMs) {
    int n = 0;
    for (Member v : voting) {
      long t = v.getID() == self ? 0 : activeSinceMs.applyAsLong(v.getID());
      if (v.getID() == self || (t != 0 && t <= sinceMs)) {
        n++;
      }
    }
    return n;
  }

  private static boolean started(Member m) {
    return !m.getName().isEmpty();
  }

  private static Member find(List<Member> members, long id) {
    for (Member m : members) {
      if (m.getID() == id) {
        return m;
      }
    }
    return null;
  }
}
