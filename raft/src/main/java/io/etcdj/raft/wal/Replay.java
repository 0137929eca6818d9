package io.etcdj.raft.wal;

import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.zip.CRC32C;

/**
 * Reads segments in order and folds their records into what {@link Wal#contents()} returns; decides
 * for the last segment whether a bad tail is a torn write (repairable) or corruption (fatal).
 * Mirrors etcd's {@code decoder.go} and the read half of {@code wal.go}. Used once, on open, by the
 * opening thread.
 *
 * <p>A bad frame at offset X of the last segment is repaired (the segment truncated at X) only if
 * nothing proves that the bytes at X were durable:
 *
 * <ul>
 *   <li>X lies in the segment header block, which is synced before the segment is renamed into
 *       place: fatal.
 *   <li>A sync mark after X says the segment was durable beyond X: fatal. (A sync mark is written
 *       at the start of the first batch after a sync and carries the offset that sync made durable,
 *       so it cannot be on disk unless the data it vouches for was already synced.)
 *   <li>A valid record follows X and nothing looks torn between them: fatal, this is a corrupt
 *       record in the middle. "Torn" means the bad frame's header is all zero or a whole 512-byte
 *       sector between X and the next valid record is zero: a write that never reached the disk,
 *       while later pages of the same unsynced write did (the kernel writes pages in any order).
 *   <li>Otherwise (a partial record, a bad checksum at the very end, garbage then zeroes): repair.
 * </ul>
 */
final class Replay {
  private static final int SECTOR_BYTES = 512;

  private final CRC32C crc = new CRC32C();
  private final ArrayList<LogEntry> entries = new ArrayList<>();
  private SnapshotMetadata snapshot;
  private HardState hardState = HardState.getDefaultInstance();

  /**
   * How a segment ends.
   *
   * @param validBytes offset just after the last valid record: where appends continue
   * @param headerBytes size of the segment's header block
   * @param repaired true if bytes after validBytes are garbage that must be cut off
   */
  record SegmentEnd(long validBytes, long headerBytes, boolean repaired) {}

  SegmentEnd read(Segment seg, FileChannel ch, boolean last) throws IOException {
    long size = ch.size();
    if (size > Integer.MAX_VALUE - 64) {
      throw corrupt(seg, 0, "segment file of " + size + " bytes is larger than any WAL writes");
    }
    int end = (int) size;
    // Mapped, not read: a preallocated segment is mostly zeroes, and copying 64 MiB into the heap
    // (through a JDK temporary direct buffer of the same size) cost ~0.6 s of every restart.
    // Records are parsed out of the mapping into heap objects; nothing keeps a view of it.
    ByteBuffer in = ch.map(FileChannel.MapMode.READ_ONLY, 0, end).order(ByteOrder.LITTLE_ENDIAN);

    int n = Frames.validFrameBytes(in, 0, end, crc);
    if (n < 0 || Frames.type(in, 0) != Frames.TYPE_SEGMENT_HEADER) {
      throw corrupt(seg, 0, "missing or corrupt segment header");
    }
    long headerBytes = checkHeader(seg, in);
    int pos = n;
    while (pos < end) {
      n = Frames.validFrameBytes(in, pos, end, crc);
      if (n < 0) {
        break;
      }
      apply(seg, in, pos);
      pos += n;
    }
    if (pos < headerBytes) {
      throw corrupt(seg, pos, "corrupt record in the segment header block, which was synced");
    }
    int dataEnd = endOfNonZero(in, pos, end);
    if (dataEnd == pos) {
      return new SegmentEnd(pos, headerBytes, false);
    }
    if (!last) {
      throw corrupt(seg, pos, "corrupt record in a segment that was synced before the next one");
    }
    checkTailIsTorn(seg, in, pos, dataEnd, end);
    return new SegmentEnd(pos, headerBytes, true);
  }

  private long checkHeader(Segment seg, ByteBuffer in) {
    int p = Frames.payloadStart(0);
    if (Frames.payloadBytes(in, 0) != Frames.SEGMENT_HEADER_PAYLOAD_BYTES
        || in.getInt(p) != Frames.SEGMENT_MAGIC) {
      throw corrupt(seg, 0, "not an etcdj WAL segment header");
    }
    int version = in.getInt(p + 4);
    if (version != Frames.FORMAT_VERSION) {
      throw corrupt(seg, 0, "unsupported WAL format version " + version);
    }
    long seq = in.getLong(p + 8);
    long firstIndex = in.getLong(p + 16);
    long headerBytes = in.getLong(p + 24);
    if (seq != seg.seq || firstIndex != seg.firstIndex) {
      throw corrupt(
          seg, 0, "header says seq " + seq + ", first index " + firstIndex + ": file was renamed");
    }
    return headerBytes;
  }

  private void apply(Segment seg, ByteBuffer in, int pos) {
    int start = Frames.payloadStart(pos);
    int len = Frames.payloadBytes(in, pos);
    try {
      switch (Frames.type(in, pos)) {
        case Frames.TYPE_ENTRY ->
            onEntry(seg, pos, LogEntry.parser().parseFrom(in.slice(start, len)));
        case Frames.TYPE_HARD_STATE ->
            hardState = HardState.parser().parseFrom(in.slice(start, len));
        case Frames.TYPE_SNAPSHOT ->
            onSnapshot(SnapshotMetadata.parser().parseFrom(in.slice(start, len)));
        case Frames.TYPE_SYNC_MARK -> {
          // Only evidence of durability; the frame check already validated it.
        }
        default -> throw corrupt(seg, pos, "a second segment header");
      }
    } catch (InvalidProtocolBufferException e) {
      throw corrupt(seg, pos, "record with a valid checksum does not parse: " + e.getMessage());
    }
  }

  /** Raft log semantics: an entry at or below the last index replaces the suffix from there. */
  private void onEntry(Segment seg, int pos, LogEntry e) {
    long i = e.getIndex();
    seg.maxEntryIndex = Math.max(seg.maxEntryIndex, i);
    if (!entries.isEmpty()) {
      long first = entries.get(0).getIndex();
      long last = entries.get(entries.size() - 1).getIndex();
      if (i > last + 1) {
        throw corrupt(seg, pos, "entry " + i + " follows entry " + last + ": entries are missing");
      }
      if (i < first) {
        entries.clear();
      } else {
        entries.subList((int) (i - first), entries.size()).clear();
      }
    }
    entries.add(e);
  }

  private void onSnapshot(SnapshotMetadata s) {
    snapshot = s;
    // Entries the snapshot covers are never needed again (finish() would drop them): dropping them
    // here keeps a replay over many retained segments (--max-wals) to one snapshot's worth. When
    // the snapshot is ahead of the log, that is all of them and the next entry is s.index + 1.
    if (!entries.isEmpty()) {
      long first = entries.get(0).getIndex();
      int covered = (int) Math.max(0, Math.min(entries.size(), s.getIndex() - first + 1));
      entries.subList(0, covered).clear();
    }
  }

  /** The zero chunk {@link #endOfNonZero} compares whole chunks with; never written. */
  private static final ByteBuffer ZERO_CHUNK = ByteBuffer.allocate(64 * 1024).asReadOnlyBuffer();

  /** The offset just after the last nonzero byte in [from, end), or from if there is none. */
  static int endOfNonZero(ByteBuffer in, int from, int end) {
    int p = end;
    // Whole chunks first, by ByteBuffer.mismatch (vectorized once compiled, and compiled early: the
    // JDK itself calls it): a preallocated segment's tail is tens of MiB of zeroes, and a loop of
    // getLong calls, interpreted while a starting JVM's compilers are busy, took 0.2 s of a restart.
    int chunk = ZERO_CHUNK.capacity();
    while (p - from >= chunk && in.slice(p - chunk, chunk).mismatch(ZERO_CHUNK.duplicate()) < 0) {
      p -= chunk;
    }
    while (p - from >= Long.BYTES && in.getLong(p - Long.BYTES) == 0) {
      p -= Long.BYTES;
    }
    while (p > from && in.get(p - 1) == 0) {
      p--;
    }
    return p;
  }

  private static boolean isZero(ByteBuffer in, int from, int length) {
    return endOfNonZero(in, from, from + length) == from;
  }

  /**
   * Throws unless the nonzero bytes in [pos, dataEnd) can be a write that never completed; the file
   * ends at {@code end}.
   */
  private void checkTailIsTorn(Segment seg, ByteBuffer in, int pos, int dataEnd, int end) {
    long durableTo = -1;
    int firstValid = -1;
    int p = pos + Frames.ALIGN_BYTES;
    while (p < dataEnd) {
      int n = Frames.validFrameBytes(in, p, end, crc); // end: padding may be the last zeroes
      if (n < 0) {
        p += Frames.ALIGN_BYTES;
        continue;
      }
      if (firstValid < 0) {
        firstValid = p;
      }
      if (Frames.type(in, p) == Frames.TYPE_SYNC_MARK) {
        durableTo = Math.max(durableTo, in.getLong(Frames.payloadStart(p) + 8));
      }
      p += n;
    }
    if (durableTo > pos) {
      throw corrupt(
          seg,
          pos,
          "corrupt record in data that a later sync mark shows durable up to " + durableTo);
    }
    if (firstValid >= 0 && !looksTorn(in, pos, firstValid)) {
      throw corrupt(seg, pos, "corrupt record followed by a valid record at offset " + firstValid);
    }
  }

  private static boolean looksTorn(ByteBuffer in, int pos, int nextValid) {
    if (isZero(in, pos, Frames.HEADER_BYTES)) {
      return true;
    }
    for (int s = (pos + SECTOR_BYTES - 1) / SECTOR_BYTES * SECTOR_BYTES;
        s + SECTOR_BYTES <= nextValid;
        s += SECTOR_BYTES) {
      if (isZero(in, s, SECTOR_BYTES)) {
        return true;
      }
    }
    return false;
  }

  /** Drops entries covered by the snapshot and checks the rest continues right after it. */
  WalContents finish() {
    long floor = snapshotIndex();
    if (!entries.isEmpty()) {
      long first = entries.get(0).getIndex();
      int covered = (int) Math.max(0, Math.min(entries.size(), floor - first + 1));
      entries.subList(0, covered).clear();
    }
    if (!entries.isEmpty() && entries.get(0).getIndex() != floor + 1) {
      throw new WalException(
          "WAL corrupt: the log starts at entry "
              + entries.get(0).getIndex()
              + " but the snapshot index is "
              + floor
              + ": entries are missing (was a segment file deleted?)");
    }
    return new WalContents(snapshot, hardState, entries);
  }

  long snapshotIndex() {
    return snapshot == null ? 0 : snapshot.getIndex();
  }

  SnapshotMetadata snapshot() {
    return snapshot;
  }

  HardState hardState() {
    return hardState;
  }

  /** Valid after {@link #finish()}. */
  long lastIndex() {
    return entries.isEmpty() ? snapshotIndex() : entries.get(entries.size() - 1).getIndex();
  }

  static WalException corrupt(Segment seg, long offset, String what) {
    return new WalException(
        "WAL corrupt: " + seg + " at offset " + offset + ": " + what + "; refusing to open");
  }
}
