package io.etcdj.raft.wal;

import static io.etcdj.raft.wal.WalFixtures.SMALL;
import static io.etcdj.raft.wal.WalFixtures.entries;
import static io.etcdj.raft.wal.WalFixtures.entry;
import static io.etcdj.raft.wal.WalFixtures.hardState;
import static io.etcdj.raft.wal.WalFixtures.segmentFiles;
import static io.etcdj.raft.wal.WalFixtures.snapshot;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.internal.HardState;
import io.etcdj.api.internal.LogEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WalTest {
  @TempDir Path dir;

  private WalContents reopen(WalOptions options) {
    try (Wal wal = Wal.open(dir, options)) {
      return wal.contents();
    }
  }

  @Test
  void newWalIsEmptyWithOnePreallocatedSegment() throws IOException {
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalContents c = wal.contents();
      assertNull(c.snapshot());
      assertEquals(HardState.getDefaultInstance(), c.hardState());
      assertEquals(List.of(), c.entries());
      assertEquals(0, wal.lastIndex());
    }
    List<Path> files = segmentFiles(dir);
    assertEquals(1, files.size());
    assertEquals("0000000000000001-0000000000000001.wal", files.get(0).getFileName().toString());
    assertEquals(SMALL.segmentBytes(), Files.size(files.get(0)));
  }

  @Test
  void roundTrip() {
    HardState last = hardState(3, 2, 9);
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(2, 1, 0), entries(1, 5, 2, 100));
      wal.append(null, entries(6, 10, 3, 0));
      wal.append(last, List.of());
      wal.sync();
      assertEquals(10, wal.lastIndex());
    }
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalContents c = wal.contents();
      assertNull(c.snapshot());
      assertEquals(last, c.hardState());
      List<LogEntry> expected = new ArrayList<>(entries(1, 5, 2, 100));
      expected.addAll(entries(6, 10, 3, 0));
      assertEquals(expected, c.entries());
      assertEquals(10, wal.lastIndex());
    }
  }

  @Test
  void closeSyncsWhatWasAppended() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(1, 1, 1), entries(1, 3, 1, 10));
    }
    WalContents c = reopen(SMALL);
    assertEquals(entries(1, 3, 1, 10), c.entries());
    assertEquals(hardState(1, 1, 1), c.hardState());
  }

  @Test
  void conflictingAppendReplacesTheTail() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(1, 1, 5), entries(1, 10, 1, 20));
      wal.sync();
      wal.append(hardState(2, 2, 7), entries(8, 12, 2, 20));
      wal.sync();
      assertEquals(12, wal.lastIndex());
    }
    List<LogEntry> expected = new ArrayList<>(entries(1, 7, 1, 20));
    expected.addAll(entries(8, 12, 2, 20));
    WalContents c = reopen(SMALL);
    assertEquals(expected, c.entries());
    assertEquals(hardState(2, 2, 7), c.hardState());
  }

  @Test
  void conflictingAppendCanShortenTheLogWithinOneBatch() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(null, entries(1, 10, 1, 20));
      wal.append(null, entries(5, 6, 3, 20)); // same unsynced batch
      assertEquals(6, wal.lastIndex());
    }
    List<LogEntry> expected = new ArrayList<>(entries(1, 4, 1, 20));
    expected.addAll(entries(5, 6, 3, 20));
    assertEquals(expected, reopen(SMALL).entries());
    try (Wal wal = Wal.open(dir, SMALL)) {
      assertEquals(6, wal.lastIndex());
    }
  }

  @ParameterizedTest(name = "entries starting at {0}, step {1}")
  @CsvSource({
    "7, 1", // gap after lastIndex 5
    "0, 1", // index 0 is never a log index
    "3, 2", // not consecutive
    "2, 0", // repeated index
  })
  void appendRejectsBadIndexesWithoutWriting(long first, long step) {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(null, entries(1, 5, 1, 8));
      List<LogEntry> bad = List.of(entry(first, 2, 8), entry(first + step, 2, 8));
      assertThrows(IllegalArgumentException.class, () -> wal.append(hardState(9, 9, 9), bad));
      assertEquals(5, wal.lastIndex());
    }
    WalContents c = reopen(SMALL);
    assertEquals(entries(1, 5, 1, 8), c.entries());
    assertEquals(HardState.getDefaultInstance(), c.hardState());
  }

  @Test
  void appendAtOrBelowTheSnapshotIsRejected() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(null, entries(1, 5, 1, 8));
      wal.saveSnapshot(snapshot(4, 1));
      assertThrows(IllegalArgumentException.class, () -> wal.append(null, List.of(entry(4, 2, 8))));
      wal.append(null, List.of(entry(5, 2, 8))); // just above the snapshot is a legal conflict
      assertEquals(5, wal.lastIndex());
    }
    assertEquals(List.of(entry(5, 2, 8)), reopen(SMALL).entries());
  }

  @Test
  void oneSyncCoversManyAppends() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      for (long i = 1; i <= 100; i++) {
        wal.append(hardState(1, 1, i - 1), List.of(entry(i, 1, 50)));
      }
      wal.sync();
      wal.sync(); // nothing new: no fsync
      assertEquals(1, wal.syncCount());
      assertTrue(wal.bytesWritten() > 100 * 50, "bytesWritten " + wal.bytesWritten());
    }
    WalContents c = reopen(SMALL);
    assertEquals(entries(1, 100, 1, 50), c.entries());
    assertEquals(hardState(1, 1, 99), c.hardState());
  }

  @Test
  void segmentsRollAndReleaseKeepsSnapshotAndHardState() throws IOException {
    HardState hs = hardState(4, 3, 1000);
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hs, entries(1, 10, 4, 300)); // the only hard state record ever written
      for (long i = 11; i <= 2000; i += 10) {
        wal.append(null, entries(i, i + 9, 4, 300));
        wal.sync();
      }
      assertTrue(wal.segmentCount() >= 9, "segments: " + wal.segmentCount());
      assertEquals(wal.segmentCount(), segmentFiles(dir).size());
    }
    int segmentsBefore = segmentFiles(dir).size();
    for (Path f : segmentFiles(dir)) {
      assertEquals(SMALL.segmentBytes(), Files.size(f), "preallocated: " + f);
    }
    WalContents all = reopen(SMALL);
    assertEquals(entries(1, 2000, 4, 300), all.entries());
    assertEquals(hs, all.hardState());

    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.contents();
      assertThrows(IllegalArgumentException.class, () -> wal.releaseTo(1400)); // no snapshot yet
      wal.saveSnapshot(snapshot(1400, 4));
      wal.releaseTo(1400);
      assertEquals(wal.segmentCount(), segmentFiles(dir).size());
    }
    List<Path> left = segmentFiles(dir);
    // ~70% of the entries are released; the segment holding 1401 and all later ones stay.
    assertTrue(left.size() <= segmentsBefore / 2, left.size() + " of " + segmentsBefore + " left");
    WalContents c = reopen(SMALL);
    assertEquals(snapshot(1400, 4), c.snapshot());
    assertEquals(hs, c.hardState());
    assertEquals(entries(1401, 2000, 4, 300), c.entries());
  }

  @Test
  void releaseKeepsTheSegmentHoldingTheNextEntry() throws IOException {
    try (Wal wal = Wal.open(dir, SMALL)) {
      for (long i = 1; i <= 500; i += 10) {
        wal.append(hardState(1, 1, i), entries(i, i + 9, 1, 300));
        wal.sync();
      }
      for (long snap = 1; snap <= 500; snap += 37) {
        wal.saveSnapshot(snapshot(snap, 1));
        wal.releaseTo(snap);
      }
    }
    WalContents c = reopen(SMALL);
    assertEquals(snapshot(482, 1), c.snapshot());
    assertEquals(entries(483, 500, 1, 300), c.entries());
    assertEquals(hardState(1, 1, 491), c.hardState());
  }

  @Test
  void snapshotAheadOfTheLogRestartsItAfterTheSnapshot() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(1, 1, 3), entries(1, 5, 1, 10));
      wal.saveSnapshot(snapshot(100, 3));
      assertEquals(100, wal.lastIndex());
      wal.append(hardState(3, 1, 101), entries(101, 103, 3, 10));
      wal.sync();
      wal.releaseTo(100);
    }
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalContents c = wal.contents();
      assertEquals(snapshot(100, 3), c.snapshot());
      assertEquals(entries(101, 103, 3, 10), c.entries());
      assertEquals(103, wal.lastIndex());
    }
  }

  @Test
  void snapshotWithNoLaterEntriesGivesAnEmptyLog() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(1, 1, 5), entries(1, 5, 1, 10));
      wal.saveSnapshot(snapshot(5, 1));
    }
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalContents c = wal.contents();
      assertEquals(List.of(), c.entries());
      assertEquals(5, wal.lastIndex());
      assertThrows(IllegalArgumentException.class, () -> wal.saveSnapshot(snapshot(4, 1)));
    }
  }

  @Test
  void zeroFilledPreallocatedTailEndsTheLogAndIsLeftAlone() throws IOException {
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(hardState(1, 1, 2), entries(1, 3, 1, 100));
      wal.sync();
    }
    Path file = segmentFiles(dir).get(0);
    byte[] before = Files.readAllBytes(file);
    assertEquals(SMALL.segmentBytes(), before.length);
    assertEquals(0, before[before.length - 1]);
    for (int i = 0; i < 2; i++) {
      WalContents c = reopen(SMALL);
      assertEquals(entries(1, 3, 1, 100), c.entries());
      assertEquals(hardState(1, 1, 2), c.hardState());
    }
    assertArrayEquals(before, Files.readAllBytes(file), "opening a clean WAL must not change it");
  }

  @Test
  void recordsLargerThanASegmentAndTheWriteBufferGetTheirOwnSegment() {
    LogEntry big = entry(2, 1, 3 * Wal.WRITE_BUFFER_BYTES);
    try (Wal wal = Wal.open(dir, SMALL)) {
      wal.append(null, List.of(entry(1, 1, 10)));
      wal.append(null, List.of(big));
      wal.append(null, List.of(entry(3, 1, 10)));
      assertTrue(wal.segmentCount() >= 2);
    }
    assertEquals(List.of(entry(1, 1, 10), big, entry(3, 1, 10)), reopen(SMALL).entries());
  }

  @Test
  void worksWithoutPreallocation() throws IOException {
    WalOptions options = new WalOptions(64 << 10, false);
    try (Wal wal = Wal.open(dir, options)) {
      wal.append(hardState(1, 1, 1), entries(1, 400, 1, 300));
    }
    assertTrue(Files.size(segmentFiles(dir).get(0)) < options.segmentBytes());
    assertEquals(entries(1, 400, 1, 300), reopen(options).entries());
  }

  @Test
  void aSecondOpenOfTheSameDirectoryFails() {
    try (Wal wal = Wal.open(dir, SMALL)) {
      WalException e = assertThrows(WalException.class, () -> Wal.open(dir, SMALL));
      assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }
    reopen(SMALL); // the lock was released
  }

  @Test
  void contentsIsReadOnceAndClosedWalRefusesCalls() {
    Wal wal = Wal.open(dir, SMALL);
    wal.contents();
    assertThrows(IllegalStateException.class, wal::contents);
    wal.close();
    wal.close(); // idempotent
    assertThrows(IllegalStateException.class, () -> wal.append(null, List.of(entry(1, 1, 1))));
    assertThrows(IllegalStateException.class, wal::sync);
  }

  @Test
  void optionsAreValidated() {
    assertThrows(IllegalArgumentException.class, () -> new WalOptions(1024, true));
    assertEquals(64L << 20, WalOptions.defaults().segmentBytes());
    assertTrue(WalOptions.defaults().preallocate());
  }
}
