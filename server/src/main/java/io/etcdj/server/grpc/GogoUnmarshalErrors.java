package io.etcdj.server.grpc;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;

/**
 * The error etcd 3.4 reports for request bytes that do not decode: etcd decodes with the {@code
 * Unmarshal} methods gogo-protobuf generates, and clients see their error text inside grpc-go's
 * (see {@link RequestDecoding}). protobuf-java, which etcdj decodes with, has texts of its own and
 * is more lenient (a known field sent with another wire type is kept as an unknown field), so
 * before it parses, this walks the bytes the way those generated methods do and names the first
 * thing they would stop at.
 *
 * <p>The texts are gogo's: {@code unexpected EOF} (Go's {@code io.ErrUnexpectedEOF}) for bytes that
 * end inside a field, {@code proto: integer overflow} for a varint longer than 64 bits, {@code
 * proto: negative length found during unmarshaling}, and per message {@code proto: <Message>:
 * illegal tag <n> (wire type <w>)}, {@code proto: <Message>: wiretype end group for non-group},
 * {@code proto: wrong wireType = <w> for field <GoName>}, {@code proto: illegal wireType <w>},
 * {@code proto: unexpected end of group}.
 *
 * <p>Stateless; the walk goes no deeper than the nesting limit it is given, so hostile bytes cannot
 * exhaust the stack.
 */
final class GogoUnmarshalErrors {
  private GogoUnmarshalErrors() {}

  static final String UNEXPECTED_EOF = "unexpected EOF";
  static final String INTEGER_OVERFLOW = "proto: integer overflow";
  static final String NEGATIVE_LENGTH = "proto: negative length found during unmarshaling";
  static final String UNEXPECTED_END_OF_GROUP = "proto: unexpected end of group";

  /** What the walk found. */
  sealed interface Verdict {}

  /** gogo would stop with {@code message}. */
  record GoError(String message) implements Verdict {}

  /** The bytes nest messages deeper than the limit: the walk stopped there, as the decoder did. */
  record TooDeep() implements Verdict {}

  /** gogo would decode these bytes (protobuf-java is stricter, e.g. about UTF-8 in strings). */
  record Decodable() implements Verdict {}

  /** Carries the first error out of the walk; stackless, it is control flow. */
  private static final class Stop extends RuntimeException {
    final Verdict verdict;

    Stop(Verdict verdict) {
      super(null, null, false, false);
      this.verdict = verdict;
    }
  }

  /** How gogo's generated code sees {@code bytes} as a {@code type}, nesting at most {@code depthMax}. */
  static Verdict explain(Descriptor type, byte[] bytes, int depthMax) {
    try {
      message(type, bytes, 0, bytes.length, 0, depthMax);
      return new Decodable();
    } catch (Stop s) {
      return s.verdict;
    }
  }

  private static void message(Descriptor type, byte[] b, int start, int end, int depth, int depthMax) {
    if (depth > depthMax) {
      throw new Stop(new TooDeep());
    }
    int[] pos = {start};
    while (pos[0] < end) {
      int tagStart = pos[0];
      long tag = varint(b, pos, end);
      int fieldNumber = (int) (tag >>> 3);
      int wireType = (int) (tag & 7);
      if (wireType == 4) {
        fail("proto: " + type.getName() + ": wiretype end group for non-group");
      }
      if (fieldNumber <= 0) {
        fail("proto: " + type.getName() + ": illegal tag " + fieldNumber + " (wire type " + wireType + ")");
      }
      FieldDescriptor field = type.findFieldByNumber(fieldNumber);
      if (field == null) {
        pos[0] = tagStart;
        skip(b, pos, end);
        continue;
      }
      int expected = wireTypeOf(field);
      boolean packed = field.isRepeated() && expected != 2 && wireType == 2;
      if (wireType != expected && !packed) {
        fail("proto: wrong wireType = " + wireType + " for field " + goName(field.getName()));
      }
      switch (wireType) {
        case 0 -> varint(b, pos, end);
        case 1 -> fixed(pos, end, 8);
        case 5 -> fixed(pos, end, 4);
        default -> {
          int valueEnd = lengthDelimited(b, pos, end);
          if (field.getType() == FieldDescriptor.Type.MESSAGE) {
            message(field.getMessageType(), b, pos[0], valueEnd, depth + 1, depthMax);
          } else if (packed) {
            while (pos[0] < valueEnd) {
              if (expected == 0) {
                varint(b, pos, valueEnd);
              } else {
                fixed(pos, valueEnd, expected == 1 ? 8 : 4);
              }
            }
          }
          pos[0] = valueEnd;
        }
      }
    }
  }

  /** gogo's {@code skip<File>}: an unknown field, groups included. */
  private static void skip(byte[] b, int[] pos, int end) {
    int groupDepth = 0;
    do {
      int wireType = (int) (varint(b, pos, end) & 7);
      switch (wireType) {
        case 0 -> varint(b, pos, end);
        case 1 -> pos[0] += 8;
        case 2 -> {
          long length = varint(b, pos, end);
          if (length < 0) {
            fail(NEGATIVE_LENGTH);
          }
          pos[0] = (int) Math.min(Integer.MAX_VALUE, pos[0] + length);
        }
        case 3 -> groupDepth++;
        case 4 -> {
          if (groupDepth == 0) {
            fail(UNEXPECTED_END_OF_GROUP);
          }
          groupDepth--;
        }
        case 5 -> pos[0] += 4;
        default -> fail("proto: illegal wireType " + wireType);
      }
      if (pos[0] > end) {
        fail(UNEXPECTED_EOF);
      }
    } while (groupDepth > 0);
  }

  private static long varint(byte[] b, int[] pos, int end) {
    long value = 0;
    for (int shift = 0; ; shift += 7) {
      if (shift >= 64) {
        fail(INTEGER_OVERFLOW);
      }
      if (pos[0] >= end) {
        fail(UNEXPECTED_EOF);
      }
      byte x = b[pos[0]++];
      value |= (long) (x & 0x7f) << shift;
      if (x >= 0) {
        return value;
      }
    }
  }

  private static void fixed(int[] pos, int end, int size) {
    if (pos[0] + size > end) {
      fail(UNEXPECTED_EOF);
    }
    pos[0] += size;
  }

  /** Reads a length; returns where the value ends, leaving {@code pos} at its start. */
  private static int lengthDelimited(byte[] b, int[] pos, int end) {
    long length = varint(b, pos, end);
    if (length < 0) {
      fail(NEGATIVE_LENGTH);
    }
    if (pos[0] + length > end) {
      fail(UNEXPECTED_EOF);
    }
    return (int) (pos[0] + length);
  }

  private static int wireTypeOf(FieldDescriptor field) {
    return switch (field.getType()) {
      case DOUBLE, FIXED64, SFIXED64 -> 1;
      case FLOAT, FIXED32, SFIXED32 -> 5;
      case STRING, BYTES, MESSAGE, GROUP -> 2;
      default -> 0;
    };
  }

  /** The Go field name protoc-gen-gogo gives a proto field ({@code range_end} → {@code RangeEnd}). */
  static String goName(String protoName) {
    StringBuilder t = new StringBuilder(protoName.length() + 1);
    int i = 0;
    if (protoName.charAt(0) == '_') {
      t.append('X');
      i = 1;
    }
    for (; i < protoName.length(); i++) {
      char c = protoName.charAt(i);
      if (c == '_' && i + 1 < protoName.length() && isLower(protoName.charAt(i + 1))) {
        continue;
      }
      if (c >= '0' && c <= '9') {
        t.append(c);
        continue;
      }
      t.append(isLower(c) ? (char) (c - 'a' + 'A') : c);
      while (i + 1 < protoName.length() && isLower(protoName.charAt(i + 1))) {
        t.append(protoName.charAt(++i));
      }
    }
    return t.toString();
  }

  private static boolean isLower(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static void fail(String goError) {
    throw new Stop(new GoError(goError));
  }
}
