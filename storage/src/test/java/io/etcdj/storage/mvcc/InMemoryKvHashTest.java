package io.etcdj.storage.mvcc;

import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;

class InMemoryKvHashTest extends KvHashContractTest {
  @Override
  Backend newBackend() {
    return Backends.openInMemory();
  }

  @Override
  KV reopen(KV old) {
    return null; // nothing survives a restart in memory
  }
}
