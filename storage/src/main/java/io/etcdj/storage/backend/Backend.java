package io.etcdj.storage.backend;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.BiPredicate;
import java.util.zip.CRC32C;

/**
 * A transactional, ordered key-value store split in {@link Bucket}s: the persistence layer under
 * the mvcc store (etcd's {@code server/storage/backend.Backend}).
 *
 * <p>Threading: {@link #readTxn()}, the size getters and {@link #sync()} from any thread; {@link
 * #batchTxn()} only from the single writer thread, one open batch at a time. {@link #close()} once,
 * after the writer has stopped; it waits (bounded) for open read txns.
 */
public interface Backend extends AutoCloseable {

  /** Opens a snapshot read txn. Close it promptly. */
  ReadTxn readTxn();

  /**
   * Opens the write txn. Writer thread only.
   *
   * @throws IllegalStateException if a batch txn is already open
   */
  BatchTxn batchTxn();

  /** Bytes the backend takes on disk (the whole file; 0 ≤ in use ≤ this). */
  long sizeBytes();

  /** Bytes of pages holding live data (excludes free pages that a later write may reuse). */
  long sizeInUseBytes();

  /**
   * Forces every committed txn to stable storage. Needed because commits do not fsync: see the
   * package documentation.
   */
  void sync();

  /**
   * A CRC-32C (Castagnoli) of the whole backend, as etcd's {@code backend.Hash} computes it over
   * bbolt: for each bucket in ascending order of its name, the name's bytes, then every key and
   * value of the bucket in key order, except the entries {@code ignore} accepts. Read from one
   * snapshot ({@link #readTxn()}), so it is consistent and never blocks the writer.
   *
   * <p>etcdj's buckets are not etcd's (etcd also has lease, auth, members, alarm, cluster buckets,
   * and its meta bucket holds other keys), so the number can never equal a real etcd's for the
   * same data. It is deterministic: two backends with the same buckets and entries give the same
   * hash whatever their implementation or physical layout.
   *
   * <p>Cost: reads (and, on LMDB, copies) every entry of every bucket; O(backend size) time, O(1)
   * memory beyond the entry being visited. Meant for tests and corruption checks, not hot paths.
   *
   * @param ignore entries left out of the hash (etcd leaves out the consistent index)
   * @return the 32-bit hash (an unsigned value in an int)
   */
  default int hash(BiPredicate<Bucket, byte[]> ignore) {
    Bucket[] buckets = Bucket.values();
    Arrays.sort(buckets, Comparator.comparing(Bucket::dbName)); // ASCII names: bbolt's byte order
    CRC32C crc = new CRC32C();
    try (ReadTxn tx = readTxn()) {
      for (Bucket bucket : buckets) {
        crc.update(bucket.dbName().getBytes(StandardCharsets.US_ASCII));
        tx.scan(
            bucket,
            null,
            null,
            0,
            (k, v) -> {
              if (!ignore.test(bucket, k)) {
                crc.update(k);
                crc.update(v);
              }
              return true;
            });
      }
    }
    return (int) crc.getValue();
  }

  @Override
  void close();
}
