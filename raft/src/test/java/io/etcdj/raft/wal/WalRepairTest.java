package io.etcdj.raft.wal;

import static io.etcdj.raft.wal.WalFixtures.SMALL;
import static io.etcdj.raft.wal.WalFixtures.SMALL_UNALLOCATED;
import static io.etcdj.raft.wal.WalFixtures.entries;
import static io.etcdj.raft.wal.WalFixtures.entry;
import static io.etcdj.raft.wal.WalFixtures.flipByte;
import static io.etcdj.raft.wal.WalFixtures.hardState;
import static io.etcdj.raft.wal.WalFixtures.lastSegment;
import static io.etcdj.raft.wal.WalFixtures.payloadOffset;
import static io.etcdj.raft.wal.WalFixtures.segmentFiles;
import static io.etcdj.raft.wal.WalFixtures.zeroRange;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.internal.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and corruption cases: what {@link Wal#open} repairs and what it refuses. Files are edited
 * after {@link Wal#crashForTesting()}, which leaves them as a kill -9 after the last sync would.
 */
class WalRepairTest {
  @TempDir Path dir;

  private static final int SYNC_MARK_BYTES = Frames.frameBytes(Frames.SYNC_MARK_PAYLOAD_BYTES);

  /**
   * Where the last batch of {@link #writeBatches} starts and ends in the last segment, and where
   * its entry ends (the batch is: sync mark, entry, hard state).
   */
  private long lastBatchStart;

  private long lastBatchEnd;
  private long lastEntryStart;
  private long lastEntryEnd;
  private int lastEntryPayloadBytes;

  /** Writes entries 1..n, one synced batch each (hard state commit = index), then "crashes". */
  private void writeBatches(WalOptions options, int n, int dataBytes) {
    Wal wal = Wal.open(dir, options);
    for (long i = 1; i <= n; i++) {
      lastBatchStart = wal.writeOffset();
      wal.append(hardState(1, 1, i), List.of(entry(i, 1, dataBytes)));
      wal.sync();
      lastBatchEnd = wal.writeOffset();
    }
    lastEntryStart = lastBatchStart + SYNC_MARK_BYTES;
    lastEntryPayloadBytes = entry(n, 1, dataBytes).getSerializedSize();
    lastEntryEnd = lastEntryStart + Frames.frameBytes(lastEntryPayloadBytes);
    wal.crashForTesting();
  }

  /** End of the last entry's payload: the frame's padding follows. */
  private long lastEntryBodyEnd() {
    return lastEntryStart + Frames.HEADER_BYTES + 1 + lastEntryPayloadBytes;
  }

  private static WalException openFails(Path dir, WalOptions options) {
    return assertThrows(WalException.class, () -> Wal.open(dir, options).close());
  }

  /** Opens, checks the log is entries 1..expected, appends one more entry, reopens. */
  private void assertRepairedTo(WalOptions options, long expected) {
    LogEntry next = entry(expected + 1, 2, 77);
    try (Wal wal = Wal.open(dir, options)) {
      WalContents c = wal.contents();
      assertEquals(
          entries(1, expected, 1, c.entries().isEmpty() ? 0 : dataBytesOf(c)), c.entries());
      assertEquals(hardState(1, 1, expected), c.hardState());
      assertEquals(expected, wal.lastIndex());
      wal.append(hardState(2, 1, expected + 1), List.of(next));
      wal.sync();
    }
    try (Wal wal = Wal.open(dir, options)) {
      List<LogEntry> want = new ArrayList<>(entries(1, expected, 1, 0));
      List<LogEntry> got = wal.contents().entries();
      assertEquals(expected + 1, got.size());
      assertEquals(next, got.get(got.size() - 1));
      for (int i = 0; i < expected; i++) {
        assertEquals(want.get(i).getIndex(), got.get(i).getIndex());
        assertEquals(1, got.get(i).getTerm());
      }
    }
  }

  private static int dataBytesOf(WalContents c) {
    return c.entries().get(0).getData().size();
  }

  @Test
  void tornLastBatchAtEveryOffsetIsCutOff() throws IOException {
    writeBatches(SMALL_UNALLOCATED, 5, 40);
    Path file = lastSegment(dir);
    byte[] original = Files.readAllBytes(file);
    assertEquals(lastBatchEnd, original.length);
    assertTrue(lastBatchEnd - lastBatchStart > 40);
    for (long cut = lastBatchStart; cut < lastBatchEnd; cut++) {
      Files.write(file, java.util.Arrays.copyOf(original, (int) cut));
      try (Wal wal = Wal.open(dir, SMALL_UNALLOCATED)) {
        WalContents c = wal.contents();
        // A complete entry record survives even if the hard state after it was torn.
        long kept = cut < lastEntryEnd ? 4 : 5;
        assertEquals(entries(1, kept, 1, 40), c.entries(), "cut at " + cut);
        assertEquals(hardState(1, 1, 4), c.hardState(), "cut at " + cut);
        assertEquals(kept, wal.lastIndex());
      }
    }
    Files.write(file, java.util.Arrays.copyOf(original, (int) lastEntryEnd - 1));
    assertRepairedTo(SMALL_UNALLOCATED, 4);
  }

  @Test
  void partiallyWrittenRecordInPreallocatedSpaceIsCutOff() throws IOException {
    writeBatches(SMALL, 5, 300);
    Path file = lastSegment(dir);
    byte[] original = Files.readAllBytes(file);
    for (long cut = lastBatchStart + 1; cut < lastBatchEnd; cut += 13) {
      Files.write(file, original);
      zeroRange(file, cut, lastBatchEnd); // the rest of the write never reached the disk
      try (Wal wal = Wal.open(dir, SMALL)) {
        long kept = cut < lastEntryBodyEnd() ? 4 : 5; // zeroed padding is still a whole record
        assertEquals(entries(1, kept, 1, 300), wal.contents().entries(), "cut at " + cut);
      }
      assertEquals(SMALL.segmentBytes(), Files.size(file), "repair keeps the preallocation");
    }
    Files.write(file, original);
    zeroRange(file, lastEntryBodyEnd() - 1, lastBatchEnd);
    assertRepairedTo(SMALL, 4);
  }

  @Test
  void checksumMismatchInTheLastRecordIsCutOff() throws IOException {
    writeBatches(SMALL, 5, 300);
    Wal wal = Wal.open(dir, SMALL);
    LogEntry last = entry(6, 1, 300);
    wal.append(null, List.of(last)); // no hard state: the entry is the last record
    wal.sync();
    long end = wal.writeOffset();
    wal.crashForTesting();
    flipByte(lastSegment(dir), payloadOffset(end, last) + 100);
    try (Wal reopened = Wal.open(dir, SMALL)) {
      assertEquals(entries(1, 5, 1, 300), reopened.contents().entries());
    }
    assertRepairedTo(SMALL, 5);
  }

  @Test
  void checksumMismatchInTheLastHardStateKeepsTheEntryBeforeIt() throws IOException {
    writeBatches(SMALL, 5, 300);
    flipByte(lastSegment(dir), lastBatchEnd - 2);
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalContents c = wal.contents();
      assertEquals(entries(1, 5, 1, 300), c.entries());
      assertEquals(hardState(1, 1, 4), c.hardState());
    }
  }

  @Test
  void checksumMismatchInTheLastEntryBeforeAValidHardStateFails() throws IOException {
    // Not a torn write (nothing is zero), and a valid record follows: a bad record in the middle.
    writeBatches(SMALL, 5, 300);
    flipByte(lastSegment(dir), payloadOffset(lastEntryEnd, entry(5, 1, 300)) + 100);
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("followed by a valid record"), e.getMessage());
  }

  @Test
  void garbageTailIsZeroedSoStaleRecordsCannotComeBack() throws IOException {
    // A torn write of a big last batch: its first page never reached the disk, later ones did.
    Wal wal = Wal.open(dir, SMALL);
    wal.append(hardState(1, 1, 3), entries(1, 3, 1, 300));
    wal.sync();
    long start = wal.writeOffset();
    wal.append(null, entries(4, 40, 1, 300));
    wal.sync();
    long end = wal.writeOffset();
    wal.crashForTesting();
    long page = (start + 4095) / 4096 * 4096;
    assertTrue(page + 4096 < end, "the batch must span a whole page and more");
    zeroRange(lastSegment(dir), page, page + 4096);

    long expected;
    try (Wal reopened = Wal.open(dir, SMALL)) {
      List<LogEntry> got = reopened.contents().entries();
      expected = got.size();
      assertTrue(expected >= 3 && expected < 40, "kept " + expected);
      assertEquals(entries(1, expected, 1, 300), got);
      reopened.append(null, List.of(entry(expected + 1, 2, 1)));
    }
    try (Wal reopened = Wal.open(dir, SMALL)) {
      List<LogEntry> got = reopened.contents().entries();
      assertEquals(expected + 1, got.size(), "records after the hole must not reappear");
      assertEquals(entry(expected + 1, 2, 1), got.get(got.size() - 1));
    }
  }

  @Test
  void checksumMismatchInAnEarlySyncedRecordFails() throws IOException {
    writeBatches(SMALL, 20, 300);
    Path file = lastSegment(dir);
    long secondEntry = Frames.frameBytes(Frames.SEGMENT_HEADER_PAYLOAD_BYTES) + 16 + 400;
    flipByte(file, secondEntry);
    byte[] before = Files.readAllBytes(file);
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("WAL corrupt"), e.getMessage());
    assertTrue(e.getMessage().contains(file.getFileName().toString()), e.getMessage());
    assertArrayEquals(before, Files.readAllBytes(file), "a failed open must not touch the files");
  }

  @Test
  void checksumMismatchFollowedByValidRecordsInOneBatchFails() throws IOException {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(1, 1, 50), entries(1, 50, 1, 300));
    }
    long thirdEntryPayload =
        Frames.frameBytes(Frames.SEGMENT_HEADER_PAYLOAD_BYTES)
            + 16
            + 3L * Frames.frameBytes(entry(1, 1, 300).getSerializedSize())
            - 50;
    flipByte(lastSegment(dir), thirdEntryPayload);
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("followed by a valid record"), e.getMessage());
  }

  @Test
  void zeroedSectorInDataVouchedForByASyncMarkFails() throws IOException {
    writeBatches(SMALL, 60, 300); // ~20 KiB; every batch after the first starts with a sync mark
    zeroRange(lastSegment(dir), 4096, 4096 + 512);
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("sync mark"), e.getMessage());
  }

  @Test
  void corruptSegmentHeaderFails() throws IOException {
    writeBatches(SMALL, 3, 10);
    flipByte(lastSegment(dir), 20);
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("segment header"), e.getMessage());
  }

  @Test
  void corruptionInASegmentThatWasRolledFails() throws IOException {
    writeBatches(SMALL, 400, 300); // several 64 KiB segments
    List<Path> files = segmentFiles(dir);
    assertTrue(files.size() >= 2);
    flipByte(files.get(0), 30_000);
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains(files.get(0).getFileName().toString()), e.getMessage());
  }

  @Test
  void missingMiddleSegmentFails() throws IOException {
    writeBatches(SMALL, 800, 300);
    List<Path> files = segmentFiles(dir);
    assertTrue(files.size() >= 3);
    Files.delete(files.get(1));
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void missingFirstSegmentWithoutSnapshotFails() throws IOException {
    writeBatches(SMALL, 800, 300);
    Files.delete(segmentFiles(dir).get(0));
    WalException e = openFails(dir, SMALL);
    assertTrue(e.getMessage().contains("entries are missing"), e.getMessage());
  }

  @Test
  void unfinishedSegmentCreationIsDiscarded() throws IOException {
    writeBatches(SMALL, 3, 10);
    Path tmp = dir.resolve("0000000000000002-0000000000000004.wal.tmp");
    Files.write(tmp, new byte[4096]);
    try (Wal wal = Wal.open(dir, SMALL)) {
      assertEquals(entries(1, 3, 1, 10), wal.contents().entries());
    }
    assertFalse(Files.exists(tmp));
    assertEquals(1, segmentFiles(dir).size());
  }
}
