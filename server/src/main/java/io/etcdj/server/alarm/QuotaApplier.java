package io.etcdj.server.alarm;

import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.errors.EtcdError;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The quota as the apply step sees it (etcd's {@code quotaApplierV3} and the NOSPACE raise in
 * {@code applyEntryNormal}): every member checks a put, txn or lease grant against its own backend
 * before applying it. One that does not fit is still applied (the log has decided it), but its
 * proposer is answered "database space exceeded", and unless some NOSPACE alarm is already
 * active this member raises NOSPACE for itself through the log and answers only once that is
 * done. So in a cluster every member that crosses its quota lists itself.
 *
 * <p>Threading: apply thread only. Raising proposes an entry and never blocks.
 */
public final class QuotaApplier {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaApplier.class);

  /** An answer to give once {@code raised} has completed (either way). */
  public record AfterRaise(CompletableFuture<?> raised, Object answer) {}

  private final BackendQuota quota;
  private final LongSupplier backendBytes;
  private final AlarmStore store;
  private final Supplier<CompletableFuture<?>> raiseSelf;
  /** The raise this member has in flight, reused so a burst of writes proposes it once. */
  private CompletableFuture<?> raising;
  /** A write crossed the quota while proposals were not possible (start-up replay). */
  private boolean raisePending;

  /**
   * @param backendBytes the backend size the quota is compared with
   * @param raiseSelf proposes NOSPACE for this member
   */
  public QuotaApplier(
      BackendQuota quota,
      LongSupplier backendBytes,
      AlarmStore store,
      Supplier<CompletableFuture<?>> raiseSelf) {
    this.quota = quota;
    this.backendBytes = backendBytes;
    this.store = store;
    this.raiseSelf = raiseSelf;
  }

  /** The quota cost of a log entry's request: puts, txns and lease grants; 0 for the rest. */
  public static long cost(InternalRaftRequest r) {
    return switch (r.getRequestCase()) {
      case PUT -> BackendQuota.cost(r.getPut());
      case TXN -> BackendQuota.cost(r.getTxn());
      case LEASE_GRANT -> BackendQuota.LEASE_COST;
      default -> 0;
    };
  }

  /** Whether {@code r} fits this member's quota; asked before it is applied. */
  public boolean fits(InternalRaftRequest r) {
    long cost = cost(r);
    return cost == 0 || quota.available(cost, backendBytes.getAsLong());
  }

  /**
   * The answer for a write that was applied although it did not fit: NOSPACE at once when a
   * NOSPACE alarm is active, else an {@link AfterRaise} once this member's NOSPACE is raised.
   *
   * @param canPropose false while the log is replayed at start-up: the raise then waits for {@link
   *     #raiseIfPending()}
   */
  public Object exceeded(boolean canPropose) {
    Object answer = EtcdError.NO_SPACE.exception();
    if (store.has(AlarmType.NOSPACE)) {
      return answer;
    }
    if (!canPropose) {
      raisePending = true;
      return answer;
    }
    return new AfterRaise(raise(), answer);
  }

  /** Raises NOSPACE if a write crossed the quota while proposals were not possible. */
  public void raiseIfPending() {
    if (raisePending) {
      raisePending = false;
      if (!store.has(AlarmType.NOSPACE)) {
        raise();
      }
    }
  }

  private CompletableFuture<?> raise() {
    if (raising == null || raising.isDone()) {
      LOG.error("applying raft message exceeded backend quota");
      raising = raiseSelf.get();
    }
    return raising;
  }
}
