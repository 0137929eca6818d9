package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The power-loss simulation itself, on a JVM child that writes through {@code FileChannel} as the
 * server does: what was synced survives every crash; what was not is lost block by block.
 */
class PowerLossTest {

  @TempDir Path tmp;

  /** Child: writes a.bin (synced, then overwritten in part, unsynced), t.tmp renamed to b.bin unsynced. */
  public static void main(String[] args) throws IOException {
    Path dir = Paths.get(args[0]);
    try (FileChannel ch =
        FileChannel.open(dir.resolve("a.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(fill(3 * 4096 + 100, (byte) 'x')), 0);
      ch.force(false);
      ch.write(ByteBuffer.wrap(fill(10, (byte) 'y')), 4090); // blocks 0 and 1
      ch.write(ByteBuffer.wrap(fill(5000, (byte) 'z')), 3 * 4096 + 100); // grows: blocks 3 and 4
    }
    try (FileChannel ch =
        FileChannel.open(dir.resolve("t.tmp"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(fill(100, (byte) 'r')));
    }
    Files.move(dir.resolve("t.tmp"), dir.resolve("b.bin"), StandardCopyOption.ATOMIC_MOVE);
    try (FileChannel ch = FileChannel.open(dir.resolve("c.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(fill(7000, (byte) 'c')));
      ch.force(true);
    }
  }

  private static byte[] fill(int n, byte b) {
    byte[] a = new byte[n];
    Arrays.fill(a, b);
    return a;
  }

  private Path runChild() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("data"));
    Path journal = tmp.resolve("journal");
    ProcessBuilder pb =
        new ProcessBuilder(
                Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                PowerLossTest.class.getName(),
                dir.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("child.log").toFile());
    pb.environment().putAll(PowerLoss.environment(dir, journal));
    Process p = pb.start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("child.log")));
    return journal;
  }

  @Test
  void losingEveryUnsyncedBlockLeavesTheSyncedContent() throws Exception {
    Path journal = runChild();
    PowerLoss.Outcome o = PowerLoss.crash(journal, new Random(1), 1.0);
    Path dir = tmp.resolve("data");
    assertArrayEquals(fill(3 * 4096 + 100, (byte) 'x'), Files.readAllBytes(dir.resolve("a.bin")), o.toString());
    assertEquals(0, Files.size(dir.resolve("b.bin")), "a renamed file's unsynced data is lost");
    assertArrayEquals(fill(7000, (byte) 'c'), Files.readAllBytes(dir.resolve("c.bin")));
    assertEquals(o.blocksUnsynced(), o.blocksLost());
    assertEquals(0, Files.size(journal), "the journal starts afresh");
  }

  @Test
  void losingNothingLeavesWhatWasWritten() throws Exception {
    Path journal = runChild();
    PowerLoss.crash(journal, new Random(1), 0.0);
    Path dir = tmp.resolve("data");
    byte[] a = Files.readAllBytes(dir.resolve("a.bin"));
    assertEquals(3 * 4096 + 100 + 5000, a.length);
    assertEquals('y', a[4095]);
    assertEquals('z', a[a.length - 1]);
    assertEquals(100, Files.size(dir.resolve("b.bin")));
  }

  @Test
  void aPartialLossLeavesEachBlockWhollyOldOrWhollyNew() throws Exception {
    Path journal = runChild();
    PowerLoss.Outcome o = PowerLoss.crash(journal, new Random(7), 0.5);
    assertTrue(o.blocksLost() > 0 && o.blocksLost() < o.blocksUnsynced(), o.toString());
    byte[] a = Files.readAllBytes(tmp.resolve("data/a.bin"));
    int synced = 3 * 4096 + 100;
    assertTrue(a.length >= synced, "the synced length stays: " + a.length);
    // What the child wrote after its sync, block by block: block 0 ends in 'y', block 1 starts with
    // 'y', block 3 gains 'z' after byte 100, block 4 is all new.
    byte[] written = new byte[synced + 5000];
    java.util.Arrays.fill(written, 0, synced, (byte) 'x');
    java.util.Arrays.fill(written, 4090, 4100, (byte) 'y');
    java.util.Arrays.fill(written, synced, written.length, (byte) 'z');
    int lostBlocks = 0;
    for (int b = 0; b * 4096 < a.length; b++) {
      int from = b * 4096;
      int to = Math.min(a.length, from + 4096);
      byte[] now = java.util.Arrays.copyOfRange(a, from, to);
      byte[] newer = java.util.Arrays.copyOfRange(written, from, to);
      byte[] older = new byte[to - from]; // beyond the synced length an old block reads as zeros
      for (int i = from; i < to; i++) {
        older[i - from] = i < synced ? (byte) 'x' : 0;
      }
      boolean isNew = java.util.Arrays.equals(now, newer);
      assertTrue(isNew || java.util.Arrays.equals(now, older), "block " + b + " mixes old and new bytes");
      if (!isNew) {
        lostBlocks++;
      }
    }
    assertTrue(lostBlocks > 0, "a.bin lost none of its unsynced blocks: " + o);
  }
}
