package io.etcdj.etcdctl.bbolt;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * bbolt's meta page body (page.go {@code meta}): 64 bytes after the page header of page 0 and 1.
 * The checksum is FNV-1a 64 over the 56 bytes before it.
 */
record Meta(long magic, long version, int pageSize, long flags, long rootPgid, long rootSequence, long freelistPgid, long pgid, long txid, long checksum, long computedChecksum) {
  static final long MAGIC = 0xED0CDAEDL;
  static final long VERSION = 2;
  static final int OFFSET = Page.HEADER_BYTES;
  static final int CHECKSUMMED_BYTES = 56;
  static final int BYTES = 64;
  /** meta.freelist when the freelist is not synced to disk (NoFreelistSync). */
  static final long NO_FREELIST = 0xFFFFFFFFFFFFFFFFL;

  /** Reads the meta of a page held in {@code page} (little-endian, position 0 = page start). */
  static Meta read(ByteBuffer page) {
    ByteBuffer b = page.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    int o = OFFSET;
    long fnv = 0xcbf29ce484222325L;
    for (int i = 0; i < CHECKSUMMED_BYTES; i++) {
      fnv ^= b.get(o + i) & 0xff;
      fnv *= 0x100000001b3L;
    }
    return new Meta(
        Integer.toUnsignedLong(b.getInt(o)),
        Integer.toUnsignedLong(b.getInt(o + 4)),
        b.getInt(o + 8),
        Integer.toUnsignedLong(b.getInt(o + 12)),
        b.getLong(o + 16),
        b.getLong(o + 24),
        b.getLong(o + 32),
        b.getLong(o + 40),
        b.getLong(o + 48),
        b.getLong(o + 56),
        fnv);
  }

  /** meta.validate(): null when valid, else bbolt's error text. */
  String invalid() {
    if (magic != MAGIC) {
      return "invalid database";
    }
    if (version != VERSION) {
      return "version mismatch";
    }
    if (checksum != 0 && checksum != computedChecksum) {
      return "checksum error";
    }
    return null;
  }
}
