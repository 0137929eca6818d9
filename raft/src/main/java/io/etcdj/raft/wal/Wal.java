package io.etcdj.raft.wal;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import io.etcdj.api.internal.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.function.LongConsumer;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-ahead log of one node: entries, hard state and snapshot markers in CRC-checked records
 * in preallocated segment files. See the package documentation for the format and the durability
 * contract.
 *
 * <p>Not thread-safe: confined to the thread that owns the Raft node (the raft loop). Any {@link
 * WalException} from a write path is fatal; the instance then refuses further calls and the server
 * must stop.
 */
public final class Wal implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Wal.class);
  private static final String LOCK_FILE = "wal.lock";
  private static final String TMP_SUFFIX = ".tmp";
  static final int WRITE_BUFFER_BYTES = 1 << 20;
  private static final int ZERO_BUFFER_BYTES = 256 << 10;

  private final Path dir;
  private final WalOptions options;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final ArrayDeque<Segment> segments = new ArrayDeque<>();
  private final CRC32C crc = new CRC32C();
  private final ByteBuffer zeros = ByteBuffer.allocateDirect(ZERO_BUFFER_BYTES);

  /** Records encoded but not yet written; they belong at {@link #tailWritePos} of the tail. */
  private ByteBuffer buf =
      ByteBuffer.allocateDirect(WRITE_BUFFER_BYTES).order(ByteOrder.LITTLE_ENDIAN);

  private FileChannel tail;

  /** File offset in the tail segment where {@link #buf}'s first byte goes. */
  private long tailWritePos;

  private long tailHeaderBytes;

  /** Offset in the tail segment up to which everything is known to be on disk. */
  private long durableOffset;

  /** A sync happened; the next batch starts with a sync mark that vouches for it. */
  private boolean syncMarkPending;

  private long lastIndex;
  private SnapshotMetadata snapshot;
  private HardState hardState;
  private WalContents contents;

  private long syncCount;
  /** Told each fdatasync's duration in nanoseconds; nothing by default. */
  private LongConsumer fsyncObserver = nanos -> {};
  private long bytesWritten;
  private boolean failed;
  private boolean closed;

  private Wal(Path dir, WalOptions options, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.options = options;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens the WAL in {@code dir}, creating the directory and a first segment if there is none.
   * Repairs a torn tail of the last segment (truncating after the last valid record, with a
   * warning); throws {@link WalException} on corruption that repair must not hide, on a missing
   * segment, or if another {@code Wal} holds the directory.
   */
  public static Wal open(Path dir, WalOptions options) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    FileChannel lockChannel = null;
    Wal wal = null;
    try {
      Files.createDirectories(dir);
      lockChannel =
          FileChannel.open(
              dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        throw new WalException("WAL directory " + dir + " is in use by another Wal");
      }
      wal = new Wal(dir, options, lockChannel, lock);
      wal.load();
      return wal;
    } catch (IOException e) {
      closeQuietly(wal, lockChannel);
      throw new WalException("cannot open WAL in " + dir + ": " + e, e);
    } catch (RuntimeException e) {
      closeQuietly(wal, lockChannel);
      throw e;
    }
  }

  private static void closeQuietly(Wal wal, FileChannel lockChannel) {
    try {
      if (wal != null && wal.tail != null) {
        wal.tail.close();
      }
      if (lockChannel != null) {
        lockChannel.close(); // releases the lock
      }
    } catch (IOException ignored) {
      // Already failing; the first error is the one worth reporting.
    }
  }

  private void load() throws IOException {
    List<Segment> found = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        if (f.getFileName().toString().endsWith(TMP_SUFFIX)) {
          LOG.warn("deleting {}: a segment whose creation did not finish", f);
          Files.delete(f);
          continue;
        }
        Segment s = Segment.parse(f);
        if (s != null) {
          found.add(s);
        }
      }
    }
    found.sort(Comparator.comparingLong(s -> s.seq));
    Replay replay = new Replay();
    if (found.isEmpty()) {
      contents = replay.finish();
      lastIndex = 0;
      hardState = replay.hardState();
      createSegment(1, 1);
      return;
    }
    for (int i = 1; i < found.size(); i++) {
      if (found.get(i).seq != found.get(i - 1).seq + 1) {
        throw new WalException(
            "WAL corrupt: segment after "
                + found.get(i - 1)
                + " is missing, found "
                + found.get(i));
      }
    }
    Replay.SegmentEnd end = null;
    for (int i = 0; i < found.size(); i++) {
      Segment s = found.get(i);
      boolean last = i == found.size() - 1;
      try (FileChannel ch = FileChannel.open(s.path, StandardOpenOption.READ)) {
        end = replay.read(s, ch, last);
      }
      segments.addLast(s);
    }
    contents = replay.finish();
    lastIndex = replay.lastIndex();
    snapshot = replay.snapshot();
    hardState = replay.hardState();
    openTail(segments.getLast(), end);
  }

  /** Opens the last segment for appending at the end of its valid records, repairing if needed. */
  private void openTail(Segment s, Replay.SegmentEnd end) throws IOException {
    tail = FileChannel.open(s.path, StandardOpenOption.READ, StandardOpenOption.WRITE);
    long validBytes = end.validBytes();
    if (end.repaired()) {
      LOG.warn(
          "WAL {}: torn or corrupt tail after offset {} ({} bytes) from an incomplete write;"
              + " truncating it",
          s,
          validBytes,
          tail.size() - validBytes);
      tail.truncate(validBytes);
    }
    if (options.preallocate() && tail.size() < options.segmentBytes()) {
      zeroFill(tail, tail.size(), options.segmentBytes());
    }
    // What we read may have come from the page cache of a crashed process: make it durable before
    // a sync mark vouches for it.
    tail.force(false);
    tailWritePos = validBytes;
    tailHeaderBytes = end.headerBytes();
    durableOffset = validBytes;
    syncMarkPending = true;
  }

  /**
   * The state to restart from, as read by {@link #open}. Call once: the WAL drops its reference so
   * a large log can be collected once the caller has consumed it.
   */
  public WalContents contents() {
    checkOpen();
    if (contents == null) {
      throw new IllegalStateException("contents() was already called");
    }
    WalContents c = contents;
    contents = null;
    return c;
  }

  /**
   * Buffers a batch: the entries, then the hard state (null: unchanged). Nothing is durable until
   * {@link #sync()} returns. Entries must have consecutive indexes starting after the snapshot
   * index and at most {@code lastIndex() + 1}; starting lower replaces the tail from there.
   */
  public void append(HardState hardState, List<LogEntry> entries) {
    checkUsable();
    Objects.requireNonNull(entries, "entries");
    checkEntries(entries);
    try {
      for (int i = 0; i < entries.size(); i++) {
        LogEntry e = entries.get(i);
        encode(Frames.TYPE_ENTRY, e, e.getIndex());
        Segment s = segments.getLast();
        s.maxEntryIndex = Math.max(s.maxEntryIndex, e.getIndex());
        lastIndex = e.getIndex();
      }
      if (hardState != null) {
        encode(Frames.TYPE_HARD_STATE, hardState, lastIndex + 1);
        this.hardState = hardState;
      }
    } catch (IOException e) {
      throw fail("append", e);
    }
  }

  private void checkEntries(List<LogEntry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).getIndex();
    long snapshotIndex = snapshotIndex();
    if (first <= snapshotIndex || first > lastIndex + 1) {
      throw new IllegalArgumentException(
          "first entry index "
              + first
              + " must be in ["
              + (snapshotIndex + 1)
              + ", "
              + (lastIndex + 1)
              + "] (after the snapshot, no gap after the last index)");
    }
    for (int i = 0; i < entries.size(); i++) {
      LogEntry e = entries.get(i);
      if (e.getIndex() != first + i) {
        throw new IllegalArgumentException(
            "entry indexes must be consecutive: position " + i + " has index " + e.getIndex());
      }
      if (e.getSerializedSize() > Frames.PAYLOAD_BYTES_MAX) {
        throw new IllegalArgumentException(
            "entry " + e.getIndex() + " is larger than " + Frames.PAYLOAD_BYTES_MAX + " bytes");
      }
    }
  }

  /**
   * Has {@code observer} told the duration of each fdatasync of {@link #sync()} in nanoseconds (the
   * server's etcd_disk_wal_fsync_duration_seconds). Called on the thread that syncs; it must be
   * cheap. Set before the first sync.
   */
  public void observeFsync(LongConsumer observer) {
    this.fsyncObserver = Objects.requireNonNull(observer);
  }

  /**
   * Writes everything appended so far and forces it to disk (fdatasync); when this returns, it
   * survives a crash. One call covers any number of appends (group commit). A no-op if nothing was
   * appended since the last sync.
   */
  public void sync() {
    checkUsable();
    if (writeOffset() == durableOffset) {
      return;
    }
    try {
      flushBuffer();
      long start = System.nanoTime();
      tail.force(false);
      fsyncObserver.accept(System.nanoTime() - start);
    } catch (IOException e) {
      throw fail("sync", e);
    }
    durableOffset = tailWritePos;
    syncMarkPending = true;
    syncCount++;
  }

  /**
   * Records a snapshot marker and syncs (like etcd's {@code SaveSnapshot}), so that {@link
   * #releaseTo} may then delete what it covers. The snapshot index must not go backwards. If it is
   * beyond {@link #lastIndex()}, the log continues at {@code snapshot.index + 1}.
   */
  public void saveSnapshot(SnapshotMetadata snapshot) {
    checkUsable();
    Objects.requireNonNull(snapshot, "snapshot");
    if (snapshot.getIndex() < snapshotIndex()) {
      throw new IllegalArgumentException(
          "snapshot index " + snapshot.getIndex() + " is below the saved " + snapshotIndex());
    }
    try {
      encode(Frames.TYPE_SNAPSHOT, snapshot, Math.max(lastIndex, snapshot.getIndex()) + 1);
    } catch (IOException e) {
      throw fail("saveSnapshot", e);
    }
    this.snapshot = snapshot;
    lastIndex = Math.max(lastIndex, snapshot.getIndex());
    sync();
  }

  /**
   * Deletes the oldest segments whose entries are all at or below {@code index}, never the segment
   * being written. Every segment starts with the snapshot marker and hard state current when it was
   * created, so nothing needed to restart is lost. {@code index} must not exceed the saved snapshot
   * index: entries after the snapshot are the log.
   */
  public void releaseTo(long index) {
    releaseTo(index, 1);
  }

  /**
   * etcd's WAL purge ({@code --max-wals}): deletes the oldest segments that {@link
   * #releaseTo(long)} could delete, but only while more than {@code filesMax} segment files exist;
   * 0 keeps every file. Segments holding entries after {@code index} always stay, however many
   * there are, as etcd never purges a WAL file it still holds locked.
   *
   * @return the number of segment files deleted
   */
  public int releaseTo(long index, long filesMax) {
    checkUsable();
    if (index > snapshotIndex()) {
      throw new IllegalArgumentException(
          "releaseTo(" + index + ") is beyond the saved snapshot index " + snapshotIndex());
    }
    if (filesMax < 0) {
      throw new IllegalArgumentException("filesMax must not be negative: " + filesMax);
    }
    int released = 0;
    try {
      while (filesMax > 0
          && segments.size() > Math.max(1, filesMax)
          && segments.getFirst().maxEntryIndex <= index) {
        Segment s = segments.removeFirst();
        Files.delete(s.path);
        LOG.info("purged file {} successfully", s.path);
        released++;
      }
      if (released > 0) {
        forceDirectory();
      }
    } catch (IOException e) {
      throw fail("releaseTo", e);
    }
    return released;
  }

  /** Index of the last entry appended (durable or not), or the snapshot index if that is later. */
  public long lastIndex() {
    return lastIndex;
  }

  /** Number of {@link #sync()} calls that forced data to disk. */
  public long syncCount() {
    return syncCount;
  }

  /** Bytes written to segment files since open (records, headers and sync marks). */
  public long bytesWritten() {
    return bytesWritten;
  }

  /** Syncs what was appended (unless the WAL failed) and releases the files and the lock. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    try {
      if (!failed) {
        sync();
      }
    } finally {
      closed = true;
      try {
        tail.close();
        lockChannel.close();
      } catch (IOException e) {
        LOG.warn("closing WAL in {}: {}", dir, e.toString());
      }
    }
  }

  // ---- package-private, for tests ----

  /** Closes the files without writing anything more: what a crash (kill -9) leaves behind. */
  void crashForTesting() {
    closed = true;
    try {
      tail.close();
      lockChannel.close();
    } catch (IOException e) {
      throw new WalException("crashForTesting", e);
    }
  }

  /** File offset in the tail segment where the next record goes. */
  long writeOffset() {
    return tailWritePos + buf.position();
  }

  int segmentCount() {
    return segments.size();
  }

  // ---- writing ----

  private long snapshotIndex() {
    return snapshot == null ? 0 : snapshot.getIndex();
  }

  /**
   * Encodes one record into the buffer, first rolling the segment if it would not fit and writing a
   * pending sync mark. {@code nextIndex} names a segment created by a roll.
   */
  private void encode(byte type, MessageLite message, long nextIndex) throws IOException {
    if (syncMarkPending) {
      syncMarkPending = false;
      int markPayload = Frames.SYNC_MARK_PAYLOAD_BYTES;
      boolean rolled = makeRoom(Frames.frameBytes(markPayload), nextIndex);
      if (!rolled) { // after a roll, the new segment's synced header block needs no mark
        long own = writeOffset();
        int start = Frames.beginFrame(buf, Frames.TYPE_SYNC_MARK, markPayload);
        buf.putLong(own).putLong(durableOffset);
        Frames.finishFrame(buf, start, markPayload, crc);
      }
    }
    int payloadBytes = message.getSerializedSize();
    makeRoom(Frames.frameBytes(payloadBytes), nextIndex);
    int start = Frames.beginFrame(buf, type, payloadBytes);
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    message.writeTo(out);
    out.flush();
    Frames.finishFrame(buf, start, payloadBytes, crc);
  }

  /**
   * Ensures {@code frameBytes} fit in the buffer and (unless the segment holds no records yet) in
   * the segment. Returns true if it rolled to a new segment.
   */
  private boolean makeRoom(int frameBytes, long nextIndex) throws IOException {
    boolean rolled = false;
    boolean segmentHasRecords = writeOffset() > tailHeaderBytes;
    if (segmentHasRecords && writeOffset() + frameBytes > options.segmentBytes()) {
      roll(nextIndex);
      rolled = true;
    }
    if (buf.remaining() < frameBytes) {
      flushBuffer();
      if (buf.capacity() < frameBytes) {
        buf = ByteBuffer.allocateDirect(Frames.align(frameBytes)).order(ByteOrder.LITTLE_ENDIAN);
      }
    }
    return rolled;
  }

  /** Syncs and closes the tail, then starts a new segment (etcd's {@code cut}). */
  private void roll(long firstIndex) throws IOException {
    flushBuffer();
    tail.force(false);
    tail.close();
    Segment previous = segments.getLast();
    createSegment(previous.seq + 1, firstIndex);
  }

  /**
   * Creates a segment as a temporary file, zero-fills it, writes and syncs the header block (header
   * record, current snapshot marker, current hard state), then renames it into place. A crash at
   * any point leaves either no new segment or a complete one.
   */
  private void createSegment(long seq, long firstIndex) throws IOException {
    String name = Segment.fileName(seq, firstIndex);
    Path path = dir.resolve(name);
    Path tmp = dir.resolve(name + TMP_SUFFIX);
    FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
    try {
      if (options.preallocate()) {
        zeroFill(ch, 0, options.segmentBytes());
      }
      tail = ch;
      tailWritePos = 0;
      assert buf.position() == 0;
      long headerBytes =
          Frames.frameBytes(Frames.SEGMENT_HEADER_PAYLOAD_BYTES)
              + (snapshot == null ? 0 : Frames.frameBytes(snapshot.getSerializedSize()))
              + Frames.frameBytes(hardState.getSerializedSize());
      tailHeaderBytes = headerBytes;
      int start =
          Frames.beginFrame(buf, Frames.TYPE_SEGMENT_HEADER, Frames.SEGMENT_HEADER_PAYLOAD_BYTES);
      buf.putInt(Frames.SEGMENT_MAGIC)
          .putInt(Frames.FORMAT_VERSION)
          .putLong(seq)
          .putLong(firstIndex)
          .putLong(headerBytes);
      Frames.finishFrame(buf, start, Frames.SEGMENT_HEADER_PAYLOAD_BYTES, crc);
      if (snapshot != null) {
        encodeRaw(Frames.TYPE_SNAPSHOT, snapshot);
      }
      encodeRaw(Frames.TYPE_HARD_STATE, hardState);
      if (buf.position() != headerBytes) {
        throw new IllegalStateException("header block is " + buf.position() + " != " + headerBytes);
      }
      flushBuffer();
      ch.force(true);
      Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
      forceDirectory();
    } catch (IOException | RuntimeException e) {
      ch.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
    segments.addLast(new Segment(seq, firstIndex, path));
    durableOffset = tailHeaderBytes;
    syncMarkPending = false;
  }

  /** Encodes a header-block record: no roll, no sync mark. */
  private void encodeRaw(byte type, MessageLite message) throws IOException {
    int payloadBytes = message.getSerializedSize();
    if (buf.remaining() < Frames.frameBytes(payloadBytes)) {
      throw new IllegalStateException("header block does not fit the write buffer");
    }
    int start = Frames.beginFrame(buf, type, payloadBytes);
    CodedOutputStream out = CodedOutputStream.newInstance(buf);
    message.writeTo(out);
    out.flush();
    Frames.finishFrame(buf, start, payloadBytes, crc);
  }

  private void flushBuffer() throws IOException {
    buf.flip();
    while (buf.hasRemaining()) {
      int n = tail.write(buf, tailWritePos);
      tailWritePos += n;
      bytesWritten += n;
    }
    buf.clear();
  }

  private void zeroFill(FileChannel ch, long from, long to) throws IOException {
    long pos = from;
    while (pos < to) {
      zeros.clear();
      zeros.limit((int) Math.min(zeros.capacity(), to - pos));
      pos += ch.write(zeros, pos);
    }
  }

  /** Makes creations, renames and deletions in the directory durable. */
  private void forceDirectory() throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  private WalException fail(String op, IOException e) {
    failed = true;
    return new WalException(
        "WAL " + op + " failed in " + dir + "; the WAL is unusable and the server must stop", e);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("WAL is closed");
    }
  }

  private void checkUsable() {
    checkOpen();
    if (failed) {
      throw new WalException("WAL in " + dir + " failed earlier; the server must stop");
    }
  }
}
