package io.etcdj.etcdctl.benchmark;

/**
 * Builds the keys of {@code benchmark put} the way etcd's tool does: the key number is written as a
 * Go {@code binary.PutVarint} (zigzag, then base-128 little-endian groups) at the start of a
 * {@code keySizeBytes} buffer. The key number is {@code index % keySpaceSize} with
 * {@code --sequential-keys}, otherwise a uniformly spread number in {@code [0, keySpaceSize)}.
 *
 * <p>Unlike etcd, which reuses one buffer and so leaves stale bytes behind a shorter varint, the tail
 * is always zero: key space size then equals the number of distinct keys. Random keys are a pure
 * function of (seed, index), so any thread can build request {@code index} without shared state and
 * a run is reproducible.
 *
 * <p>Immutable and thread-safe.
 */
final class PutKeys {
  /** Go's {@code binary.MaxVarintLen64}. */
  static final int VARINT_BYTES_MAX = 10;

  private final int keySizeBytes;
  private final long keySpaceSize;
  private final boolean sequential;
  private final long seed;

  PutKeys(int keySizeBytes, long keySpaceSize, boolean sequential, long seed) {
    if (keySpaceSize <= 0) {
      throw new IllegalArgumentException("expected positive --key-space-size, got " + keySpaceSize);
    }
    int needed = varintBytes(keySpaceSize - 1);
    if (keySizeBytes < needed) {
      throw new IllegalArgumentException(
          "--key-size "
              + keySizeBytes
              + " is too small for --key-space-size "
              + keySpaceSize
              + " (needs at least "
              + needed
              + " bytes)");
    }
    this.keySizeBytes = keySizeBytes;
    this.keySpaceSize = keySpaceSize;
    this.sequential = sequential;
    this.seed = seed;
  }

  int keySizeBytes() {
    return keySizeBytes;
  }

  /** The key number used by request {@code index}, in {@code [0, keySpaceSize)}. */
  long keyNumber(long index) {
    assert index >= 0 : index;
    if (sequential) {
      return index % keySpaceSize;
    }
    // Math.floorMod of a well-mixed 64-bit value: bias is below 2^-30 for any key space up to 2^33.
    return Math.floorMod(mix64(seed + index * 0x9E3779B97F4A7C15L), keySpaceSize);
  }

  /** A fresh key buffer for request {@code index}. */
  byte[] key(long index) {
    byte[] key = new byte[keySizeBytes];
    int written = putVarint(key, keyNumber(index));
    assert written <= keySizeBytes : written;
    return key;
  }

  /** Go's {@code binary.PutVarint}: zigzag-encode, then write 7 bits per byte, low bits first. */
  static int putVarint(byte[] buffer, long value) {
    long zigzag = (value << 1) ^ (value >> 63);
    int i = 0;
    while (Long.compareUnsigned(zigzag, 0x80) >= 0) {
      buffer[i++] = (byte) (zigzag | 0x80);
      zigzag >>>= 7;
    }
    buffer[i++] = (byte) zigzag;
    return i;
  }

  /** How many bytes {@link #putVarint} writes for {@code value}. */
  static int varintBytes(long value) {
    return putVarint(new byte[VARINT_BYTES_MAX], value);
  }

  /** The SplitMix64 finalizer: a cheap, stateless, well-distributed hash of a long. */
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
