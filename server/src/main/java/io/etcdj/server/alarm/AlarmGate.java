package io.etcdj.server.alarm;

import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.errors.EtcdError;

/**
 * What the apply step refuses while an alarm is active (etcd's {@code applierV3Capped} and {@code
 * applierV3Corrupt}), decided from the applied alarm set, so every member refuses the same entries:
 *
 * <ul>
 *   <li>CORRUPT: every put, range, delete, txn, compaction, lease grant and lease revoke in the log
 *       fails with "etcdserver: corrupt cluster".
 *   <li>NOSPACE: puts, txns that would put (either branch) and lease grants fail with "etcdserver:
 *       mvcc: database space exceeded"; deletes, compactions and revokes still work, so an operator
 *       can free space.
 * </ul>
 *
 * <p>etcd swaps its applier when an alarm is raised or cleared, which makes the outcome depend on
 * the order of events (clearing NOSPACE also lifts CORRUPT's refusals until a restart). etcdj
 * decides from the set of active alarms alone, CORRUPT first, as etcd does after a restart.
 *
 * <p>Threading: apply thread (reads the store's published list).
 */
public final class AlarmGate {
  private AlarmGate() {}

  /** The error the entry fails with while {@code alarms} hold their alarms, or null. */
  public static EtcdError refusal(AlarmStore alarms, InternalRaftRequest r) {
    if (alarms.active().isEmpty()) {
      return null; // the common case: nothing to look at
    }
    if (alarms.has(AlarmType.CORRUPT)) {
      switch (r.getRequestCase()) {
        case PUT, RANGE, DELETE_RANGE, TXN, COMPACTION, LEASE_GRANT, LEASE_REVOKE -> {
          return EtcdError.CORRUPT;
        }
        default -> { }
      }
    }
    if (alarms.has(AlarmType.NOSPACE)) {
      switch (r.getRequestCase()) {
        case PUT, LEASE_GRANT -> {
          return EtcdError.NO_SPACE;
        }
        case TXN -> {
          return BackendQuota.cost(r.getTxn()) > 0 ? EtcdError.NO_SPACE : null;
        }
        default -> { }
      }
    }
    return null;
  }
}
