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

  /**
   * Reads a whole {@link StoreSnapshot} stream without loading it, checking its structure and CRC,
   * and returns the consistent index it holds: a receiver checks a snapshot this way before it
   * commits to installing it.
   *
   * @throws java.io.IOException if the stream is cut, malformed or fails its CRC
   */
  public static long verifySnapshot(java.io.InputStream data) throws java.io.IOException {
    long[] index = {0};
    io.etcdj.storage.backend.BackendDump.read(
        data,
        (bucket, key, value) -> {
          if (bucket == io.etcdj.storage.backend.Bucket.META
              && java.util.Arrays.equals(key, MvccStore.CONSISTENT_INDEX_KEY)
              && value.length == 8) {
            index[0] = RevisionKeys.getLong(value, 0);
          }
        });
    return index[0];
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
