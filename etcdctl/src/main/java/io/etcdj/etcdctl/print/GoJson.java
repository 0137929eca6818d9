package io.etcdj.etcdctl.print;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * JSON as etcdctl's {@code -w json} prints it: Go's {@code encoding/json} over etcd's gogo-generated
 * structs. Field keys are the proto names; zero scalars, empty lists and unset messages are left
 * out (every generated field is {@code omitempty}); bytes are base64; 64-bit numbers are plain JSON
 * numbers; enums are numbers; a oneof is a {@code "CamelName":{"CamelCase":{...}}} pair (Go's
 * interface field and wrapper struct, which carry no JSON tags). Strings are escaped as Go escapes
 * them, {@code <>&} included.
 */
public final class GoJson {
  private GoJson() {}

  /** A proto message as encoding/json writes its gogo struct. */
  public static String marshal(Message m) {
    StringBuilder sb = new StringBuilder();
    message(sb, m);
    return sb.toString();
  }

  /** Appends the message's fields (without braces), for structs that embed a message. */
  public static void fields(Obj o, Message m) {
    OneofDescriptor lastOneof = null;
    for (FieldDescriptor f : m.getDescriptorForType().getFields()) {
      OneofDescriptor oneof = f.getRealContainingOneof();
      if (oneof != null) {
        if (oneof == lastOneof) {
          continue;
        }
        lastOneof = oneof;
        FieldDescriptor set = m.getOneofFieldDescriptor(oneof);
        if (set == null) {
          continue;
        }
        StringBuilder inner = new StringBuilder("{");
        inner.append(quote(camel(set.getName()))).append(':');
        value(inner, set, m.getField(set));
        inner.append('}');
        o.raw(camel(oneof.getName()), inner.toString());
        continue;
      }
      if (f.isRepeated()) {
        if (m.getRepeatedFieldCount(f) == 0) {
          continue;
        }
        StringBuilder arr = new StringBuilder("[");
        List<?> items = (List<?>) m.getField(f);
        for (int i = 0; i < items.size(); i++) {
          if (i > 0) {
            arr.append(',');
          }
          value(arr, f, items.get(i));
        }
        o.raw(f.getName(), arr.append(']').toString());
        continue;
      }
      if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
        if (!m.hasField(f)) {
          continue;
        }
      } else if (isZero(f, m.getField(f))) {
        continue;
      }
      StringBuilder v = new StringBuilder();
      value(v, f, m.getField(f));
      o.raw(f.getName(), v.toString());
    }
  }

  private static void message(StringBuilder sb, Message m) {
    Obj o = new Obj();
    fields(o, m);
    sb.append(o);
  }

  private static boolean isZero(FieldDescriptor f, Object v) {
    switch (f.getJavaType()) {
      case INT:
        return (Integer) v == 0;
      case LONG:
        return (Long) v == 0L;
      case BOOLEAN:
        return !(Boolean) v;
      case STRING:
        return ((String) v).isEmpty();
      case BYTE_STRING:
        return ((ByteString) v).isEmpty();
      case ENUM:
        return ((EnumValueDescriptor) v).getNumber() == 0;
      case FLOAT:
        return (Float) v == 0f;
      case DOUBLE:
        return (Double) v == 0d;
      default:
        return false;
    }
  }

  private static void value(StringBuilder sb, FieldDescriptor f, Object v) {
    switch (f.getJavaType()) {
      case INT:
        if (f.getType() == FieldDescriptor.Type.UINT32 || f.getType() == FieldDescriptor.Type.FIXED32) {
          sb.append(Integer.toUnsignedString((Integer) v));
        } else {
          sb.append((int) (Integer) v);
        }
        break;
      case LONG:
        if (f.getType() == FieldDescriptor.Type.UINT64 || f.getType() == FieldDescriptor.Type.FIXED64) {
          sb.append(Long.toUnsignedString((Long) v));
        } else {
          sb.append((long) (Long) v);
        }
        break;
      case BOOLEAN:
        sb.append((boolean) (Boolean) v);
        break;
      case STRING:
        sb.append(quote((String) v));
        break;
      case BYTE_STRING:
        sb.append('"').append(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray())).append('"');
        break;
      case ENUM:
        sb.append(((EnumValueDescriptor) v).getNumber());
        break;
      case MESSAGE:
        message(sb, (Message) v);
        break;
      default:
        sb.append(v);
    }
  }

  /** Go's generated field name for a proto name: "response_put" → "ResponsePut". */
  static String camel(String protoName) {
    StringBuilder sb = new StringBuilder();
    boolean up = true;
    for (char c : protoName.toCharArray()) {
      if (c == '_') {
        up = true;
      } else if (up) {
        sb.append(Character.toUpperCase(c));
        up = false;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  /** base64 as encoding/json writes a []byte; a nil slice is null. */
  public static String bytes(byte[] b) {
    return b == null ? "null" : '"' + Base64.getEncoder().encodeToString(b) + '"';
  }

  /** A JSON string as encoding/json writes it: HTML-safe, invalid UTF-8 as U+FFFD. */
  public static String quote(String s) {
    return quote(s.getBytes(StandardCharsets.UTF_8));
  }

  public static String quote(byte[] b) {
    String s = new String(b, StandardCharsets.UTF_8); // invalid sequences become U+FFFD, as Go does
    StringBuilder sb = new StringBuilder(s.length() + 2);
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        case '<':
        case '>':
        case '&':
        case '\u2028':
        case '\u2029':
          sb.append(String.format("\\u%04x", (int) c));
          break;
        default:
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"').toString();
  }

  /** A Go struct being written: keys in order, values already JSON. */
  public static final class Obj {
    private final StringBuilder sb = new StringBuilder("{");
    private boolean first = true;

    public Obj raw(String key, String json) {
      if (!first) {
        sb.append(',');
      }
      first = false;
      sb.append(quote(key)).append(':').append(json);
      return this;
    }

    public Obj num(String key, long v) {
      return raw(key, Long.toString(v));
    }

    public Obj unsigned(String key, long v) {
      return raw(key, Long.toUnsignedString(v));
    }

    public Obj bool(String key, boolean v) {
      return raw(key, Boolean.toString(v));
    }

    public Obj str(String key, String v) {
      return raw(key, quote(v));
    }

    /** An embedded message's fields, promoted into this struct (Go's anonymous struct field). */
    public Obj embed(Message m) {
      if (m != null) {
        fields(this, m);
      }
      return this;
    }

    public Obj msg(String key, Message m) {
      return raw(key, marshal(m));
    }

    @Override
    public String toString() {
      return sb + "}";
    }
  }
}
