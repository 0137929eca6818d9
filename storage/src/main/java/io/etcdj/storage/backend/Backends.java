package io.etcdj.storage.backend;

import java.nio.file.Path;

/** Opens backends. */
public final class Backends {
  private Backends() {}

  /**
   * Opens (or creates) the LMDB backend in {@code dir} (created if missing).
   *
   * @param mapSizeBytes the LMDB map size: the most bytes the file may grow to
   */
  public static Backend openLmdb(Path dir, long mapSizeBytes) {
    return LmdbBackend.open(dir, mapSizeBytes, LmdbBackend.DEFAULT_SYNC_MODE);
  }

  /** A fresh, empty in-memory backend (tests). */
  public static Backend openInMemory() {
    return new InMemoryBackend();
  }
}
