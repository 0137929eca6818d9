package io.etcdj.etcdctl.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;

/**
 * One bbolt page (page.go): a 16-byte header (id u64, flags u16, count u16, overflow u32) and
 * {@code count} 16-byte elements; branch elements are (pos u32, ksize u32, pgid u64), leaf
 * elements (flags u32, pos u32, ksize u32, vsize u32); {@code pos} counts from the element itself.
 * The buffer holds the page and its overflow pages, or an inline bucket's page.
 */
final class Page {
  static final int HEADER_BYTES = 16;
  static final int ELEMENT_BYTES = 16;
  static final int BRANCH = 0x01;
  static final int LEAF = 0x02;
  static final int META = 0x04;
  static final int FREELIST = 0x10;
  /** Leaf element flag: the value is a nested bucket. */
  static final int BUCKET_LEAF = 0x01;

  private final ByteBuffer buf;

  Page(ByteBuffer buf) {
    this.buf = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  long id() {
    return buf.getLong(0);
  }

  int flags() {
    return buf.getShort(8) & 0xffff;
  }

  int count() {
    return buf.getShort(10) & 0xffff;
  }

  long overflow() {
    return Integer.toUnsignedLong(buf.getInt(12));
  }

  boolean isBranch() {
    return (flags() & BRANCH) != 0;
  }

  boolean isLeaf() {
    return (flags() & LEAF) != 0;
  }

  /** page.typ(). */
  String type() {
    int f = flags();
    if ((f & BRANCH) != 0) {
      return "branch";
    } else if ((f & LEAF) != 0) {
      return "leaf";
    } else if ((f & META) != 0) {
      return "meta";
    } else if ((f & FREELIST) != 0) {
      return "freelist";
    }
    return String.format(Locale.ROOT, "unknown<%02x>", f);
  }

  long branchPgid(int i) throws BoltFault {
    return buf.getLong(element(i) + 8);
  }

  int leafFlags(int i) throws BoltFault {
    return buf.getInt(element(i));
  }

  byte[] leafKey(int i) throws BoltFault {
    int e = element(i);
    return bytes(e + u32(e + 4), u32(e + 8));
  }

  byte[] leafValue(int i) throws BoltFault {
    int e = element(i);
    return bytes(e + u32(e + 4) + u32(e + 8), u32(e + 12));
  }

  /** The 8-byte page ids of a freelist page, honouring the 0xFFFF count overflow. */
  long[] freelistIds() throws BoltFault {
    int idx = 0;
    long n = count();
    if (n == 0xFFFF) {
      idx = 1;
      n = readLong(HEADER_BYTES);
      if (n < 0 || n > Integer.MAX_VALUE / 8) {
        throw new BoltFault("leading element count " + Long.toUnsignedString(n) + " overflows int");
      }
    }
    long[] ids = new long[(int) n];
    for (int i = 0; i < n; i++) {
      ids[i] = readLong(HEADER_BYTES + (idx + i) * 8);
    }
    return ids;
  }

  private long readLong(int at) throws BoltFault {
    if (at + 8 > buf.limit()) {
      throw new BoltFault("page " + Long.toUnsignedString(id()) + ": freelist runs past the page");
    }
    return buf.getLong(at);
  }

  private long u32(int at) {
    return Integer.toUnsignedLong(buf.getInt(at));
  }

  private int element(int i) throws BoltFault {
    int at = HEADER_BYTES + i * ELEMENT_BYTES;
    if (i < 0 || i >= count() || at + ELEMENT_BYTES > buf.limit()) {
      throw new BoltFault("page " + Long.toUnsignedString(id()) + ": element " + i + " lies outside the page");
    }
    return at;
  }

  private byte[] bytes(long at, long len) throws BoltFault {
    if (at < 0 || len < 0 || at + len > buf.limit()) {
      throw new BoltFault("page " + Long.toUnsignedString(id()) + ": a key or value lies outside the page");
    }
    byte[] out = new byte[(int) len];
    buf.get((int) at, out);
    return out;
  }
}
