package io.etcdj.lease;

import com.google.protobuf.ByteString;
import java.util.HashSet;
import java.util.concurrent.CompletableFuture;

/**
 * One lease (etcd's {@code lease.Lease}). Every mutable field is guarded by the owning {@link
 * Lessor}'s lock; the key set is changed only by the apply thread.
 */
final class Lease {
  /** A lease on a member that keeps no lease time never expires there. */
  static final long FOREVER = Long.MAX_VALUE;

  static final long NEVER = Long.MIN_VALUE;

  final long id;
  /** The granted TTL, raised to the minimum. */
  final long ttlSeconds;

  /** The remaining TTL of the last applied checkpoint; 0 when none (the full TTL applies). */
  long remainingTtlSeconds;

  /** When the lease expires (System.nanoTime scale); {@link #FOREVER} unless primary. */
  long expiryNanos = FOREVER;

  /** The last renewal or grant on this primary, {@link #NEVER} since promotion. */
  long lastRenewNanos = NEVER;

  /** A checkpoint of this lease was handed out and has not been applied yet. */
  boolean checkpointInFlight;

  /** Whether the lease has its (single) entry in the expiry queue / checkpoint queue. */
  boolean inExpiryQueue;

  boolean inCheckpointQueue;

  final HashSet<ByteString> keys = new HashSet<>();

  /** Completes when a revoke of this lease is applied (renewals of an expired lease wait on it). */
  final CompletableFuture<Void> revoked = new CompletableFuture<>();

  Lease(long id, long ttlSeconds, long remainingTtlSeconds) {
    this.id = id;
    this.ttlSeconds = ttlSeconds;
    this.remainingTtlSeconds = remainingTtlSeconds;
  }
}
