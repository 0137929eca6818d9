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
  void aPartialLossMixesOldAndNewBlocks() throws Exception {
    Path journal = runChild();
    // Seeds until block 0 keeps its new bytes and block 1 goes back (or the reverse): a torn write.
    PowerLoss.Outcome o = PowerLoss.crash(journal, new Random(7), 0.5);
    assertTrue(o.blocksLost() > 0 && o.blocksLost() < o.blocksUnsynced(), o.toString());
    byte[] a = Files.readAllBytes(tmp.resolve("data/a.bin"));
    assertTrue(a.length >= 3 * 4096 + 100, "the synced length stays: " + a.length);
    for (int i = 0; i < 4090; i++) {
      assertEquals('x', a[i]);
    }
    assertFalse(a[4090] != 'x' && a[4090] != 'y');
  }
}
