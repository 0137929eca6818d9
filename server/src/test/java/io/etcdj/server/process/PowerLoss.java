package io.etcdj.server.process;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Simulated power loss for a process's data dir, in the spirit of LazyFS, without FUSE: the
 * native recorder {@code src/test/native/powerloss.c}, loaded with {@code LD_PRELOAD} ({@link
 * #environment}), journals the pre-image of every 4 KiB block written since its file's last
 * fsync; after the process is killed, {@link #crash} puts a random subset of those blocks back,
 * leaving what a disk that had written only some of its cached pages, in any order, would hold.
 * Lose every unsynced block ({@code lossProbability = 1}) to model a disk that wrote nothing
 * since the last syncs; a fraction to model reordered writes (a newer page on disk, the one it
 * points to not).
 *
 * <p>Creations, renames and unlinks count as durable at once (a journaling file system's
 * metadata), but the data of a file renamed before it was synced still counts as unsynced.
 */
final class PowerLoss {
  private static final int BLOCK = 4096;
  private static volatile Path library;

  private PowerLoss() {}

  /** The recorder, compiled once per test JVM with the machine's C compiler. */
  static synchronized Path library() {
    if (library != null) {
      return library;
    }
    Path source = Paths.get(System.getProperty("basedir", ".")).resolve("src/test/native/powerloss.c");
    Path out = Paths.get(System.getProperty("basedir", ".")).resolve("target/native/powerloss.so");
    try {
      Files.createDirectories(out.getParent());
      Process cc =
          new ProcessBuilder(
                  "cc", "-O2", "-Wall", "-shared", "-fPIC", "-o", out.toString(), source.toString(), "-ldl", "-lpthread")
              .redirectErrorStream(true)
              .start();
      String output = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!cc.waitFor(60, TimeUnit.SECONDS) || cc.exitValue() != 0) {
        throw new IllegalStateException("cannot compile " + source + " (is gcc installed?):\n" + output);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run cc to build the power-loss recorder (install gcc)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    library = out;
    return out;
  }

  /** Environment that makes a child process journal its writes under {@code dir} to {@code journal}. */
  static Map<String, String> environment(Path dir, Path journal) {
    try {
      return Map.of(
          "LD_PRELOAD", library().toAbsolutePath().toString(),
          "POWERLOSS_DIR", dir.toRealPath().toString(),
          "POWERLOSS_JOURNAL", journal.toAbsolutePath().toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The journal of a test member's data dir: beside it, in the member's own temp dir, so that
   * a restore never touches it.
   */
  static Path journalFor(Path dataDir) {
    return dataDir.toAbsolutePath().getParent().resolve("powerloss.journal");
  }

  /**
   * The environment that records a member's writes under {@code dataDir} (created if missing:
   * the recorder resolves it at start-up) into {@link #journalFor its journal}.
   */
  static Map<String, String> recording(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return environment(dataDir, journalFor(dataDir));
  }

  /**
   * Empties the journal of {@code dataDir}, if it has one: after its files were wiped (a member
   * replaced), its old blocks must never be put back into the new files of the same names.
   */
  static void forget(Path dataDir) {
    Path journal = journalFor(dataDir);
    try {
      if (Files.exists(journal)) {
        Files.write(journal, new byte[0]);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What {@link #crash} did. */
  record Outcome(int files, int blocksUnsynced, int blocksLost, List<String> lostByFile) {
    @Override
    public String toString() {
      return blocksLost + " of " + blocksUnsynced + " unsynced blocks lost in " + files + " files " + lostByFile;
    }
  }

  /** A file's unsynced state: its size at its last sync and its blocks' pre-images since then. */
  private static final class Unsynced {
    long durableSize = -1;
    final TreeMap<Long, byte[]> blocks = new TreeMap<>();
  }

  /**
   * Applies a power loss to the files the journal names: each block written since its file's
   * last sync goes back to its content at that sync with probability {@code lossProbability}.
   * The process must be dead. The journal is truncated, so a restarted recorder starts afresh.
   */
  static Outcome crash(Path journal, Random random, double lossProbability) {
    Map<String, Unsynced> files = read(journal);
    int unsynced = 0;
    int lost = 0;
    List<String> byFile = new ArrayList<>();
    for (Map.Entry<String, Unsynced> e : files.entrySet()) {
      Path file = Paths.get(e.getKey());
      Unsynced u = e.getValue();
      if (!Files.exists(file) || u.blocks.isEmpty() && u.durableSize < 0) {
        continue;
      }
      int fileLost = 0;
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        long current = ch.size();
        long durable = u.durableSize < 0 ? current : u.durableSize;
        long newSize = durable;
        Map<Long, byte[]> revert = new TreeMap<>();
        for (Map.Entry<Long, byte[]> b : u.blocks.entrySet()) {
          unsynced++;
          if (random.nextDouble() < lossProbability) {
            revert.put(b.getKey(), b.getValue());
            lost++;
            fileLost++;
          } else if ((b.getKey() + 1) * BLOCK > durable) {
            newSize = Math.max(newSize, Math.min(current, (b.getKey() + 1) * BLOCK));
          }
        }
        for (Map.Entry<Long, byte[]> b : revert.entrySet()) {
          long start = b.getKey() * BLOCK;
          if (start >= newSize) {
            continue;
          }
          ByteBuffer content = ByteBuffer.allocate((int) Math.min(BLOCK, newSize - start));
          content.put(b.getValue(), 0, Math.min(b.getValue().length, content.capacity()));
          content.clear(); // the rest stays zero: bytes the file did not have at its last sync
          while (content.hasRemaining()) {
            ch.write(content, start + content.position());
          }
        }
        ch.truncate(newSize);
        if (ch.size() < newSize) {
          ch.write(ByteBuffer.allocate(1), newSize - 1);
        }
      } catch (NoSuchFileException gone) {
        continue;
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
      if (fileLost > 0) {
        byFile.add(file.getFileName() + ":" + fileLost + "/" + u.blocks.size());
      }
    }
    try {
      Files.write(journal, new byte[0]);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Outcome(files.size(), unsynced, lost, byFile);
  }

  /**
   * Makes the member's next start look like the first after a reboot. etcdj keeps the boot id of
   * the machine's last run of the member next to its backend (the kernel's {@code boot_id}
   * changes at every boot); a simulated power loss does not reboot this machine, so the test
   * writes another id there.
   */
  static void reboot(Path dataDir) {
    Path boot = dataDir.resolve("member/snap/db/boot_id");
    try {
      if (Files.exists(boot)) {
        Files.writeString(boot, "simulated-reboot-" + System.nanoTime() + "\n");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Replays the journal into each file's unsynced state, following renames and unlinks. */
  static Map<String, Unsynced> read(Path journal) {
    Map<String, Unsynced> files = new LinkedHashMap<>();
    try (InputStream raw = Files.newInputStream(journal);
        DataInputStream in = new DataInputStream(new java.io.BufferedInputStream(raw, 1 << 16))) {
      while (true) {
        int type;
        try {
          type = in.readUnsignedByte();
        } catch (EOFException end) {
          break;
        }
        String path = path(in);
        switch (type) {
          case 'Z' -> {
            Unsynced u = files.computeIfAbsent(path, p -> new Unsynced());
            long size = le64(in);
            if (u.durableSize < 0) {
              u.durableSize = size;
            }
          }
          case 'B' -> {
            long block = le64(in);
            int len = le32(in);
            byte[] pre = in.readNBytes(len);
            files.computeIfAbsent(path, p -> new Unsynced()).blocks.putIfAbsent(block, pre);
          }
          case 'S' -> files.remove(path);
          case 'U' -> files.remove(path);
          case 'R' -> {
            String to = path(in);
            Unsynced moved = files.remove(path);
            files.remove(to);
            if (moved != null) {
              files.put(to, moved);
            }
          }
          default -> throw new IllegalStateException("power-loss journal: bad record type " + type);
        }
      }
    } catch (EOFException torn) {
      // the recorder was killed in the middle of a record: the write it described had not begun
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return files;
  }

  private static String path(DataInputStream in) throws IOException {
    int len = le32(in);
    return new String(in.readNBytes(len), StandardCharsets.UTF_8);
  }

  private static int le32(DataInputStream in) throws IOException {
    byte[] b = in.readNBytes(4);
    if (b.length < 4) {
      throw new EOFException();
    }
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt();
  }

  private static long le64(DataInputStream in) throws IOException {
    byte[] b = in.readNBytes(8);
    if (b.length < 8) {
      throw new EOFException();
    }
    return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
  }
}
