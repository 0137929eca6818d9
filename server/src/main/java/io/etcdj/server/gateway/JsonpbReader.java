package io.etcdj.server.gateway;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fills a request message from JSON the way etcd 3.4's gateway does (grpc-gateway v1's {@code
 * JSONPb} over golang/protobuf 1.3's {@code jsonpb.Unmarshaler}), so a request etcd accepts is
 * accepted here and a request etcd refuses is refused with etcd's words:
 *
 * <ul>
 *   <li>a field is found by its proto name ({@code range_end}) or its lowerCamel name ({@code
 *       rangeEnd}; it wins when both are given); unknown names are ignored;
 *   <li>{@code null} leaves a field at its default;
 *   <li>64- and 32-bit integers are numbers or quoted numbers; the quotes are stripped and the rest
 *       is read again as JSON, which gives Go's errors ({@code invalid character 'a' looking for
 *       beginning of value} for {@code "abc"});
 *   <li>bytes are standard base64; enums a name in quotes or a number;
 *   <li>a value of the wrong JSON kind fails with {@code json: cannot unmarshal <kind> into Go value
 *       of type <go type>}, naming the Go type of etcd's generated code.
 * </ul>
 *
 * <p>protobuf-java-util's {@code JsonFormat.parser()} reads the same documents but with other
 * rules (it refuses duplicate names, accepts URL-safe base64) and its own error texts, which is
 * why requests are read here while answers are written with {@code JsonFormat.printer()}.
 */
final class JsonpbReader {
  /** A value jsonpb refuses; the message is Go's. */
  static final class JsonpbException extends Exception {
    JsonpbException(String message) {
      super(message, null, false, false);
    }
  }

  private static final BigInteger INT64_MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger INT64_MAX = BigInteger.valueOf(Long.MAX_VALUE);
  private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
  private static final BigInteger INT32_MIN = BigInteger.valueOf(Integer.MIN_VALUE);
  private static final BigInteger INT32_MAX = BigInteger.valueOf(Integer.MAX_VALUE);
  private static final BigInteger UINT32_MAX = BigInteger.valueOf(0xffff_ffffL);

  private JsonpbReader() {}

  /** Fills {@code builder} from {@code value}, a JSON object or null. */
  static void merge(GoJson.Value value, Message.Builder builder) throws JsonpbException {
    if (value.kind() == GoJson.Kind.NULL) {
      return;
    }
    if (value.kind() != GoJson.Kind.OBJECT) {
      throw typeError(value.kind().goName, "map[string]json.RawMessage");
    }
    Map<String, GoJson.Value> members = new HashMap<>(value.members());
    Descriptor type = builder.getDescriptorForType();
    // jsonpb visits the fields of the Go struct in declaration order, and the members of a oneof
    // after all plain fields.
    for (int pass = 0; pass < 2; pass++) {
      for (FieldDescriptor field : type.getFields()) {
        boolean inOneof = field.getRealContainingOneof() != null;
        if (inOneof != (pass == 1)) {
          continue;
        }
        GoJson.Value raw = consume(members, field);
        if (raw != null) {
          mergeField(raw, field, builder);
        }
      }
    }
  }

  private static GoJson.Value consume(Map<String, GoJson.Value> members, FieldDescriptor field) {
    GoJson.Value orig = members.remove(field.getName());
    GoJson.Value camel = members.remove(field.getJsonName());
    return camel != null ? camel : orig;
  }

  private static void mergeField(GoJson.Value raw, FieldDescriptor field, Message.Builder builder)
      throws JsonpbException {
    if (raw.kind() == GoJson.Kind.NULL) {
      return; // Go leaves a nil pointer, slice or zero value untouched.
    }
    if (field.isRepeated()) {
      if (raw.kind() != GoJson.Kind.ARRAY) {
        throw typeError(raw.kind().goName, "[]json.RawMessage");
      }
      for (GoJson.Value element : raw.elements()) {
        Object v = singular(element, field, builder);
        if (v != null) {
          builder.addRepeatedField(field, v);
        }
      }
      return;
    }
    Object v = singular(raw, field, builder);
    if (v != null) {
      builder.setField(field, v);
    }
  }

  /** One value for {@code field}, or null to leave it unset. */
  private static Object singular(GoJson.Value raw, FieldDescriptor field, Message.Builder parent)
      throws JsonpbException {
    switch (field.getJavaType()) {
      case MESSAGE:
        if (raw.kind() == GoJson.Kind.NULL) {
          return null;
        }
        Message.Builder child = parent.newBuilderForField(field);
        merge(raw, child);
        return child.build();
      case ENUM:
        return enumValue(raw, field.getEnumType());
      case BOOLEAN:
        return raw.kind() == GoJson.Kind.NULL ? null : bool(raw);
      case STRING:
        return raw.kind() == GoJson.Kind.NULL ? null : string(raw);
      case BYTE_STRING:
        return raw.kind() == GoJson.Kind.NULL ? null : bytes(raw);
      case LONG:
        return integer(raw, field).longValue();
      case INT:
        return integer(raw, field).intValue();
      default:
        throw new JsonpbException("unsupported field type " + field.getType() + " of " + field.getFullName());
    }
  }

  private static Object enumValue(GoJson.Value raw, EnumDescriptor type) throws JsonpbException {
    String goType = goTypeName(type);
    if (raw.kind() == GoJson.Kind.STRING) {
      // jsonpb looks the name up between the quotes, without unescaping it.
      String name = raw.raw().substring(1, raw.raw().length() - 1);
      EnumValueDescriptor v = type.findValueByName(name);
      if (v == null) {
        throw new JsonpbException("unknown value " + GoText.quote(name) + " for enum " + goType);
      }
      return v;
    }
    if (raw.kind() == GoJson.Kind.NULL) {
      return null;
    }
    if (raw.kind() != GoJson.Kind.NUMBER) {
      throw typeError(raw.kind().goName, goType);
    }
    BigInteger n = integral(raw.raw());
    if (n == null || n.compareTo(INT32_MIN) < 0 || n.compareTo(INT32_MAX) > 0) {
      throw typeError("number " + raw.raw(), goType);
    }
    return type.findValueByNumberCreatingIfUnknown(n.intValue());
  }

  private static Boolean bool(GoJson.Value raw) throws JsonpbException {
    if (raw.kind() != GoJson.Kind.BOOL) {
      throw typeError(raw.kind().goName, "bool");
    }
    return (Boolean) raw.content();
  }

  private static String string(GoJson.Value raw) throws JsonpbException {
    if (raw.kind() != GoJson.Kind.STRING) {
      throw typeError(raw.kind().goName, "string");
    }
    return (String) raw.content();
  }

  private static ByteString bytes(GoJson.Value raw) throws JsonpbException {
    if (raw.kind() == GoJson.Kind.STRING) {
      return GoBase64.decodeStd((String) raw.content());
    }
    if (raw.kind() == GoJson.Kind.ARRAY) {
      // encoding/json also fills a []byte from an array of numbers.
      List<GoJson.Value> elements = raw.elements();
      byte[] out = new byte[elements.size()];
      for (int i = 0; i < out.length; i++) {
        GoJson.Value e = elements.get(i);
        if (e.kind() == GoJson.Kind.NULL) {
          continue;
        }
        if (e.kind() != GoJson.Kind.NUMBER) {
          throw typeError(e.kind().goName, "uint8");
        }
        BigInteger n = integral(e.raw());
        if (n == null || n.signum() < 0 || n.intValue() > 255 || n.bitLength() > 8) {
          throw typeError("number " + e.raw(), "uint8");
        }
        out[i] = (byte) n.intValue();
      }
      return ByteString.copyFrom(out);
    }
    throw typeError(raw.kind().goName, "[]uint8");
  }

  /**
   * An integer field as jsonpb reads it: a quoted value loses its quotes and what is left is read
   * again as a whole JSON text into the Go integer type.
   */
  private static BigInteger integer(GoJson.Value raw, FieldDescriptor field) throws JsonpbException {
    String goType = goIntType(field.getType());
    GoJson.Value v = raw;
    if (raw.kind() == GoJson.Kind.STRING) {
      String inner = raw.raw().substring(1, raw.raw().length() - 1);
      try {
        v = GoJson.parseWhole(inner);
      } catch (GoJson.SyntaxException e) {
        throw new JsonpbException(e.getMessage());
      }
    }
    if (v.kind() == GoJson.Kind.NULL) {
      return BigInteger.ZERO;
    }
    if (v.kind() != GoJson.Kind.NUMBER) {
      throw typeError(v.kind().goName, goType);
    }
    BigInteger n = integral(v.raw());
    if (n == null || !fits(n, field.getType())) {
      throw typeError("number " + v.raw(), goType);
    }
    return n;
  }

  /** The integer a JSON number literal is, or null when it has a fraction or exponent. */
  private static BigInteger integral(String literal) {
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (c == '.' || c == 'e' || c == 'E') {
        return null; // Go's strconv.ParseInt refuses these.
      }
    }
    return new BigDecimal(literal).toBigIntegerExact();
  }

  private static boolean fits(BigInteger n, FieldDescriptor.Type type) {
    return switch (type) {
      case INT64, SINT64, SFIXED64 -> n.compareTo(INT64_MIN) >= 0 && n.compareTo(INT64_MAX) <= 0;
      case UINT64, FIXED64 -> n.signum() >= 0 && n.compareTo(UINT64_MAX) <= 0;
      case INT32, SINT32, SFIXED32 -> n.compareTo(INT32_MIN) >= 0 && n.compareTo(INT32_MAX) <= 0;
      case UINT32, FIXED32 -> n.signum() >= 0 && n.compareTo(UINT32_MAX) <= 0;
      default -> false;
    };
  }

  private static String goIntType(FieldDescriptor.Type type) {
    return switch (type) {
      case INT64, SINT64, SFIXED64 -> "int64";
      case UINT64, FIXED64 -> "uint64";
      case INT32, SINT32, SFIXED32 -> "int32";
      case UINT32, FIXED32 -> "uint32";
      default -> type.name().toLowerCase(java.util.Locale.ROOT);
    };
  }

  /**
   * The Go name of an enum type in etcd's generated code: the package, then the nested proto names
   * joined by underscores ({@code etcdserverpb.RangeRequest_SortOrder}).
   */
  static String goTypeName(EnumDescriptor type) {
    String pkg = type.getFile().getPackage();
    String nested = type.getFullName().substring(pkg.isEmpty() ? 0 : pkg.length() + 1);
    return (pkg.isEmpty() ? "" : pkg + ".") + nested.replace('.', '_');
  }

  private static JsonpbException typeError(String what, String goType) {
    return new JsonpbException("json: cannot unmarshal " + what + " into Go value of type " + goType);
  }
}
