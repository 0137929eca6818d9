package io.etcdj.storage.mvcc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbMvccStoreTest extends MvccStoreContractTest {
  static final long MAP_SIZE_BYTES = 64L << 20;
  private static final AtomicInteger DBS = new AtomicInteger();

  @TempDir Path dir;
  private Path current;

  @Override
  Backend newBackend() {
    current = dir.resolve("db" + DBS.incrementAndGet());
    return Backends.openLmdb(current, MAP_SIZE_BYTES);
  }

  @Override
  Backend restartBackend(MvccStore old, Backend backend) {
    old.close();
    return Backends.openLmdb(current, MAP_SIZE_BYTES);
  }

  @Test
  void compactionFutureFailsWhenClosedEarlyAndResumesOnOpen() {
    history();
    CompletableFuture<Void> done = compact(8);
    store.close();
    assertTrue(done.isCompletedExceptionally());
    store = (MvccStore) KvStores.openLmdb(current, MAP_SIZE_BYTES);
    backend = null;
    assertEquals(8, store.compactRev());
    assertEquals(9, store.rev());
    while (store.compactionStep(2)) {}
    store.close();
    backend = Backends.openLmdb(current, MAP_SIZE_BYTES);
    store = new MvccStore(backend, new TreeIndex());
    assertEquals(List.of("7.0", "8.0t", "9.0"), backendRevisions());
    assertNotNull(get("a", 0));
  }

  @Test
  void sizesAreReported() {
    long empty = store.dbSizeInUse();
    for (int i = 0; i < 200; i++) {
      put("key" + i, "x".repeat(500));
    }
    assertTrue(store.dbSizeInUse() > empty + 100_000);
    assertTrue(store.dbSize() >= store.dbSizeInUse());
  }
}
