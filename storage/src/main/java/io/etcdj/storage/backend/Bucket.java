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
  LEASE("lease"),
  /**
   * The active alarms (etcd's {@code alarm} bucket): key = member id (8 bytes, big-endian) then
   * the alarm type's number (4 bytes, big-endian); empty value. Written by the apply thread in
   * the batch of the entry that raised or cleared the alarm.
   */
  ALARM("alarm");

  private final String dbName;

  Bucket(String dbName) {
    this.dbName = dbName;
  }

  /** The database name on disk; never change it (it is part of the file format). */
  public String dbName() {
    return dbName;
  }
}
