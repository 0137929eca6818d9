package io.etcdj.etcdctl.snapshot;

import io.etcdj.etcdctl.bbolt.BoltException;
import io.etcdj.etcdctl.bbolt.BoltFile;
import io.etcdj.etcdctl.bbolt.Bucket;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * What {@code etcdctl snapshot status} reports about a snapshot or backend file (v3_snapshot.go
 * {@code Status}): a CRC-32C (Castagnoli) over every top-level bucket name followed by its keys and
 * values in order, the main revision of the last key of bucket "key", the number of keys in all
 * buckets, and bbolt's size (high water mark, without a snapshot's trailing sha256).
 *
 * @param hash the CRC-32C as an unsigned 32-bit value
 */
public record SnapshotStatus(long hash, long revision, long totalKey, long totalSize) {

  private static final byte[] KEY_BUCKET = "key".getBytes(StandardCharsets.UTF_8);
  /** etcd's revision key: 8-byte big-endian main revision, '_', 8-byte sub revision. */
  private static final int MAIN_REVISION_BYTES = 8;

  /** Reads {@code path}; the exception's text is the error etcdctl prints. */
  public static SnapshotStatus of(String path) throws BoltException {
    try {
      Files.readAttributes(Path.of(path), java.nio.file.attribute.BasicFileAttributes.class);
    } catch (IOException e) {
      throw new BoltException(GoOsError.text("stat", path, e));
    }
    try (BoltFile db = BoltFile.open(path)) {
      List<String> errs = db.check();
      if (!errs.isEmpty()) {
        throw new BoltException("snapshot file integrity check failed. " + errs.size() + " errors found.\n" + String.join("\n", errs));
      }
      return compute(db);
    }
  }

  private static SnapshotStatus compute(BoltFile db) throws BoltException {
    CRC32C crc = new CRC32C();
    long[] revision = {0};
    long[] keys = {0};
    Bucket root = db.root();
    root.forEach((name, ignored) -> {
      Bucket b = root.bucket(name);
      if (b == null) {
        throw new BoltException("cannot get hash of bucket " + new String(name, StandardCharsets.UTF_8));
      }
      crc.update(name);
      boolean isKeyBucket = java.util.Arrays.equals(name, KEY_BUCKET);
      b.forEach((k, v) -> {
        crc.update(k);
        if (v != null) {
          crc.update(v);
        }
        if (isKeyBucket) {
          revision[0] = mainRevision(k);
        }
        keys[0]++;
      });
    });
    return new SnapshotStatus(crc.getValue(), revision[0], keys[0], db.sizeBytes());
  }

  private static long mainRevision(byte[] key) throws BoltException {
    if (key.length < MAIN_REVISION_BYTES) {
      // etcd's bytesToRev would panic on a short key; a real key bucket never holds one.
      throw new io.etcdj.etcdctl.bbolt.BoltFault("key bucket holds a " + key.length + "-byte key, not a revision");
    }
    long main = 0;
    for (int i = 0; i < MAIN_REVISION_BYTES; i++) {
      main = (main << 8) | (key[i] & 0xff);
    }
    return main;
  }
}
