package io.etcdj.storage.backend;

/**
 * The named key spaces of the backend (etcd's {@code schema.Key} and {@code schema.Meta}). Each is
 * an LMDB named database or an in-memory sorted map; keys are ordered as unsigned bytes.
 */
public enum Bucket {
  /** Revision key (17 or 18 bytes, see the mvcc package) → serialized {@code mvccpb.KeyValue}. */
  KEY("key"),
  /** Small named values: consistent index, scheduled/finished compaction revisions. */
  META("meta"),
  /**
   * Lease id (8 bytes, big-endian) → the lease's record (granted TTL and checkpointed remaining
   * TTL), written in the same transaction as the keys a grant, revoke or checkpoint goes with.
   */
  LEASE("lease");

  private final String dbName;

  Bucket(String dbName) {
    this.dbName = dbName;
  }

  /** The database name on disk; never change it (it is part of the file format). */
  public String dbName() {
    return dbName;
  }
}
