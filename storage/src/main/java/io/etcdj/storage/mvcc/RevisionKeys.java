package io.etcdj.storage.mvcc;

/**
 * The key-bucket encoding of a revision (etcd's {@code revision.go} / {@code bucket_key}): 8-byte
 * big-endian main, {@code '_'}, 8-byte big-endian sub (17 bytes); a delete appends the tombstone
 * mark {@code 't'} (18 bytes).
 *
 * <p>Revisions are never negative, so unsigned byte order of the keys is revision order; a
 * tombstone key sorts right after the plain key of the same revision (only one of the two ever
 * exists).
 */
final class RevisionKeys {
  static final int REV_BYTES = 17;
  static final int MARKED_REV_BYTES = 18;
  static final byte SEPARATOR = '_';
  static final byte TOMBSTONE_MARK = 't';

  private RevisionKeys() {}

  static byte[] encode(long main, long sub) {
    byte[] out = new byte[REV_BYTES];
    encode(main, sub, out);
    return out;
  }

  static byte[] encode(Revision rev) {
    return encode(rev.main(), rev.sub());
  }

  /** Writes the 17-byte form into {@code out} (length ≥ 17). */
  static void encode(long main, long sub, byte[] out) {
    if (main < 0 || sub < 0) {
      throw new IllegalStateException("negative revision " + main + "_" + sub);
    }
    putLong(out, 0, main);
    out[8] = SEPARATOR;
    putLong(out, 9, sub);
  }

  static byte[] encodeTombstone(long main, long sub) {
    byte[] out = new byte[MARKED_REV_BYTES];
    encode(main, sub, out);
    out[REV_BYTES] = TOMBSTONE_MARK;
    return out;
  }

  static long main(byte[] key) {
    check(key);
    return getLong(key, 0);
  }

  static long sub(byte[] key) {
    check(key);
    return getLong(key, 9);
  }

  static Revision decode(byte[] key) {
    check(key);
    return new Revision(getLong(key, 0), getLong(key, 9));
  }

  static boolean isTombstone(byte[] key) {
    return key.length == MARKED_REV_BYTES && key[REV_BYTES] == TOMBSTONE_MARK;
  }

  private static void check(byte[] key) {
    boolean plain = key.length == REV_BYTES;
    if (!(plain || isTombstone(key)) || key[8] != SEPARATOR) {
      throw new IllegalStateException("not a revision key (" + key.length + " bytes)");
    }
  }

  static void putLong(byte[] out, int offset, long value) {
    for (int i = 7; i >= 0; i--) {
      out[offset + i] = (byte) value;
      value >>>= 8;
    }
  }

  static long getLong(byte[] in, int offset) {
    long value = 0;
    for (int i = 0; i < 8; i++) {
      value = (value << 8) | (in[offset + i] & 0xFF);
    }
    return value;
  }
}
