package io.etcdj.storage.mvcc;

import java.nio.file.Path;

/** Opens stores. */
public final class KvStores {
  private KvStores() {}

  /**
   * Opens (or creates) the LMDB-backed store in {@code dir}, rebuilding the key index from the
   * backend and resuming any unfinished compaction.
   *
   * @param mapSizeBytes the LMDB map size (upper bound on the file size)
   */
  public static KV openLmdb(Path dir, long mapSizeBytes) {
    throw new UnsupportedOperationException("storage implementation pending");
  }

  /** A store on the in-memory backend, for tests. */
  public static KV openInMemory() {
    throw new UnsupportedOperationException("storage implementation pending");
  }
}
