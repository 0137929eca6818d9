package io.etcdj.lease;

import com.google.protobuf.ByteString;

/**
 * What a revoke needs from the key-value store (etcd's {@code lease.RangeDeleter}): deleting keys
 * inside the one write txn the caller opened for the revoke, so every key of a lease goes in one
 * revision (one DELETE event per key, all with that revision). The lease module declares it
 * instead of importing the store. Apply thread only.
 */
@FunctionalInterface
public interface RangeDeleter {

  /** Deletes one key (a no-op when it is not live). */
  void deleteKey(ByteString key);
}
