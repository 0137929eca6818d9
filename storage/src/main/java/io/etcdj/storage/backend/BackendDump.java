package io.etcdj.storage.backend;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;

/**
 * The whole backend as one byte stream: what a leader ships to a member too far behind to catch
 * up from the log (etcd sends its bbolt file; etcdj sends this logical copy, so the receiver loads
 * it into its own open LMDB environment and nothing has to swap files under running readers).
 *
 * <p>Format: the magic {@code ETCDJBK1}; then for each bucket a {@code 0x01} tag, the name's length
 * (u16) and the name, followed by its entries in key order, each a {@code 0x02} tag, key length
 * (i32), key, value length (i32), value; then a {@code 0x00} tag and the CRC-32C (as a long) of
 * every byte before it. A reader rejects a stream with a bad magic, an unknown tag or bucket, an
 * impossible length, a CRC mismatch, or bytes after the end.
 */
public final class BackendDump {
  private static final byte[] MAGIC = "ETCDJBK1".getBytes(StandardCharsets.US_ASCII);
  private static final int TAG_END = 0;
  private static final int TAG_BUCKET = 1;
  private static final int TAG_ENTRY = 2;
  /** Entries read from the backend per scan, and the buffered bytes that end a scan early. */
  private static final int PAGE_ENTRIES = 1_024;

  private static final int PAGE_BYTES = 1 << 20;
  /** LMDB's key limit (both backends keep to it); a longer key means a corrupt stream. */
  static final int KEY_BYTES_MAX = 511;

  /** A bound no value the store writes comes near; a larger length means a corrupt stream. */
  static final int VALUE_BYTES_MAX = 256 * 1024 * 1024;

  private BackendDump() {}

  /**
   * A stream of everything {@code tx} sees. The stream owns the txn: closing the stream closes it.
   * It reads the backend lazily, a page at a time, on whichever thread reads the stream.
   */
  public static InputStream dump(ReadTxn tx) {
    return new DumpStream(tx);
  }

  /**
   * Replaces every bucket's contents with the dump read from {@code in}, inside {@code tx}. On an
   * {@link IOException} the txn holds a partial load: the caller must abort it.
   */
  public static void load(BatchTxn tx, InputStream in) throws IOException {
    for (Bucket b : Bucket.values()) {
      tx.clear(b);
    }
    read(in, tx::put);
  }

  /** Receives the entries of a dump as {@link #read} checks them. */
  @FunctionalInterface
  public interface EntrySink {
    void accept(Bucket bucket, byte[] key, byte[] value);
  }

  /**
   * Reads a whole dump, checking its structure and CRC, and hands every entry to {@code sink} as
   * it goes (so a sink that writes sees entries before the CRC is known: abort on an exception).
   *
   * @throws IOException if the stream is cut, malformed or fails its CRC
   */
  public static void read(InputStream in, EntrySink sink) throws IOException {
    CRC32C crc = new CRC32C();
    DataInputStream data = new DataInputStream(new CheckedInputStream(in, crc));
    byte[] magic = new byte[MAGIC.length];
    data.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw new IOException("not a backend dump (bad magic)");
    }
    Bucket bucket = null;
    while (true) {
      int tag = data.readUnsignedByte();
      switch (tag) {
        case TAG_BUCKET -> {
          byte[] name = new byte[data.readUnsignedShort()];
          data.readFully(name);
          bucket = bucketNamed(new String(name, StandardCharsets.US_ASCII));
        }
        case TAG_ENTRY -> {
          if (bucket == null) {
            throw new IOException("backend dump: entry before any bucket");
          }
          byte[] key = readBytes(data, 1, KEY_BYTES_MAX, "key");
          byte[] value = readBytes(data, 0, VALUE_BYTES_MAX, "value");
          sink.accept(bucket, key, value);
        }
        case TAG_END -> {
          long expected = crc.getValue();
          long actual = new DataInputStream(in).readLong(); // the CRC does not cover itself
          if (actual != expected) {
            throw new IOException(
                "backend dump CRC mismatch: " + Long.toHexString(actual) + " != "
                    + Long.toHexString(expected));
          }
          if (in.read() != -1) {
            throw new IOException("backend dump: data after the end");
          }
          return;
        }
        default -> throw new IOException("backend dump: unknown tag " + tag);
      }
    }
  }

  private static Bucket bucketNamed(String name) throws IOException {
    for (Bucket b : Bucket.values()) {
      if (b.dbName().equals(name)) {
        return b;
      }
    }
    throw new IOException("backend dump: unknown bucket " + name);
  }

  private static byte[] readBytes(DataInputStream in, int min, int max, String what)
      throws IOException {
    int n = in.readInt();
    if (n < min || n > max) {
      throw new IOException("backend dump: " + what + " length " + n + " outside [" + min + ", " + max + "]");
    }
    byte[] b = new byte[n];
    in.readFully(b);
    return b;
  }

  /** Pulls pages from the txn into a buffer as the reader asks for bytes. */
  private static final class DumpStream extends InputStream {
    private final ReadTxn tx;
    private final CRC32C crc = new CRC32C();
    private final Out out = new Out();
    private final DataOutputStream data = new DataOutputStream(out);
    private int bucketIndex = -1;
    /** The last key written in the current bucket; null before its first entry. */
    private byte[] lastKey;
    private boolean bucketDone = true;
    private boolean finished;
    private int pos;
    private boolean closed;

    DumpStream(ReadTxn tx) {
      this.tx = tx;
      out.write(MAGIC, 0, MAGIC.length);
      crc.update(MAGIC);
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closed) {
        throw new IOException("stream closed");
      }
      if (len == 0) {
        return 0;
      }
      while (pos == out.size()) {
        if (finished) {
          return -1;
        }
        out.reset();
        pos = 0;
        fill();
      }
      int n = Math.min(len, out.size() - pos);
      System.arraycopy(out.buf(), pos, b, off, n);
      pos += n;
      return n;
    }

    /** Appends the next page (or the next bucket header, or the end) to the empty buffer. */
    private void fill() throws IOException {
      if (bucketDone) {
        bucketIndex++;
        if (bucketIndex == Bucket.values().length) {
          data.writeByte(TAG_END);
          crc.update(out.buf(), 0, out.size());
          data.writeLong(crc.getValue());
          finished = true;
          return;
        }
        byte[] name = Bucket.values()[bucketIndex].dbName().getBytes(StandardCharsets.US_ASCII);
        data.writeByte(TAG_BUCKET);
        data.writeShort(name.length);
        data.write(name);
        lastKey = null;
        bucketDone = false;
      }
      byte[] from = lastKey;
      int[] written = {0};
      int visited =
          tx.scan(
              Bucket.values()[bucketIndex],
              from,
              null,
              PAGE_ENTRIES + 1, // + 1: the page starts at the last key already written
              (k, v) -> {
                if (from != null && Arrays.equals(k, from)) {
                  return true;
                }
                try {
                  data.writeByte(TAG_ENTRY);
                  data.writeInt(k.length);
                  data.write(k);
                  data.writeInt(v.length);
                  data.write(v);
                } catch (IOException e) {
                  throw new IllegalStateException(e); // an in-memory buffer does not fail
                }
                lastKey = k;
                written[0]++;
                return out.size() < PAGE_BYTES;
              });
      if (written[0] == 0 || visited < PAGE_ENTRIES + 1 && out.size() < PAGE_BYTES) {
        bucketDone = true;
      }
      crc.update(out.buf(), 0, out.size());
    }

    @Override
    public void close() {
      closed = true;
      tx.close();
    }
  }

  /** A byte buffer whose array can be read without a copy. */
  private static final class Out extends ByteArrayOutputStream {
    byte[] buf() {
      return buf;
    }
  }
}
