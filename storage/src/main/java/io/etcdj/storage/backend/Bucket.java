package io.etcdj.storage.backend;

/**
 * The named key spaces of the backend (etcd's {@code schema.Key} and {@code schema.Meta}). Each is
 * an LMDB named database or an in-memory sorted map; keys are ordered as unsigned bytes.
 */
public enum Bucket {
  /** Revision key (17 or 18 bytes, see the mvcc package) → serialized {@code mvccpb.KeyValue}. */
  KEY("key"),
  /** Small named values: consistent index, scheduled/finished compaction revisions. */
  META("meta");

  private final String dbName;

  Bucket(String dbName) {
    this.dbName = dbName;
  }

  /** The database name on disk; never change it (it is part of the file format). */
  public String dbName() {
    return dbName;
  }
}
