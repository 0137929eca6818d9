package io.etcdj.raft.wal;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** Builders and file surgery shared by the WAL tests. */
final class WalFixtures {
  static final WalOptions SMALL = new WalOptions(64 << 10, true);
  static final WalOptions SMALL_UNALLOCATED = new WalOptions(64 << 10, false);

  private WalFixtures() {}

  /** An entry whose data is derived from (index, term), so any mix-up shows in equals(). */
  static LogEntry entry(long index, long term, int dataBytes) {
    byte[] data = new byte[dataBytes];
    new Random(index * 31 + term).nextBytes(data);
    return LogEntry.newBuilder()
        .setIndex(index)
        .setTerm(term)
        .setData(ByteString.copyFrom(data))
        .build();
  }

  static List<LogEntry> entries(long from, long to, long term, int dataBytes) {
    List<LogEntry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(i, term, dataBytes));
    }
    return out;
  }

  static HardState hardState(long term, long vote, long commit) {
    return HardState.newBuilder().setTerm(term).setVote(vote).setCommit(commit).build();
  }

  static SnapshotMetadata snapshot(long index, long term) {
    return SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).build();
  }

  static List<Path> segmentFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".wal")).sorted().toList();
    }
  }

  static Path lastSegment(Path dir) throws IOException {
    List<Path> files = segmentFiles(dir);
    return files.get(files.size() - 1);
  }

  static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      b.flip();
      byte flipped = (byte) (b.get(0) ^ 0x5a);
      ch.write(ByteBuffer.wrap(new byte[] {flipped}), offset);
    }
  }

  static void zeroRange(Path file, long from, long to) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[(int) (to - from)]), from);
    }
  }

  /** Offset of the payload of the frame that ends at {@code frameEnd} and carries {@code e}. */
  static long payloadOffset(long frameEnd, LogEntry e) {
    return frameEnd - Frames.frameBytes(e.getSerializedSize()) + Frames.HEADER_BYTES + 1;
  }
}
