package io.etcdj.etcdctl.client.h2;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * HPACK (RFC 7541) for one connection. Encoding writes every field as a literal without indexing
 * and without Huffman (sections 6.2.2 and 5.2 allow it), so the peer's decoder state never depends
 * on ours. Decoding is complete: static and dynamic table, table size updates, Huffman strings.
 *
 * <p>The decoder is confined to the connection's reader thread; {@link #encode} is stateless.
 */
final class Hpack {
  /** RFC 7541 Appendix A, index 1..61. */
  private static final Header[] STATIC = {
    null,
    h(":authority", ""),
    h(":method", "GET"),
    h(":method", "POST"),
    h(":path", "/"),
    h(":path", "/index.html"),
    h(":scheme", "http"),
    h(":scheme", "https"),
    h(":status", "200"),
    h(":status", "204"),
    h(":status", "206"),
    h(":status", "304"),
    h(":status", "400"),
    h(":status", "404"),
    h(":status", "500"),
    h("accept-charset", ""),
    h("accept-encoding", "gzip, deflate"),
    h("accept-language", ""),
    h("accept-ranges", ""),
    h("accept", ""),
    h("access-control-allow-origin", ""),
    h("age", ""),
    h("allow", ""),
    h("authorization", ""),
    h("cache-control", ""),
    h("content-disposition", ""),
    h("content-encoding", ""),
    h("content-language", ""),
    h("content-length", ""),
    h("content-location", ""),
    h("content-range", ""),
    h("content-type", ""),
    h("cookie", ""),
    h("date", ""),
    h("etag", ""),
    h("expect", ""),
    h("expires", ""),
    h("from", ""),
    h("host", ""),
    h("if-match", ""),
    h("if-modified-since", ""),
    h("if-none-match", ""),
    h("if-range", ""),
    h("if-unmodified-since", ""),
    h("last-modified", ""),
    h("link", ""),
    h("location", ""),
    h("max-forwards", ""),
    h("proxy-authenticate", ""),
    h("proxy-authorization", ""),
    h("range", ""),
    h("referer", ""),
    h("refresh", ""),
    h("retry-after", ""),
    h("server", ""),
    h("set-cookie", ""),
    h("strict-transport-security", ""),
    h("transfer-encoding", ""),
    h("user-agent", ""),
    h("vary", ""),
    h("via", ""),
    h("www-authenticate", ""),
  };

  static final int STATIC_COUNT = STATIC.length - 1;
  /** SETTINGS_HEADER_TABLE_SIZE default; we never announce another, so it is the decoder's limit. */
  static final int TABLE_SIZE_DEFAULT = 4096;

  private static Header h(String name, String value) {
    return new Header(name, value);
  }

  private Hpack() {}

  // ---- encoder ----

  /** Appends one field as a literal without indexing, new name, raw (non-Huffman) strings. */
  static void encode(ByteArrayOutputStream out, String name, String value) {
    out.write(0x00);
    writeString(out, name.getBytes(StandardCharsets.ISO_8859_1));
    writeString(out, value.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static void writeString(ByteArrayOutputStream out, byte[] s) {
    writeInt(out, 0x00, 7, s.length);
    out.write(s, 0, s.length);
  }

  /** Section 5.1 integer with an N-bit prefix; {@code first} holds the bits above the prefix. */
  static void writeInt(ByteArrayOutputStream out, int first, int prefixBits, int value) {
    int max = (1 << prefixBits) - 1;
    if (value < max) {
      out.write(first | value);
      return;
    }
    out.write(first | max);
    int rest = value - max;
    while (rest >= 0x80) {
      out.write((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    out.write(rest);
  }

  // ---- decoder ----

  /** The decoding context of one connection: the dynamic table (section 2.3.2). */
  static final class Decoder {
    private final int tableSizeMax;
    private final int headerListBytesMax;
    /** Newest first: index 62 is element 0. */
    private final List<Header> dynamic = new ArrayList<>();
    private int tableSize;
    private int tableCapacity;

    Decoder(int tableSizeMax, int headerListBytesMax) {
      this.tableSizeMax = tableSizeMax;
      this.headerListBytesMax = headerListBytesMax;
      this.tableCapacity = tableSizeMax;
    }

    int tableSize() {
      return tableSize;
    }

    int tableEntries() {
      return dynamic.size();
    }

    /** Decodes one complete header block. */
    List<Header> decode(byte[] block) throws HpackException {
      List<Header> out = new ArrayList<>();
      int[] pos = {0};
      int listBytes = 0;
      boolean fieldSeen = false;
      while (pos[0] < block.length) {
        int b = block[pos[0]] & 0xff;
        Header field;
        if ((b & 0x80) != 0) {
          field = lookup(readInt(block, pos, 7));
        } else if ((b & 0xc0) == 0x40) {
          field = literal(block, pos, 6);
          add(field);
        } else if ((b & 0xe0) == 0x20) {
          // Section 4.2: size updates come first in a block.
          if (fieldSeen) {
            throw new HpackException("dynamic table size update after a header field");
          }
          int size = readInt(block, pos, 5);
          if (size > tableSizeMax) {
            throw new HpackException("dynamic table size update " + size + " above " + tableSizeMax);
          }
          tableCapacity = size;
          evict(0);
          continue;
        } else {
          // 0000xxxx without indexing, 0001xxxx never indexed: the same to a decoder.
          field = literal(block, pos, 4);
        }
        fieldSeen = true;
        listBytes += field.size();
        if (listBytes > headerListBytesMax) {
          throw new HpackException("header list larger than " + headerListBytesMax + " bytes");
        }
        out.add(field);
      }
      return out;
    }

    private Header lookup(int index) throws HpackException {
      if (index <= 0) {
        throw new HpackException("header index 0");
      }
      if (index <= STATIC_COUNT) {
        return STATIC[index];
      }
      int d = index - STATIC_COUNT - 1;
      if (d >= dynamic.size()) {
        throw new HpackException("header index " + index + " beyond the dynamic table");
      }
      return dynamic.get(d);
    }

    private Header literal(byte[] block, int[] pos, int prefixBits) throws HpackException {
      int index = readInt(block, pos, prefixBits);
      String name = index == 0 ? readString(block, pos) : lookup(index).name();
      return new Header(name, readString(block, pos));
    }

    private void add(Header field) {
      // Section 4.4: an entry larger than the table empties it and is not added.
      if (field.size() > tableCapacity) {
        dynamic.clear();
        tableSize = 0;
        return;
      }
      evict(field.size());
      dynamic.add(0, field);
      tableSize += field.size();
    }

    /** Evicts the oldest entries until {@code room} more octets fit. */
    private void evict(int room) {
      while (!dynamic.isEmpty() && tableSize + room > tableCapacity) {
        tableSize -= dynamic.remove(dynamic.size() - 1).size();
      }
    }

    private static int readInt(byte[] block, int[] pos, int prefixBits) throws HpackException {
      int max = (1 << prefixBits) - 1;
      int value = block[pos[0]++] & max;
      if (value < max) {
        return value;
      }
      int shift = 0;
      while (true) {
        if (pos[0] >= block.length) {
          throw new HpackException("truncated integer");
        }
        int b = block[pos[0]++] & 0xff;
        if (shift > 21) {
          throw new HpackException("integer overflow");
        }
        value += (b & 0x7f) << shift;
        shift += 7;
        if ((b & 0x80) == 0) {
          return value;
        }
      }
    }

    private static String readString(byte[] block, int[] pos) throws HpackException {
      if (pos[0] >= block.length) {
        throw new HpackException("truncated string");
      }
      boolean huffman = (block[pos[0]] & 0x80) != 0;
      int len = readInt(block, pos, 7);
      if (len < 0 || len > block.length - pos[0]) {
        throw new HpackException("string length " + len + " beyond the block");
      }
      byte[] raw = huffman ? Huffman.decode(block, pos[0], len) : null;
      String s =
          raw != null
              ? new String(raw, StandardCharsets.ISO_8859_1)
              : new String(block, pos[0], len, StandardCharsets.ISO_8859_1);
      pos[0] += len;
      return s;
    }
  }
}
