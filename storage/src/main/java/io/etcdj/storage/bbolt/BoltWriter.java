package io.etcdj.storage.bbolt;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Writes a new bbolt file in one pass (bbolt's {@code db.init}, {@code node.write} and {@code
 * bucket.write}, as a bulk load): each bucket's leaves as its sorted entries arrive, then its branch
 * pages bottom-up, then the root bucket's leaf naming every bucket, then the two meta pages. Memory
 * holds one leaf being filled plus the first key and page id of each written page of the open
 * bucket; an inline candidate is held until it outgrows a quarter page.
 *
 * <p>Usage: {@link #beginBucket}, {@link #put} keys in ascending unsigned byte order, {@link
 * #endBucket}; buckets in any order (the root leaf is sorted at the end), each name once; then
 * {@link #finish}. Nested buckets are not supported (etcd's backend has none).
 *
 * <p>Confined to one thread; {@link #close()} closes the file (a file not finished is not a valid
 * bbolt file).
 */
public final class BoltWriter implements AutoCloseable {
  static final int PAGE_HEADER_BYTES = 16;
  static final int ELEMENT_BYTES = 16;
  static final int BUCKET_HEADER_BYTES = 16;
  static final int BRANCH_PAGE = 0x01;
  static final int LEAF_PAGE = 0x02;
  static final int META_PAGE = 0x04;
  static final int BUCKET_LEAF_FLAG = 0x01;
  static final long MAGIC = 0xED0CDAEDL;
  static final int VERSION = 2;
  /** meta.freelist of a file without a synced freelist (bbolt's pgidNoFreelist). */
  static final long NO_FREELIST = -1L;
  /** bbolt's page element count is a u16. */
  static final int PAGE_ELEMENTS_MAX = 0xFFFF;
  /** bbolt's MaxKeySize. */
  public static final int KEY_BYTES_MAX = 32768;
  /** bbolt's MaxValueSize. */
  public static final int VALUE_BYTES_MAX = (1 << 31) - 2;

  private final FileChannel ch;
  private final int pageBytes;
  private long nextPgid = 2; // pages 0 and 1 are the meta pages, written last
  /** The root bucket's entries (bucket name → bucket value), in the order they were written. */
  private final List<byte[][]> rootEntries = new ArrayList<>();

  private TreeBuilder open;
  private byte[] openName;
  private boolean finished;

  private BoltWriter(FileChannel ch, int pageBytes) {
    this.ch = ch;
    this.pageBytes = pageBytes;
  }

  /** Creates (or truncates) {@code file}; {@code pageBytes} is bbolt's page size (the OS page). */
  public static BoltWriter create(Path file, int pageBytes) throws IOException {
    if (pageBytes < 1024 || Integer.bitCount(pageBytes) != 1 || pageBytes > 1 << 16) {
      throw new IllegalArgumentException("page size " + pageBytes + " is not a power of two in [1 KiB, 64 KiB]");
    }
    FileChannel ch =
        FileChannel.open(
            file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
            StandardOpenOption.TRUNCATE_EXISTING);
    return new BoltWriter(ch, pageBytes);
  }

  public int pageBytes() {
    return pageBytes;
  }

  /** Starts the top-level bucket {@code name}; the previous one must have ended. */
  public void beginBucket(byte[] name) {
    if (open != null) {
      throw new IllegalStateException("bucket " + new String(openName) + " is still open");
    }
    if (name.length == 0 || name.length > KEY_BYTES_MAX) {
      throw new IllegalArgumentException("bucket name of " + name.length + " bytes");
    }
    for (byte[][] e : rootEntries) {
      if (Arrays.equals(e[0], name)) {
        throw new IllegalArgumentException("bucket " + new String(name) + " written twice");
      }
    }
    openName = name.clone();
    open = new TreeBuilder(false);
  }

  /** Adds an entry to the open bucket; keys must ascend (unsigned bytes) and be non-empty. */
  public void put(byte[] key, byte[] value) throws IOException {
    if (open == null) {
      throw new IllegalStateException("no bucket is open");
    }
    if (key.length == 0 || key.length > KEY_BYTES_MAX || value.length > VALUE_BYTES_MAX) {
      throw new IllegalArgumentException("key of " + key.length + " bytes or value of " + value.length + " bytes");
    }
    open.add(key, value, 0);
  }

  /** Ends the open bucket: writes what is left of it, or keeps it inline in the root leaf. */
  public void endBucket() throws IOException {
    if (open == null) {
      throw new IllegalStateException("no bucket is open");
    }
    rootEntries.add(new byte[][] {openName, open.bucketValue()});
    open = null;
    openName = null;
  }

  /**
   * Writes the root leaf and the meta pages and forces the file to disk.
   *
   * @param txid the transaction id the file records (etcd's snapshot carries its backend's)
   * @return bbolt's size of the file ({@code tx.Size()}: the high water mark in bytes)
   */
  public long finish(long txid) throws IOException {
    if (open != null) {
      throw new IllegalStateException("bucket " + new String(openName) + " is still open");
    }
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    rootEntries.sort((a, b) -> Arrays.compareUnsigned(a[0], b[0]));
    TreeBuilder root = new TreeBuilder(true);
    for (byte[][] e : rootEntries) {
      root.add(e[0], e[1], BUCKET_LEAF_FLAG);
    }
    long rootPgid = root.writeTree();
    long highWater = nextPgid;
    // Two metas as db.init leaves them (txid and txid + 1 on pages 0 and 1); bbolt opens the
    // higher, and its next write txn overwrites the lower.
    long lowTxid = Math.max(0, txid - 1);
    writeMeta(0, rootPgid, highWater, lowTxid);
    writeMeta(1, rootPgid, highWater, lowTxid + 1);
    ch.force(true);
    finished = true;
    return highWater * pageBytes;
  }

  private void writeMeta(long pgid, long rootPgid, long highWater, long txid) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(pageBytes).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, pgid);
    b.putShort(8, (short) META_PAGE);
    int o = PAGE_HEADER_BYTES;
    b.putInt(o, (int) MAGIC);
    b.putInt(o + 4, VERSION);
    b.putInt(o + 8, pageBytes);
    b.putInt(o + 12, 0);
    b.putLong(o + 16, rootPgid);
    b.putLong(o + 24, 0); // root sequence
    b.putLong(o + 32, NO_FREELIST);
    b.putLong(o + 40, highWater);
    b.putLong(o + 48, txid);
    b.putLong(o + 56, fnv1a64(b, o, 56));
    writeAt(b, pgid);
  }

  static long fnv1a64(ByteBuffer b, int from, int len) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < len; i++) {
      h ^= b.get(from + i) & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private void writeAt(ByteBuffer b, long pgid) throws IOException {
    b.position(0);
    long at = pgid * pageBytes;
    while (b.hasRemaining()) {
      at += ch.write(b, at);
    }
  }

  /** Bytes of a node's page (header, elements, keys and values): bbolt's node.size. */
  private static long leafBytes(List<Element> elements) {
    long n = PAGE_HEADER_BYTES;
    for (Element e : elements) {
      n += ELEMENT_BYTES + e.key.length + e.value.length;
    }
    return n;
  }

  /** A leaf element (or, with a null value, a branch element pointing at {@code pgid}). */
  private record Element(int flags, byte[] key, byte[] value, long pgid) {}

  /** One bucket's B+tree, built bottom-up as its sorted entries arrive. */
  private final class TreeBuilder {
    /** The root bucket is never inline: the meta points at a page. */
    private final boolean isRoot;
    private final List<Element> leaf = new ArrayList<>();
    private long leafBytes = PAGE_HEADER_BYTES;
    /** (first key, pgid) of every page written at the level above the leaves being filled. */
    private final List<Element> written = new ArrayList<>();
    private boolean spilled;
    private byte[] lastKey;

    TreeBuilder(boolean isRoot) {
      this.isRoot = isRoot;
      this.spilled = isRoot;
    }

    void add(byte[] key, byte[] value, int flags) throws IOException {
      if (lastKey != null && Arrays.compareUnsigned(lastKey, key) >= 0) {
        throw new IllegalArgumentException("keys must ascend");
      }
      lastKey = key;
      long bytes = ELEMENT_BYTES + (long) key.length + value.length;
      if (spilled && !leaf.isEmpty() && (leafBytes + bytes > pageBytes || leaf.size() == PAGE_ELEMENTS_MAX)) {
        flushLeaf();
      }
      leaf.add(new Element(flags, key, value, 0));
      leafBytes += bytes;
      if (!spilled && leafBytes > pageBytes / 4) {
        // bbolt keeps a bucket inline only while its one leaf fits in a quarter page.
        spilled = true;
        List<Element> held = new ArrayList<>(leaf);
        leaf.clear();
        leafBytes = PAGE_HEADER_BYTES;
        for (Element e : held) {
          long b = ELEMENT_BYTES + (long) e.key.length + e.value.length;
          if (!leaf.isEmpty() && leafBytes + b > pageBytes) {
            flushLeaf();
          }
          leaf.add(e);
          leafBytes += b;
        }
      }
    }

    private void flushLeaf() throws IOException {
      long pgid = writeNode(LEAF_PAGE, leaf);
      written.add(new Element(0, leaf.get(0).key, null, pgid));
      leaf.clear();
      leafBytes = PAGE_HEADER_BYTES;
    }

    /** The value the root leaf keeps for this bucket: header, plus the page when inline. */
    byte[] bucketValue() throws IOException {
      if (!spilled) {
        ByteBuffer page = encode(LEAF_PAGE, leaf, 0, (int) leafBytes);
        byte[] out = new byte[BUCKET_HEADER_BYTES + page.capacity()];
        page.get(0, out, BUCKET_HEADER_BYTES, page.capacity()); // root pgid 0, sequence 0
        return out;
      }
      long root = writeTree();
      ByteBuffer out = ByteBuffer.allocate(BUCKET_HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
      out.putLong(0, root);
      return out.array();
    }

    /** Writes the last leaf and the branch levels; returns the root page id. */
    long writeTree() throws IOException {
      if (!leaf.isEmpty() || written.isEmpty()) {
        flushLeaf(leaf.isEmpty());
      }
      List<Element> level = new ArrayList<>(written);
      while (level.size() > 1) {
        List<Element> next = new ArrayList<>();
        List<Element> node = new ArrayList<>();
        long bytes = PAGE_HEADER_BYTES;
        for (Element child : level) {
          long b = ELEMENT_BYTES + child.key.length;
          if (!node.isEmpty() && (bytes + b > pageBytes || node.size() == PAGE_ELEMENTS_MAX)) {
            next.add(new Element(0, node.get(0).key, null, writeNode(BRANCH_PAGE, node)));
            node = new ArrayList<>();
            bytes = PAGE_HEADER_BYTES;
          }
          node.add(child);
          bytes += b;
        }
        next.add(new Element(0, node.get(0).key, null, writeNode(BRANCH_PAGE, node)));
        level = next;
      }
      return level.get(0).pgid;
    }

    private void flushLeaf(boolean empty) throws IOException {
      if (!empty) {
        flushLeaf();
        return;
      }
      // An empty root leaf (a file without buckets): bbolt's db.init writes one too.
      long pgid = writeNode(LEAF_PAGE, leaf);
      written.add(new Element(0, new byte[0], null, pgid));
    }
  }

  /** Writes {@code elements} as one node (with overflow pages when it is larger than a page). */
  private long writeNode(int type, List<Element> elements) throws IOException {
    long bytes = type == LEAF_PAGE ? leafBytes(elements) : branchBytes(elements);
    long pages = (bytes + pageBytes - 1) / pageBytes;
    if (pages * pageBytes > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("a node of " + bytes + " bytes");
    }
    long pgid = nextPgid;
    nextPgid += pages;
    ByteBuffer b = encode(type, elements, pgid, (int) (pages * pageBytes));
    b.putInt(12, (int) (pages - 1));
    writeAt(b, pgid);
    return pgid;
  }

  private static long branchBytes(List<Element> elements) {
    long n = PAGE_HEADER_BYTES;
    for (Element e : elements) {
      n += ELEMENT_BYTES + e.key.length;
    }
    return n;
  }

  /** Lays a node out as node.write does: header, all elements, then keys and values in order. */
  private static ByteBuffer encode(int type, List<Element> elements, long pgid, int capacity) {
    ByteBuffer b = ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(0, pgid);
    b.putShort(8, (short) type);
    b.putShort(10, (short) elements.size());
    int data = PAGE_HEADER_BYTES + elements.size() * ELEMENT_BYTES;
    for (int i = 0; i < elements.size(); i++) {
      Element e = elements.get(i);
      int at = PAGE_HEADER_BYTES + i * ELEMENT_BYTES;
      if (type == LEAF_PAGE) {
        b.putInt(at, e.flags);
        b.putInt(at + 4, data - at);
        b.putInt(at + 8, e.key.length);
        b.putInt(at + 12, e.value.length);
        b.put(data, e.key);
        b.put(data + e.key.length, e.value);
        data += e.key.length + e.value.length;
      } else {
        b.putInt(at, data - at);
        b.putInt(at + 4, e.key.length);
        b.putLong(at + 8, e.pgid);
        b.put(data, e.key);
        data += e.key.length;
      }
    }
    return b;
  }

  @Override
  public void close() throws IOException {
    ch.close();
  }
}
