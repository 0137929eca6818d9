package io.etcdj.etcdctl.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A bbolt file opened read-only, as {@code bolt.Open(path, 0400, &bolt.Options{ReadOnly: true})}
 * opens it (db.go {@code Open}, {@code mmap}): the same checks in the same order with the same
 * error texts, then the meta page bbolt's {@code db.meta()} picks (valid and with the highest txid).
 *
 * <p>Confined to one thread; close it to close the file.
 */
public final class BoltFile implements AutoCloseable {
  /** bbolt's default page size (the OS page size) used when page 0 does not say. */
  static final int DEFAULT_PAGE_BYTES = 4096;
  /** Pages bbolt would accept; anything else in a meta that validated is corrupt. */
  static final int PAGE_BYTES_MAX = 1 << 20;

  private final String path;
  private final FileChannel ch;
  private final long fileBytes;
  private final int pageBytes;
  private final Meta meta;

  private BoltFile(String path, FileChannel ch, long fileBytes, int pageBytes, Meta meta) {
    this.path = path;
    this.ch = ch;
    this.fileBytes = fileBytes;
    this.pageBytes = pageBytes;
    this.meta = meta;
  }

  /** Opens {@code path}; the exception's text is what bbolt's Open returns. */
  public static BoltFile open(String path) throws BoltException {
    Path p = Path.of(path);
    if (Files.isDirectory(p)) {
      throw new BoltException("open " + path + ": is a directory");
    }
    FileChannel ch;
    try {
      ch = FileChannel.open(p, StandardOpenOption.READ);
    } catch (NoSuchFileException e) {
      throw new BoltException("open " + path + ": no such file or directory");
    } catch (AccessDeniedException e) {
      throw new BoltException("open " + path + ": permission denied");
    } catch (IOException e) {
      throw new BoltException("open " + path + ": " + e.getMessage());
    }
    try {
      BoltFile f = open(path, ch);
      ch = null;
      return f;
    } finally {
      closeQuietly(ch);
    }
  }

  private static BoltFile open(String path, FileChannel ch) throws BoltException {
    long size = size(ch, path);
    if (size == 0) {
      // bbolt initialises an empty file by writing two meta pages, which a read-only fd refuses.
      throw new BoltException("write " + path + ": bad file descriptor");
    }
    ByteBuffer first = ByteBuffer.allocate(DEFAULT_PAGE_BYTES);
    if (read(ch, first, 0) < DEFAULT_PAGE_BYTES) {
      throw new BoltException("invalid database");
    }
    int pageBytes = DEFAULT_PAGE_BYTES;
    Meta m0 = Meta.read(first.flip());
    if (m0.invalid() == null) {
      pageBytes = m0.pageSize();
    }
    if (pageBytes < Meta.OFFSET + Meta.BYTES || pageBytes > PAGE_BYTES_MAX) {
      throw new BoltFault("page size " + Integer.toUnsignedString(pageBytes) + " in a valid meta page");
    }
    if (size < 2L * pageBytes) {
      throw new BoltException("file size too small");
    }
    Meta meta0 = Meta.read(readPage(ch, 0, pageBytes));
    Meta meta1 = Meta.read(readPage(ch, pageBytes, pageBytes));
    String err0 = meta0.invalid();
    String err1 = meta1.invalid();
    if (err0 != null && err1 != null) {
      throw new BoltException(err0);
    }
    // db.meta(): the higher txid if it validates, else the other.
    Meta a = Long.compareUnsigned(meta1.txid(), meta0.txid()) > 0 ? meta1 : meta0;
    Meta b = a == meta0 ? meta1 : meta0;
    Meta chosen = a.invalid() == null ? a : b;
    return new BoltFile(path, ch, size, pageBytes, chosen);
  }

  public String path() {
    return path;
  }

  public int pageBytes() {
    return pageBytes;
  }

  /** tx.Size(): the high water mark (meta.pgid) in bytes; a snapshot's trailing hash is not in it. */
  public long sizeBytes() {
    return meta.pgid() * pageBytes;
  }

  Meta meta() {
    return meta;
  }

  /** The root bucket (tx.root), whose keys are the top-level buckets. */
  public Bucket root() {
    return Bucket.onPage(this, meta.rootPgid());
  }

  /** tx.Check(): every integrity error, in bbolt's order; empty when the file is sound. */
  public List<String> check() throws BoltException {
    return new Checker(this).run();
  }

  /** Page {@code id} with its overflow pages, read from the file. */
  Page page(long id) throws BoltFault {
    if (id < 0 || id > Long.MAX_VALUE / pageBytes) {
      throw new BoltFault("page " + Long.toUnsignedString(id) + " lies beyond the end of " + path + " (" + fileBytes + " bytes)");
    }
    long at = id * pageBytes;
    ByteBuffer head = readPageOrFault(at, pageBytes, id);
    Page p = new Page(head);
    long overflow = p.overflow();
    if (overflow == 0) {
      return p;
    }
    long total = (overflow + 1) * pageBytes;
    if (total > Integer.MAX_VALUE) {
      throw new BoltFault("page " + id + ": overflow of " + overflow + " pages is too large to read");
    }
    return new Page(readPageOrFault(at, (int) total, id));
  }

  private ByteBuffer readPageOrFault(long at, int bytes, long id) throws BoltFault {
    if (at + bytes > fileBytes) {
      throw new BoltFault("page " + id + " lies beyond the end of " + path + " (" + fileBytes + " bytes)");
    }
    try {
      return readPage(ch, at, bytes);
    } catch (BoltException e) {
      throw new BoltFault(e.getMessage());
    }
  }

  private static ByteBuffer readPage(FileChannel ch, long at, int bytes) throws BoltException {
    ByteBuffer b = ByteBuffer.allocate(bytes);
    read(ch, b, at);
    return b.flip();
  }

  private static int read(FileChannel ch, ByteBuffer b, long at) throws BoltException {
    int total = 0;
    try {
      while (b.hasRemaining()) {
        int n = ch.read(b, at + total);
        if (n < 0) {
          break;
        }
        total += n;
      }
    } catch (IOException e) {
      throw new BoltException("read: " + e.getMessage());
    }
    return total;
  }

  private static long size(FileChannel ch, String path) throws BoltException {
    try {
      return ch.size();
    } catch (IOException e) {
      throw new BoltException("stat " + path + ": " + e.getMessage());
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // Nothing was written; a failed close loses nothing.
    }
  }

  @Override
  public void close() {
    closeQuietly(ch);
  }
}
