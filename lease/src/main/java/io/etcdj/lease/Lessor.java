package io.etcdj.lease;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lessor (etcd's {@code lease/lessor.go}): every lease, the keys attached to each, and — on
 * the leader only ("primary") — when each expires.
 *
 * <p>Nothing here expires a lease by itself. The leader's lease loop calls {@link #expiredLeases}
 * and {@link #dueCheckpoints} (step methods on the injected clock) and proposes revocations and
 * checkpoints through Raft; every member then applies them with {@link #revoke} and {@link
 * #checkpoint}. Grants, revocations, checkpoints and key attachment are applied by the one apply
 * thread, which persists them through a {@link LeaseBackend} in the batch being applied.
 *
 * <p>Leadership: {@link #promote} when this member's leader has applied everything of earlier
 * terms (every lease gets its remaining TTL plus an election timeout, as etcd's {@code Promote});
 * {@link #demote} as soon as it stops leading (expiry is then forever, renewals fail with
 * NOT_PRIMARY and are forwarded to the leader).
 *
 * <p>Checkpoints (etcdj's default; etcd's {@code --experimental-enable-lease-checkpoint}): the
 * leader replicates the remaining TTL of a lease nobody has renewed for a while, every quarter of
 * its TTL (between 2 s and the checkpoint interval), so a new leader neither revokes it early nor
 * gives it its full TTL again. A renewal of a checkpointed lease first replicates a clearing
 * checkpoint (etcd 3.5's Renew), so a renewed lease is not cut short by a leader change either.
 * Leases being kept alive generate no checkpoints.
 *
 * <p>Threading: all methods are thread-safe; each holds one lock briefly. The apply thread is the
 * only writer of leases and keys; renewals come from gRPC threads; the step methods from the
 * lease loop.
 */
public final class Lessor {
  private static final Logger LOG = LoggerFactory.getLogger(Lessor.class);

  /** The largest TTL a grant may ask for (etcd's MaxLeaseTTL). */
  public static final long MAX_TTL_SECONDS = 9_000_000_000L;

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private final LessorConfig config;
  private final LongSupplier nanoClock;
  private final Object mu = new Object();

  private final HashMap<Long, Lease> leases = new HashMap<>();
  /** Key → the lease it is attached to. Written by the apply thread only (under the lock). */
  private final HashMap<ByteString, Lease> itemMap = new HashMap<>();

  /** When a lease is to be looked at for expiry: one entry per lease, at or before its expiry. */
  private record Due(long atNanos, Lease lease) {}

  private static final Comparator<Due> BY_TIME = Comparator.comparingLong(Due::atNanos);
  private final PriorityQueue<Due> expiryQueue = new PriorityQueue<>(BY_TIME);
  private final PriorityQueue<Due> checkpointQueue = new PriorityQueue<>(BY_TIME);

  private boolean primary;
  /** Completes when this primary is demoted; renewals of expired leases wait on it. */
  private CompletableFuture<Void> demoted = new CompletableFuture<>();

  private Checkpointer checkpointer = cps -> CompletableFuture.completedFuture(null);
  /** Token bucket for revocations: at most revokeRatePerSecond, bursts of half of that. */
  private double revokeTokens;

  private long revokeTokensAtNanos;

  public Lessor(LessorConfig config, LongSupplier nanoClock) {
    this.config = config;
    this.nanoClock = nanoClock;
  }

  /** Where renewals of checkpointed leases replicate their clearing checkpoint. */
  public void setCheckpointer(Checkpointer checkpointer) {
    synchronized (mu) {
      this.checkpointer = checkpointer;
    }
  }

  // ------------------------------------------------------------------ apply thread

  /**
   * Applies a grant (etcd's {@code Grant}).
   *
   * @return the granted TTL (raised to the minimum)
   * @throws LeaseException NOT_FOUND for id 0, TTL_TOO_LARGE, EXISTS
   */
  public long grant(long id, long ttlSeconds, LeaseBackend backend) {
    if (id == 0) {
      throw new LeaseException(LeaseException.Kind.NOT_FOUND);
    }
    if (ttlSeconds > MAX_TTL_SECONDS) {
      throw new LeaseException(LeaseException.Kind.TTL_TOO_LARGE);
    }
    long ttl = Math.max(ttlSeconds, config.minTtlSeconds());
    synchronized (mu) {
      if (leases.containsKey(id)) {
        throw new LeaseException(LeaseException.Kind.EXISTS);
      }
      Lease l = new Lease(id, ttl, 0);
      leases.put(id, l);
      if (primary) {
        long now = nanoClock.getAsLong();
        refresh(l, now, 0, ttl);
        scheduleCheckpoint(l, now);
      }
    }
    backend.saveLease(id, ttl, 0);
    return ttl;
  }

  /**
   * Applies a revoke (etcd's {@code Revoke}): deletes every attached key through {@code deleter}
   * in key order, inside the caller's one write txn, then the lease.
   *
   * @throws LeaseException NOT_FOUND
   */
  public void revoke(long id, LeaseBackend backend, RangeDeleter deleter) {
    Lease l;
    ByteString[] keys;
    synchronized (mu) {
      l = leases.remove(id);
      if (l == null) {
        throw new LeaseException(LeaseException.Kind.NOT_FOUND);
      }
      keys = l.keys.toArray(new ByteString[0]);
      for (ByteString k : keys) {
        itemMap.remove(k, l);
      }
      l.keys.clear();
    }
    // Sorted, as etcd does, so every member deletes in the same order (same sub-revisions).
    Arrays.sort(keys, ByteString.unsignedLexicographicalComparator());
    for (ByteString k : keys) {
      deleter.deleteKey(k);
    }
    backend.deleteLease(id);
    l.revoked.complete(null);
  }

  /** Applies a checkpoint (etcd's {@code Checkpoint}); an unknown lease is ignored. */
  public void checkpoint(long id, long remainingTtlSeconds, LeaseBackend backend) {
    synchronized (mu) {
      Lease l = leases.get(id);
      if (l == null) {
        return;
      }
      l.remainingTtlSeconds = Math.max(0, remainingTtlSeconds);
      l.checkpointInFlight = false;
      backend.saveLease(id, l.ttlSeconds, l.remainingTtlSeconds);
      if (primary) {
        scheduleCheckpoint(l, nanoClock.getAsLong());
      }
    }
  }

  /** Whether a lease exists (a put naming an unknown one fails). */
  public boolean exists(long id) {
    synchronized (mu) {
      return leases.containsKey(id);
    }
  }

  /**
   * A key was put with {@code leaseId} (0: none): it moves to that lease, leaving any other.
   * Apply thread only, after each write txn, for each key it put.
   */
  public void keyPut(ByteString key, long leaseId) {
    if (leaseId == 0 && itemMap.isEmpty()) {
      return; // the common case; only this thread writes itemMap, so the unlocked read is safe
    }
    synchronized (mu) {
      Lease old = itemMap.get(key);
      if (old != null) {
        if (old.id == leaseId) {
          return;
        }
        old.keys.remove(key);
        itemMap.remove(key);
      }
      if (leaseId == 0) {
        return;
      }
      Lease l = leases.get(leaseId);
      if (l == null) {
        // The applier checks the lease before the put, so only a damaged store gets here.
        LOG.warn("key {} names lease {}, which does not exist", key.toStringUtf8(),
            Long.toHexString(leaseId));
        return;
      }
      l.keys.add(key);
      itemMap.put(key, l);
    }
  }

  /** A key was deleted: it leaves its lease. Apply thread only. */
  public void keyDeleted(ByteString key) {
    if (itemMap.isEmpty()) {
      return; // see keyPut
    }
    synchronized (mu) {
      Lease old = itemMap.remove(key);
      if (old != null) {
        old.keys.remove(key);
      }
    }
  }

  /**
   * Forgets every lease (before rebuilding from the store: at start-up and after a snapshot
   * install). Renewals waiting on a forgotten lease fail as if it were revoked. Apply thread only.
   */
  public void reset() {
    List<Lease> dropped;
    synchronized (mu) {
      dropped = new ArrayList<>(leases.values());
      leases.clear();
      itemMap.clear();
      expiryQueue.clear();
      checkpointQueue.clear();
    }
    for (Lease l : dropped) {
      l.revoked.complete(null);
    }
  }

  /**
   * Adds a lease read from the store (see {@link #reset}); keys follow with {@link #keyPut}. A TTL
   * below this member's minimum is raised to it, as etcd's {@code initAndRecover} does: a store
   * written by a member with a shorter election timeout (or another server, after a snapshot
   * restore) may hold one. The stored TTL is left as it is.
   */
  public void restore(long id, long ttlSeconds, long remainingTtlSeconds) {
    synchronized (mu) {
      Lease l = new Lease(id, Math.max(ttlSeconds, config.minTtlSeconds()), Math.max(0, remainingTtlSeconds));
      leases.put(id, l);
      if (primary) {
        long now = nanoClock.getAsLong();
        refresh(l, now, 0, promoteTtl(l));
        scheduleCheckpoint(l, now);
      }
    }
  }

  // ------------------------------------------------------------------ leadership

  /**
   * Makes this lessor keep lease time (etcd's {@code Promote}): every lease expires after its
   * remaining TTL (the checkpointed one when checkpoints are on, else the full TTL) plus {@code
   * extendNanos}; when there are many leases, expiries that would pile up are spread so no more
   * than three quarters of the revoke rate fall in any second.
   */
  public void promote(long extendNanos) {
    synchronized (mu) {
      long now = nanoClock.getAsLong();
      primary = true;
      demoted = new CompletableFuture<>();
      revokeTokens = config.revokeRatePerSecond() / 2.0;
      revokeTokensAtNanos = now;
      expiryQueue.clear();
      checkpointQueue.clear();
      for (Lease l : leases.values()) {
        l.inExpiryQueue = false;
        l.inCheckpointQueue = false;
        l.lastRenewNanos = Lease.NEVER;
        l.checkpointInFlight = false;
        refresh(l, now, extendNanos, promoteTtl(l));
      }
      if (leases.size() >= config.revokeRatePerSecond()) {
        spreadExpiries(now, extendNanos);
      }
      for (Lease l : leases.values()) {
        scheduleCheckpoint(l, now);
      }
    }
  }

  private long promoteTtl(Lease l) {
    // Without checkpoints nothing clears a stored remaining TTL on renewal, so it is ignored.
    return config.checkpointEnabled() && l.remainingTtlSeconds > 0
        ? l.remainingTtlSeconds
        : l.ttlSeconds;
  }

  /** As etcd's Promote: leases whose expiries crowd one second are pushed later, a bit each. */
  private void spreadExpiries(long now, long extendNanos) {
    Lease[] sorted = leases.values().toArray(new Lease[0]);
    Arrays.sort(sorted, Comparator.comparingLong(l -> l.expiryNanos));
    long baseWindow = sorted[0].expiryNanos - now;
    long nextWindow = baseWindow + NANOS_PER_SECOND;
    long expires = 0;
    long targetPerSecond = (3L * config.revokeRatePerSecond()) / 4;
    for (Lease l : sorted) {
      long remaining = l.expiryNanos - now;
      if (remaining > nextWindow) {
        baseWindow = remaining;
        nextWindow = baseWindow + NANOS_PER_SECOND;
        expires = 1;
        continue;
      }
      expires++;
      if (expires <= targetPerSecond) {
        continue;
      }
      double rateDelay = (double) NANOS_PER_SECOND * ((double) expires / targetPerSecond);
      // A lease n seconds past the window start is pushed n seconds less.
      rateDelay -= (double) (remaining - baseWindow);
      long delay = (long) rateDelay;
      nextWindow = baseWindow + delay;
      refresh(l, now, delay + extendNanos, promoteTtl(l));
    }
  }

  /** Stops keeping lease time (etcd's {@code Demote}): every lease expires never, here. */
  public void demote() {
    CompletableFuture<Void> wasDemoted;
    synchronized (mu) {
      if (!primary) {
        return;
      }
      primary = false;
      for (Lease l : leases.values()) {
        l.expiryNanos = Lease.FOREVER;
        l.inExpiryQueue = false;
        l.inCheckpointQueue = false;
        l.checkpointInFlight = false;
      }
      expiryQueue.clear();
      checkpointQueue.clear();
      wasDemoted = demoted;
    }
    wasDemoted.complete(null);
  }

  public boolean isPrimary() {
    synchronized (mu) {
      return primary;
    }
  }

  // ------------------------------------------------------------------ the leader's lease loop

  /**
   * The ids of expired leases to propose for revocation now, at most the revoke rate allows
   * (1,000 per second, in bursts of up to 500). A lease handed out is handed out again after the
   * retry interval if its revocation has not been applied by then (the proposal may be lost).
   * Empty unless primary.
   */
  public long[] expiredLeases() {
    synchronized (mu) {
      if (!primary) {
        return new long[0];
      }
      long now = nanoClock.getAsLong();
      double cap = config.revokeRatePerSecond() / 2.0;
      revokeTokens =
          Math.min(
              cap,
              revokeTokens
                  + (now - revokeTokensAtNanos) * (double) config.revokeRatePerSecond()
                      / NANOS_PER_SECOND);
      revokeTokensAtNanos = now;
      long[] out = new long[16];
      int n = 0;
      while (revokeTokens >= 1) {
        Due d = expiryQueue.peek();
        if (d == null || d.atNanos() > now) {
          break;
        }
        expiryQueue.poll();
        Lease l = d.lease();
        if (leases.get(l.id) != l) {
          l.inExpiryQueue = false;
          continue; // revoked meanwhile
        }
        if (l.expiryNanos > now) {
          expiryQueue.add(new Due(l.expiryNanos, l)); // renewed since: look again then
          continue;
        }
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = l.id;
        revokeTokens -= 1;
        expiryQueue.add(new Due(saturatedAdd(now, config.expiredRetryNanos()), l));
      }
      return Arrays.copyOf(out, n);
    }
  }

  /**
   * The checkpoints to propose now (at most one batch): the remaining TTL of each lease whose
   * checkpoint is due and that nobody renewed within its checkpoint period. Empty unless primary
   * with checkpoints on.
   */
  public List<Checkpoint> dueCheckpoints() {
    synchronized (mu) {
      if (!primary || !config.checkpointEnabled()) {
        return List.of();
      }
      long now = nanoClock.getAsLong();
      List<Checkpoint> out = new ArrayList<>();
      while (out.size() < config.checkpointBatchMax()) {
        Due d = checkpointQueue.peek();
        if (d == null || d.atNanos() > now) {
          break;
        }
        checkpointQueue.poll();
        Lease l = d.lease();
        if (leases.get(l.id) != l) {
          l.inCheckpointQueue = false;
          continue;
        }
        long period = checkpointPeriodNanos(l);
        if (l.remainingTtlSeconds == 0
            && l.lastRenewNanos != Lease.NEVER
            && now - l.lastRenewNanos < period) {
          // Kept alive: its full TTL is within one period of the truth, nothing to record.
          checkpointQueue.add(new Due(l.lastRenewNanos + period, l));
          continue;
        }
        checkpointQueue.add(new Due(saturatedAdd(now, period), l));
        long remaining = ceilSeconds(l.expiryNanos - now);
        if (remaining <= 0 || remaining >= l.ttlSeconds || remaining == l.remainingTtlSeconds) {
          continue; // expiring (revocation takes over), not below the TTL, or already recorded
        }
        out.add(new Checkpoint(l.id, remaining));
        l.checkpointInFlight = true;
      }
      return out;
    }
  }

  private long checkpointPeriodNanos(Lease l) {
    long quarter =
        l.ttlSeconds > Long.MAX_VALUE / NANOS_PER_SECOND
            ? Long.MAX_VALUE
            : l.ttlSeconds * NANOS_PER_SECOND / 4;
    return Math.min(
        config.checkpointIntervalNanos(),
        Math.max(LessorConfig.CHECKPOINT_PERIOD_MIN_NANOS, quarter));
  }

  private void scheduleCheckpoint(Lease l, long now) {
    if (!primary || !config.checkpointEnabled() || l.inCheckpointQueue) {
      return;
    }
    l.inCheckpointQueue = true;
    checkpointQueue.add(new Due(saturatedAdd(now, checkpointPeriodNanos(l)), l));
  }

  // ------------------------------------------------------------------ clients

  /**
   * Renews a lease on the leader (etcd's {@code Renew}): it expires a full TTL from now. The
   * future gives the TTL, or fails with a {@link LeaseException}: NOT_PRIMARY (ask the leader),
   * NOT_FOUND. A lease that already expired waits for its revocation (then NOT_FOUND) or for a
   * demotion (then NOT_PRIMARY); a checkpointed lease first has its checkpoint cleared through
   * Raft.
   */
  public CompletableFuture<Long> renew(long id) {
    Lease l;
    Checkpointer cp;
    synchronized (mu) {
      if (!primary) {
        return CompletableFuture.failedFuture(new LeaseException(LeaseException.Kind.NOT_PRIMARY));
      }
      l = leases.get(id);
      if (l == null) {
        return CompletableFuture.failedFuture(new LeaseException(LeaseException.Kind.NOT_FOUND));
      }
      long now = nanoClock.getAsLong();
      if (l.expiryNanos <= now) {
        return expired(l);
      }
      if (!config.checkpointEnabled()
          || (l.remainingTtlSeconds == 0 && !l.checkpointInFlight)) {
        renewed(l, now);
        return CompletableFuture.completedFuture(l.ttlSeconds);
      }
      cp = checkpointer;
    }
    Lease lease = l;
    return cp.checkpoint(List.of(new Checkpoint(id, 0)))
        .thenCompose(
            v -> {
              synchronized (mu) {
                if (!primary) {
                  throw new LeaseException(LeaseException.Kind.NOT_PRIMARY);
                }
                if (leases.get(id) != lease) {
                  throw new LeaseException(LeaseException.Kind.NOT_FOUND);
                }
                long after = nanoClock.getAsLong();
                // The lease may have expired while its clearing checkpoint went through Raft (a
                // slow network): its revocation is then on its way, and answering a TTL would
                // promise a lease about to be deleted. etcd 3.5's Renew has this race; the
                // robustness harness caught it here under DELAY_PEERS (docs/robustness.md).
                if (lease.expiryNanos <= after) {
                  return expired(lease);
                }
                renewed(lease, after);
                return CompletableFuture.completedFuture(lease.ttlSeconds);
              }
            });
  }

  /** A renewal of an expired lease waits for its revocation (NOT_FOUND) or a demotion (NOT_PRIMARY). */
  private CompletableFuture<Long> expired(Lease l) {
    CompletableFuture<Void> revoked = l.revoked;
    return CompletableFuture.anyOf(revoked, demoted)
        .thenApply(
            x -> {
              throw new LeaseException(
                  revoked.isDone() ? LeaseException.Kind.NOT_FOUND : LeaseException.Kind.NOT_PRIMARY);
            });
  }

  private void renewed(Lease l, long now) {
    refresh(l, now, 0, l.ttlSeconds);
    l.lastRenewNanos = now;
  }

  /** A lease's TTL, remaining time and keys, or null when there is no such lease. */
  public LeaseStatus timeToLive(long id) {
    synchronized (mu) {
      Lease l = leases.get(id);
      if (l == null) {
        return null;
      }
      long remainingNanos =
          l.expiryNanos == Lease.FOREVER ? Long.MAX_VALUE : l.expiryNanos - nanoClock.getAsLong();
      ByteString[] keys = l.keys.toArray(new ByteString[0]);
      Arrays.sort(keys, ByteString.unsignedLexicographicalComparator());
      return new LeaseStatus(id, l.ttlSeconds, remainingNanos / NANOS_PER_SECOND, List.of(keys));
    }
  }

  /** Every lease id, ascending. */
  public long[] leaseIds() {
    synchronized (mu) {
      long[] ids = new long[leases.size()];
      int i = 0;
      for (long id : leases.keySet()) {
        ids[i++] = id;
      }
      Arrays.sort(ids);
      return ids;
    }
  }

  public int leaseCount() {
    synchronized (mu) {
      return leases.size();
    }
  }

  // ------------------------------------------------------------------ helpers

  /** Sets a lease to expire {@code ttlSeconds} plus {@code extendNanos} from now (primary only). */
  private void refresh(Lease l, long now, long extendNanos, long ttlSeconds) {
    long ttlNanos =
        ttlSeconds > Long.MAX_VALUE / NANOS_PER_SECOND
            ? Long.MAX_VALUE
            : ttlSeconds * NANOS_PER_SECOND;
    l.expiryNanos = Math.min(Lease.FOREVER - 1, saturatedAdd(saturatedAdd(now, extendNanos), ttlNanos));
    if (!l.inExpiryQueue) {
      l.inExpiryQueue = true;
      expiryQueue.add(new Due(l.expiryNanos, l));
    }
    // An entry already queued is at or before the new expiry: when it comes due the lease is
    // looked at again and re-queued at its expiry then.
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    if (((a ^ r) & (b ^ r)) < 0) {
      return b > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
    }
    return r;
  }

  private static long ceilSeconds(long nanos) {
    return nanos <= 0 ? 0 : nanos / NANOS_PER_SECOND + (nanos % NANOS_PER_SECOND == 0 ? 0 : 1);
  }
}
