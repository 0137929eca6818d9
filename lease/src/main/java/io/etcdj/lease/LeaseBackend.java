package io.etcdj.lease;

/**
 * Where the lessor persists lease records: the write transaction of the batch being applied, so
 * a lease is committed together with the keys its grant, revoke or checkpoint goes with (etcd
 * writes its lease bucket in the same backend transaction). Apply thread only.
 */
public interface LeaseBackend {

  /** Stores (or replaces) a lease's record: its granted TTL and checkpointed remaining TTL. */
  void saveLease(long leaseId, long ttlSeconds, long remainingTtlSeconds);

  /** Removes a lease's record. */
  void deleteLease(long leaseId);
}
