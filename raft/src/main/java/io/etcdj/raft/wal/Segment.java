package io.etcdj.raft.wal;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One segment file, named {@code <seq>-<firstIndex>.wal} in 16 hex digits each (like etcd's {@code
 * walName}). {@code firstIndex} is the index the first entry of the segment was expected to have
 * when it was created; it is informational (a conflicting append may write lower indexes). Mutable
 * only in {@link #maxEntryIndex}, the highest entry index written into the file, which decides
 * whether {@link Wal#releaseTo} may delete it. Confined to the WAL's thread.
 */
final class Segment {
  private static final Pattern NAME = Pattern.compile("([0-9a-f]{16})-([0-9a-f]{16})\\.wal");

  final long seq;
  final long firstIndex;
  final Path path;
  long maxEntryIndex;

  Segment(long seq, long firstIndex, Path path) {
    this.seq = seq;
    this.firstIndex = firstIndex;
    this.path = path;
  }

  static String fileName(long seq, long firstIndex) {
    return String.format("%016x-%016x.wal", seq, firstIndex);
  }

  /** Returns the segment a file name denotes, or null if it is not a segment name. */
  static Segment parse(Path path) {
    Matcher m = NAME.matcher(path.getFileName().toString());
    if (!m.matches()) {
      return null;
    }
    return new Segment(
        Long.parseUnsignedLong(m.group(1), 16), Long.parseUnsignedLong(m.group(2), 16), path);
  }

  @Override
  public String toString() {
    return path.getFileName().toString();
  }
}
