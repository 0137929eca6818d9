package io.etcdj.raft.wal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The record framing shared by the writer ({@link Wal}) and the reader ({@link Replay}).
 *
 * <pre>
 * frame  := crc32c:u32le  bodyBytes:u32le  body  zero padding to a multiple of 8
 * body   := type:u8  payload
 * crc32c  covers bodyBytes (4 bytes) and body, i.e. frame bytes [4, 8 + bodyBytes)
 * </pre>
 *
 * bodyBytes is at least 1 (the type), so a frame whose bodyBytes is zero cannot exist: zeroes mean
 * "nothing was written here", which is how replay finds the end of a preallocated segment.
 */
final class Frames {
  static final int HEADER_BYTES = 8;
  static final int ALIGN_BYTES = 8;

  /** Largest payload of one record; bounds what a corrupt length can make the reader do. */
  static final int PAYLOAD_BYTES_MAX = 64 << 20;

  static final byte TYPE_SEGMENT_HEADER = 1;
  static final byte TYPE_ENTRY = 2;
  static final byte TYPE_HARD_STATE = 3;
  static final byte TYPE_SNAPSHOT = 4;
  static final byte TYPE_SYNC_MARK = 5;

  /** Segment header payload: magic, version, seq, firstIndex, headerBytes. */
  static final int SEGMENT_HEADER_PAYLOAD_BYTES = 4 + 4 + 8 + 8 + 8;

  static final int SEGMENT_MAGIC = 0x4c574a45; // "EJWL" read as little-endian bytes
  static final int FORMAT_VERSION = 1;

  /**
   * Sync mark payload: its own offset in the segment, and the offset up to which data is durable.
   */
  static final int SYNC_MARK_PAYLOAD_BYTES = 8 + 8;

  private Frames() {}

  static int frameBytes(int payloadBytes) {
    assert payloadBytes >= 0 && payloadBytes <= PAYLOAD_BYTES_MAX : payloadBytes;
    return align(HEADER_BYTES + 1 + payloadBytes);
  }

  static int align(int n) {
    return (n + ALIGN_BYTES - 1) & -ALIGN_BYTES;
  }

  static long align(long n) {
    return (n + ALIGN_BYTES - 1) & -ALIGN_BYTES;
  }

  /**
   * Writes the header of a frame at the buffer's position and leaves the position where the payload
   * goes. Returns the frame's start position in the buffer, for {@link #finishFrame}.
   */
  static int beginFrame(ByteBuffer buf, byte type, int payloadBytes) {
    assert buf.order() == ByteOrder.LITTLE_ENDIAN;
    int start = buf.position();
    buf.putInt(0); // crc, filled in by finishFrame
    buf.putInt(1 + payloadBytes);
    buf.put(type);
    return start;
  }

  /** Pads the frame started at {@code start} and fills in its checksum. */
  static void finishFrame(ByteBuffer buf, int start, int payloadBytes, CRC32C crc) {
    int bodyEnd = start + HEADER_BYTES + 1 + payloadBytes;
    if (buf.position() != bodyEnd) {
      throw new IllegalStateException(
          "payload encoder wrote " + (buf.position() - start) + " bytes, expected " + payloadBytes);
    }
    int frameEnd = start + frameBytes(payloadBytes);
    while (buf.position() < frameEnd) {
      buf.put((byte) 0);
    }
    ByteBuffer covered = buf.duplicate();
    covered.position(start + 4).limit(bodyEnd);
    crc.reset();
    crc.update(covered);
    buf.putInt(start, (int) crc.getValue());
  }

  /**
   * Checks the frame at {@code pos} of a little-endian buffer (heap or mapped) whose valid data ends at {@code
   * end}. Returns the frame's size in bytes if it is complete (padding included), its checksum
   * matches, its type is known and (for sync marks) its payload is consistent with where it sits;
   * -1 otherwise.
   */
  static int validFrameBytes(ByteBuffer in, int pos, int end, CRC32C crc) {
    if (end - pos < HEADER_BYTES + 1) {
      return -1;
    }
    int bodyBytes = in.getInt(pos + 4);
    if (bodyBytes < 1
        || bodyBytes > 1 + PAYLOAD_BYTES_MAX
        || align(HEADER_BYTES + bodyBytes) > end - pos) {
      return -1; // a frame is complete only with its padding
    }
    byte type = in.get(pos + HEADER_BYTES);
    if (type < TYPE_SEGMENT_HEADER || type > TYPE_SYNC_MARK) {
      return -1;
    }
    if (type == TYPE_SYNC_MARK) {
      if (bodyBytes != 1 + SYNC_MARK_PAYLOAD_BYTES) {
        return -1;
      }
      long ownOffset = in.getLong(pos + HEADER_BYTES + 1);
      long durableTo = in.getLong(pos + HEADER_BYTES + 1 + 8);
      if (ownOffset != pos || durableTo > pos || durableTo < 0) {
        return -1;
      }
    }
    crc.reset();
    crc.update(in.slice(pos + 4, 4 + bodyBytes));
    if ((int) crc.getValue() != in.getInt(pos)) {
      return -1;
    }
    return frameBytes(bodyBytes - 1);
  }

  static byte type(ByteBuffer in, int pos) {
    return in.get(pos + HEADER_BYTES);
  }

  static int payloadStart(int pos) {
    return pos + HEADER_BYTES + 1;
  }

  static int payloadBytes(ByteBuffer in, int pos) {
    return in.getInt(pos + 4) - 1;
  }
}
