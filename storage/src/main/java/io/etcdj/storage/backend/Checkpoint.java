package io.etcdj.storage.backend;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * What makes an LMDB file opened with {@code MDB_NOSYNC} survive a power loss: the two meta pages
 * of a txn whose pages all reached the disk, kept in a side file, and the boot the store last ran
 * in.
 *
 * <p>Why it works. LMDB never overwrites a page of the newest tree a reader can see: a write txn
 * only reuses pages freed before the oldest open read txn. {@link LmdbBackend#sync()} therefore
 * opens a read txn (pinning txn {@code T}, its tree untouchable while the pin lasts), copies the
 * meta pages describing {@code T} (with no commit in between), fsyncs the file (every page of
 * {@code T} is now on disk), writes them here ({@code checkpoint}, atomically), and only then
 * releases the previous pin. At every moment the disk holds a whole tree {@code T} and its metas
 * in this file. After a power loss the newest metas in {@code data.mdb} may point at pages that
 * never reached the disk; writing the checkpoint's metas back makes LMDB open tree {@code T}
 * again, a state at a consistent index the WAL can replay from (the WAL is released only up to a
 * completed sync).
 *
 * <p>When to go back. A crash of the process alone loses nothing (the page cache survives), and
 * going back would only cost a longer replay. So the rollback happens only after the machine
 * restarted: {@code boot_id} holds the kernel's boot id of the last run
 * ({@code /proc/sys/kernel/random/boot_id}, new at every boot); when it differs, or cannot be
 * known, the store goes back to its checkpoint. After a clean close the checkpoint is the newest
 * state and going back changes nothing.
 *
 * <p>File format ({@code checkpoint}, little-endian): two slots of whole pages, each magic {@code
 * "EJCK"}, version u32 (1), page size u32, txn id u64, sequence u64, meta page 0, meta page 1,
 * CRC-32C u32 of everything before it. Checkpoint {@code n} goes to slot {@code n % 2}; the newest
 * whole slot counts.
 */
final class Checkpoint {
  static final String FILE = "checkpoint";
  static final String BOOT_FILE = "boot_id";
  private static final int MAGIC = 0x4b434a45; // "EJCK" little-endian
  private static final int VERSION = 1;
  private static final Path KERNEL_BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

  /** LMDB's meta page layout (mdb.c, format version 1): page header, then MDB_meta. */
  static final int META_MAGIC_OFFSET = 16;

  static final int META_MAGIC = 0xBEEFC0DE;
  /** mm_magic, mm_version, mm_address, mm_mapsize, mm_dbs[2] (48 bytes each), mm_last_pg. */
  static final int META_TXNID_OFFSET = META_MAGIC_OFFSET + 4 + 4 + 8 + 8 + 2 * 48 + 8;

  final long txnId;
  final byte[] page0;
  final byte[] page1;
  /** Which checkpoint of the store this is: 1, 2, ... across opens; slot {@code seq % 2}. */
  final long seq;

  Checkpoint(long txnId, byte[] page0, byte[] page1, long seq) {
    this.txnId = txnId;
    this.page0 = page0;
    this.page1 = page1;
    this.seq = seq;
  }

  /** The txn id a meta page describes, or -1 if it is not an LMDB meta page. */
  static long metaTxnId(byte[] page) {
    ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.nativeOrder());
    if (page.length < META_TXNID_OFFSET + 8 || b.getInt(META_MAGIC_OFFSET) != META_MAGIC) {
      return -1;
    }
    return b.getLong(META_TXNID_OFFSET);
  }

  /** Reads the two meta pages of {@code data} as they are now (page cache included). */
  static byte[][] readMetas(FileChannel data, int pageSize) throws IOException {
    byte[][] pages = new byte[2][];
    for (int i = 0; i < 2; i++) {
      ByteBuffer buf = ByteBuffer.allocate(pageSize);
      while (buf.hasRemaining()) {
        if (data.read(buf, (long) i * pageSize + buf.position()) < 0) {
          throw new IOException("data.mdb is shorter than its two meta pages");
        }
      }
      pages[i] = buf.array();
    }
    return pages;
  }

  /** Bytes of one slot: header, two meta pages, CRC, rounded up to whole pages. */
  private static int slotBytes(int pageSize) {
    int raw = HEADER_BYTES + 2 * pageSize + 4;
    return (raw + pageSize - 1) / pageSize * pageSize;
  }

  private static final int HEADER_BYTES = 4 + 4 + 4 + 8 + 8; // magic, version, page size, txn, seq

  /**
   * Writes this checkpoint into slot {@code seq % 2} of the file in {@code dir} and fdatasyncs it.
   * The other slot keeps the previous checkpoint, whose tree is still pinned: a write torn by a
   * power loss fails its CRC and the previous checkpoint is used. The file is created once, at
   * its full size, through a temp file and a rename, so later writes change no metadata.
   */
  void save(Path dir) throws IOException {
    int pageSize = page0.length;
    int slot = slotBytes(pageSize);
    Path file = dir.resolve(FILE);
    if (!Files.exists(file) || Files.size(file) != 2L * slot) {
      writeDurably(dir, FILE, ByteBuffer.allocate(2 * slot));
    }
    ByteBuffer b = ByteBuffer.allocate(slot).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(MAGIC).putInt(VERSION).putInt(pageSize).putLong(txnId).putLong(seq).put(page0).put(page1);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    b.clear();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long at = (seq % 2) * slot;
      while (b.hasRemaining()) {
        ch.write(b, at + b.position());
      }
      ch.force(false);
    }
  }

  /** A slot's checkpoint, or null if the slot holds none (empty or torn). */
  private static Checkpoint readSlot(ByteBuffer all, int offset) {
    if (all.limit() < offset + HEADER_BYTES || all.getInt(offset) != MAGIC || all.getInt(offset + 4) != VERSION) {
      return null;
    }
    int pageSize = all.getInt(offset + 8);
    if (pageSize <= 0 || pageSize > (1 << 16) || offset + HEADER_BYTES + 2 * pageSize + 4 > all.limit()) {
      return null;
    }
    int crcAt = offset + HEADER_BYTES + 2 * pageSize;
    CRC32C crc = new CRC32C();
    crc.update(all.array(), offset, crcAt - offset);
    if ((int) crc.getValue() != all.getInt(crcAt)) {
      return null;
    }
    byte[] p0 = Arrays.copyOfRange(all.array(), offset + HEADER_BYTES, offset + HEADER_BYTES + pageSize);
    byte[] p1 = Arrays.copyOfRange(all.array(), offset + HEADER_BYTES + pageSize, crcAt);
    return new Checkpoint(all.getLong(offset + 12), p0, p1, all.getLong(offset + 20));
  }

  /**
   * The newest whole checkpoint in {@code dir}, or null if there is no file. A file with no whole
   * slot is an error: a checkpoint existed, and without it the store cannot be trusted.
   */
  static Checkpoint load(Path dir) throws IOException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(dir.resolve(FILE));
    } catch (NoSuchFileException e) {
      return null;
    }
    ByteBuffer all = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    Checkpoint first = readSlot(all, 0);
    Checkpoint second = bytes.length % 2 == 0 ? readSlot(all, bytes.length / 2) : null;
    if (first == null && second == null) {
      throw new IOException(
          "backend checkpoint " + dir.resolve(FILE) + " holds no whole checkpoint (both slots fail their"
              + " checksum); the store cannot be trusted after a power loss");
    }
    return first == null || second != null && second.seq > first.seq ? second : first;
  }

  /**
   * Puts the checkpoint's meta pages back into {@code data.mdb} and forces them to disk.
   *
   * @return whether anything changed (false when the file already ends at the checkpoint)
   */
  boolean restoreInto(Path dataFile) throws IOException {
    try (FileChannel ch = FileChannel.open(dataFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      byte[][] now = readMetas(ch, page0.length);
      if (Arrays.equals(now[0], page0) && Arrays.equals(now[1], page1)) {
        return false;
      }
      ch.write(ByteBuffer.wrap(page0), 0);
      ch.write(ByteBuffer.wrap(page1), page0.length);
      ch.force(true);
      return true;
    }
  }

  /** The kernel's id of the current boot, or null where there is none (not Linux). */
  static String currentBootId() {
    try {
      String id = Files.readString(KERNEL_BOOT_ID, StandardCharsets.US_ASCII).strip();
      return id.isEmpty() ? null : id;
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  /** The boot id recorded in {@code dir}, or null if none was. */
  static String recordedBootId(Path dir) throws IOException {
    try {
      String id = Files.readString(dir.resolve(BOOT_FILE), StandardCharsets.US_ASCII).strip();
      return id.isEmpty() ? null : id;
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  static void recordBootId(Path dir, String bootId) throws IOException {
    writeDurably(dir, BOOT_FILE, ByteBuffer.wrap((bootId + "\n").getBytes(StandardCharsets.US_ASCII)));
  }

  private static void writeDurably(Path dir, String name, ByteBuffer content) throws IOException {
    Path tmp = dir.resolve(name + ".tmp");
    try (FileChannel ch =
        FileChannel.open(
            tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
      while (content.hasRemaining()) {
        ch.write(content);
      }
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }
}
