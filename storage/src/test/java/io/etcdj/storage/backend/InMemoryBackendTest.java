package io.etcdj.storage.backend;

class InMemoryBackendTest extends BackendContractTest {
  @Override
  Backend open() {
    return Backends.openInMemory();
  }

  @Override
  Backend open2() {
    return Backends.openInMemory();
  }
}
