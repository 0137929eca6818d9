package io.etcdj.server.alarm;

import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import org.slf4j.Logger;

/**
 * etcd's backend quota ({@code etcdserver/quota.go}): how many bytes the backend may hold before
 * writes are refused with NOSPACE, and what each write is estimated to cost.
 *
 * <p>{@code --quota-backend-bytes}: 0 means etcd's default of 2 GiB, a negative value turns the
 * quota off, more than 8 GiB works but is warned about. The cost model is etcd's: a put costs its
 * key and value plus 256 bytes of metadata, a txn the costlier of its two branches (puts only,
 * nested txns not counted), a lease grant 64 bytes, anything else nothing (always allowed).
 *
 * <p>The size compared with the quota is the backend's bytes in use (see {@code
 * Backend.sizeInUseBytes}), not its file size: LMDB reuses freed pages, so what a compaction frees
 * is room for new writes even though the file never shrinks. See docs/operations.md.
 *
 * @param limitBytes the quota in force, or {@link #NONE}
 * @param flagBytes the flag's value as given (etcd's {@code etcd_server_quota_backend_bytes}
 *     gauge shows it, except that 0 shows the default)
 */
public record BackendQuota(long limitBytes, long flagBytes) {
  /** etcd's DefaultQuotaBytes. */
  public static final long DEFAULT_BYTES = 2L * 1024 * 1024 * 1024;

  /** etcd's MaxQuotaBytes: the largest quota etcd recommends. */
  public static final long MAX_RECOMMENDED_BYTES = 8L * 1024 * 1024 * 1024;

  /** No quota: every write is allowed. */
  public static final long NONE = -1;

  /** etcd's leaseOverhead: the estimated bytes of one lease. */
  public static final int LEASE_COST = 64;

  /** etcd's kvOverhead: the estimated bytes of a key's metadata. */
  public static final int KV_OVERHEAD = 256;

  /** The quota for {@code --quota-backend-bytes}, logging what etcd 3.4 logs about it. */
  public static BackendQuota of(long flagBytes, Logger log) {
    if (flagBytes < 0) {
      log.warn("disabling backend quota");
      return new BackendQuota(NONE, flagBytes);
    }
    if (flagBytes == 0) {
      return new BackendQuota(DEFAULT_BYTES, flagBytes);
    }
    if (flagBytes > MAX_RECOMMENDED_BYTES) {
      log.warn(
          "backend quota {} exceeds maximum recommended quota {}", flagBytes, MAX_RECOMMENDED_BYTES);
    }
    return new BackendQuota(flagBytes, flagBytes);
  }

  public boolean enabled() {
    return limitBytes != NONE;
  }

  /** What etcd's quota gauge shows: the flag, or the default when it is 0. */
  public long gaugeBytes() {
    return flagBytes == 0 ? DEFAULT_BYTES : flagBytes;
  }

  /**
   * Whether a write of {@code costBytes} fits on a backend of {@code sizeBytes} (etcd's {@code
   * Available}: a write that costs nothing always fits; otherwise size + cost must stay below the
   * quota).
   */
  public boolean available(long costBytes, long sizeBytes) {
    if (costBytes == 0 || !enabled()) {
      return true;
    }
    return sizeBytes + costBytes < limitBytes;
  }

  public static long cost(PutRequest r) {
    return KV_OVERHEAD + (long) r.getKey().size() + r.getValue().size();
  }

  /** The costlier branch of the txn; 0 for a txn that puts nothing (so read-only txns pass). */
  public static long cost(TxnRequest r) {
    long success = 0;
    for (RequestOp op : r.getSuccessList()) {
      success += cost(op);
    }
    long failure = 0;
    for (RequestOp op : r.getFailureList()) {
      failure += cost(op);
    }
    return Math.max(success, failure);
  }

  private static long cost(RequestOp op) {
    return op.hasRequestPut() ? cost(op.getRequestPut()) : 0;
  }
}
