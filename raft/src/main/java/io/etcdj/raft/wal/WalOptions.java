package io.etcdj.raft.wal;

/**
 * Immutable, validated WAL settings.
 *
 * @param segmentBytes target size of one segment file; a segment is rolled when the next record
 *     would not fit (a single record larger than this still goes into a fresh segment of its own)
 * @param preallocate zero-fill each new segment to {@code segmentBytes} when it is created, so that
 *     later appends overwrite allocated blocks and {@code fdatasync} need not update file metadata
 */
public record WalOptions(long segmentBytes, boolean preallocate) {
  public static final long SEGMENT_BYTES_DEFAULT = 64L << 20;
  public static final long SEGMENT_BYTES_MIN = 4L << 10;
  public static final long SEGMENT_BYTES_MAX = 1L << 30;

  public WalOptions {
    if (segmentBytes < SEGMENT_BYTES_MIN || segmentBytes > SEGMENT_BYTES_MAX) {
      throw new IllegalArgumentException(
          "segmentBytes must be in ["
              + SEGMENT_BYTES_MIN
              + ", "
              + SEGMENT_BYTES_MAX
              + "], got "
              + segmentBytes);
    }
  }

  /** 64 MiB preallocated segments, like etcd's {@code SegmentSizeBytes}. */
  public static WalOptions defaults() {
    return new WalOptions(SEGMENT_BYTES_DEFAULT, true);
  }
}
