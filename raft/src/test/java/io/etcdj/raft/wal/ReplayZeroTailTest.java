package io.etcdj.raft.wal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link Replay#endOfNonZero}, which decides whether a segment's tail is clean: it compares whole
 * 64 KiB chunks first, so the cases put the last nonzero byte on and around chunk edges, in
 * direct (mapped-like) and heap buffers, against a byte-by-byte reference.
 */
class ReplayZeroTailTest {
  private static final int CHUNK = 64 * 1024;

  /** The plain definition: one past the last nonzero byte in [from, end), or from. */
  private static int reference(ByteBuffer in, int from, int end) {
    for (int p = end; p > from; p--) {
      if (in.get(p - 1) != 0) {
        return p;
      }
    }
    return from;
  }

  @ParameterizedTest(name = "size {0}, from {1}, nonzero at {2}")
  @CsvSource({
    // size, from, nonzero byte (-1: none)
    "0, 0, -1",
    "7, 0, -1",
    "7, 0, 6",
    "7, 3, 2", // before from: not looked at
    "4194304, 0, -1",
    "4194304, 13, -1",
    "4194304, 0, 0",
    "4194304, 0, 4194303", // the very last byte
    "4194304, 0, 4128767", // last byte of the chunk before the last
    "4194304, 0, 4128768", // first byte of the last chunk
    "4194304, 0, 65535",
    "4194304, 0, 65536",
    "4194304, 65537, 65536", // just before from
    "4194304, 100, 100",
    "4194311, 5, 4194310", // size not a multiple of the chunk or of 8
    "4194311, 5, 70000",
  })
  void findsTheLastNonZeroByte(int size, int from, int nonZeroAt) {
    for (ByteBuffer in : new ByteBuffer[] {ByteBuffer.allocateDirect(size), ByteBuffer.allocate(size)}) {
      if (nonZeroAt >= 0) {
        in.put(nonZeroAt, (byte) 0x40);
      }
      assertEquals(reference(in, from, size), Replay.endOfNonZero(in, from, size));
    }
  }

  @Test
  void manyNonZeroBytesAnywhere() {
    java.util.Random random = new java.util.Random(18);
    ByteBuffer in = ByteBuffer.allocateDirect(3 * CHUNK + 11);
    for (int round = 0; round < 200; round++) {
      for (int i = 0; i < in.capacity(); i++) {
        in.put(i, (byte) 0);
      }
      int ones = random.nextInt(4);
      for (int k = 0; k < ones; k++) {
        in.put(random.nextInt(in.capacity()), (byte) (1 + random.nextInt(255)));
      }
      int from = random.nextInt(in.capacity());
      int end = from + random.nextInt(in.capacity() - from + 1);
      assertEquals(reference(in, from, end), Replay.endOfNonZero(in, from, end), "round " + round);
    }
  }
}
