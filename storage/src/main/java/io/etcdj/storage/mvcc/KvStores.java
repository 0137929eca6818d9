package io.etcdj.storage.mvcc;

import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;
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
    return open(Backends.openLmdb(dir, mapSizeBytes));
  }

  /** A store on the in-memory backend, for tests. */
  public static KV openInMemory() {
    return open(Backends.openInMemory());
  }

  /** A store on {@code backend}, which it then owns (closes). */
  static KV open(Backend backend) {
    try {
      return new MvccStore(backend, new TreeIndex());
    } catch (RuntimeException e) {
      backend.close();
      throw e;
    }
  }
}
