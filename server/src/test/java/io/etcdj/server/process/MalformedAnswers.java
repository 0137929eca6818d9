package io.etcdj.server.process;

import io.grpc.MethodDescriptor;
import java.util.Set;

/**
 * What real etcd 3.4.23 answers a request whose bytes do not parse ({@link
 * BadInputProcessTest#MALFORMED}), per method, as found by running the cases against it: grpc-go
 * wraps gogo-protobuf's error in one text for a unary call and another for a message of a stream
 * (Snapshot too, a server stream, reads its request as a stream message); a method 3.4 does not
 * have is unknown whatever its bytes.
 */
final class MalformedAnswers {
  private MalformedAnswers() {}

  /** Methods of the proto module that etcd 3.4 does not have (3.5 added them). */
  static final Set<String> NOT_IN_3_4 = Set.of("etcdserverpb.Maintenance/Downgrade", "etcdserverpb.Auth/AuthStatus");

  /**
   * What {@code kind} answers. etcdj differs in one documented way: it has no Auth service yet, so
   * every Auth method is grpc-go's "unknown service" (what etcd would say without one).
   */
  static String expected(EtcdProcess.Kind kind, MethodDescriptor<?, ?> method, String malformed) {
    if (kind == EtcdProcess.Kind.ETCDJ && method.getServiceName().equals("etcdserverpb.Auth")) {
      return "UNIMPLEMENTED unknown service etcdserverpb.Auth";
    }
    return etcd(method, malformed);
  }

  static String etcd(MethodDescriptor<?, ?> method, String malformed) {
    String fullName = method.getFullMethodName();
    if (NOT_IN_3_4.contains(fullName)) {
      return "UNIMPLEMENTED unknown method " + method.getBareMethodName() + " for service " + method.getServiceName();
    }
    String prefix =
        method.getType() == MethodDescriptor.MethodType.UNARY
            ? "INTERNAL grpc: error unmarshalling request: "
            : "INTERNAL grpc: failed to unmarshal the received message ";
    return prefix + gogoError(method, malformed);
  }

  /** gogo-protobuf's error for each of {@link BadInputProcessTest#MALFORMED}. */
  private static String gogoError(MethodDescriptor<?, ?> method, String malformed) {
    return switch (malformed) {
      case "truncated tag", "unknown field cut short" -> "unexpected EOF";
      case "overflowing tag" -> "proto: integer overflow";
      case "field number 0" -> "proto: " + requestTypeName(method) + ": illegal tag 0 (wire type 7)";
      default -> throw new IllegalArgumentException(malformed);
    };
  }

  /** The request message's name, from the generated descriptor's marshaller. */
  private static String requestTypeName(MethodDescriptor<?, ?> method) {
    Object prototype = ((MethodDescriptor.PrototypeMarshaller<?>) method.getRequestMarshaller()).getMessagePrototype();
    return ((com.google.protobuf.Message) prototype).getDescriptorForType().getName();
  }
}
