package io.etcdj.storage.mvcc;

import io.etcdj.storage.backend.Backend;
import io.etcdj.storage.backend.Backends;

class InMemoryMvccStoreTest extends MvccStoreContractTest {
  @Override
  Backend newBackend() {
    return Backends.openInMemory();
  }

  @Override
  Backend restartBackend(MvccStore old, Backend backend) {
    return backend; // the old store is dropped without close: closing would close the backend
  }
}
