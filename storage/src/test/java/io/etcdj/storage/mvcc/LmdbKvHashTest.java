package io.etcdj.storage.mvcc;

import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;
import java.nio.file.Path;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.io.TempDir;

class LmdbKvHashTest extends KvHashContractTest {
  static final long MAP_SIZE_BYTES = 64L << 20;
  private static final AtomicInteger DBS = new AtomicInteger();

  @TempDir Path dir;
  private Path lastDir;
  private final Map<KV, Path> dirs = new IdentityHashMap<>();

  @Override
  Backend newBackend() {
    lastDir = dir.resolve("db" + DBS.incrementAndGet());
    return Backends.openLmdb(lastDir, MAP_SIZE_BYTES);
  }

  @Override
  KV open() {
    KV kv = super.open();
    dirs.put(kv, lastDir);
    return kv;
  }

  @Override
  KV reopen(KV old) {
    Path path = dirs.get(old);
    old.close();
    opened.remove(old);
    KV kv = KvStores.openLmdb(path, MAP_SIZE_BYTES);
    opened.add(kv);
    return kv;
  }
}
