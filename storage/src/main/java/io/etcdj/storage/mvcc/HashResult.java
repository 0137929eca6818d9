package io.etcdj.storage.mvcc;

/**
 * The answer of {@link KV#hashByRev(long)} and {@link KV#hash()} (etcd's {@code KeyValueHash} plus
 * the current revision its callers return beside it).
 *
 * @param hash the CRC-32C, an unsigned 32-bit value in an int
 * @param hashRevision the revision hashed up to (inclusive); for {@link KV#hash()} the store's
 *     revision when its snapshot was taken
 * @param compactRevision the store's compacted revision when hashed; 0 when never compacted
 * @param currentRevision the store's revision when hashed (what etcd puts in the header)
 */
public record HashResult(int hash, long hashRevision, long compactRevision, long currentRevision) {

  /** The hash as the non-negative value of etcd's {@code uint32}. */
  public long unsignedHash() {
    return Integer.toUnsignedLong(hash);
  }
}
