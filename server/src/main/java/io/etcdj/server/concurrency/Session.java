package io.etcdj.server.concurrency;

import io.grpc.Context;
import java.util.concurrent.CompletableFuture;

/**
 * The lease that owns a lock or campaign key (etcd's {@code concurrency.Session}).
 *
 * <p>Unlike clientv3's session this one never keeps its lease alive: its only users, the Lock and
 * Election services, orphan their sessions at once in etcd ({@code s.Orphan()} right after {@code
 * NewSession}), so a lease the server granted for a request without one simply expires after
 * {@link #DEFAULT_TTL_SECONDS}. Immutable.
 */
public final class Session {
  /** etcd's {@code defaultSessionTTL}. */
  public static final long DEFAULT_TTL_SECONDS = 60;

  /** clientv3's {@code NoLease}: the value that makes {@link #open} grant a lease. */
  public static final long NO_LEASE = 0;

  private final V3Client client;
  private final long leaseId;

  private Session(V3Client client, long leaseId) {
    this.client = client;
    this.leaseId = leaseId;
  }

  /**
   * A session on {@code leaseId} as given (unchecked, as etcd: a lease that does not exist fails
   * the first write that uses it), or on a new lease of {@link #DEFAULT_TTL_SECONDS} when it is
   * {@link #NO_LEASE}. The grant runs under {@code ctx}.
   */
  public static CompletableFuture<Session> open(V3Client client, Context ctx, long leaseId) {
    if (leaseId != NO_LEASE) {
      return CompletableFuture.completedFuture(new Session(client, leaseId));
    }
    return client
        .grant(ctx, DEFAULT_TTL_SECONDS)
        .thenApply(granted -> new Session(client, granted.getID()));
  }

  public V3Client client() {
    return client;
  }

  public long leaseId() {
    return leaseId;
  }
}
