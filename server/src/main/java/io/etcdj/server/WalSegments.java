package io.etcdj.server;

import io.etcdj.raft.wal.WalOptions;

/**
 * The WAL settings a member opens its log with: etcd's 64 MiB preallocated segments. A process
 * test that needs many segments quickly (to see {@code --max-wals} purge them) may set {@code
 * ETCDJ_TEST_WAL_SEGMENT_BYTES}; etcd has no such setting, so nothing else should.
 */
final class WalSegments {
  static final String SEGMENT_BYTES_ENV = "ETCDJ_TEST_WAL_SEGMENT_BYTES";

  private WalSegments() {}

  static WalOptions options() {
    String bytes = System.getenv(SEGMENT_BYTES_ENV);
    if (bytes == null || bytes.isBlank()) {
      return WalOptions.defaults();
    }
    return new WalOptions(Long.parseLong(bytes.trim()), true);
  }
}
