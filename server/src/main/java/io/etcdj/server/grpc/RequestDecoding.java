package io.etcdj.server.grpc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.server.errors.EtcdError;
import io.grpc.Attributes;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Decodes the requests of the client port in etcdj's own code rather than in grpc-java's
 * marshaller, so that bytes which are no request get etcd's answer. grpc-java answers a marshaller
 * that throws with {@code UNKNOWN "Application error processing RPC"}; etcd 3.4's grpc-go answers
 * {@code INTERNAL "grpc: error unmarshalling request: <gogo's error>"} for a unary call and {@code
 * INTERNAL "grpc: failed to unmarshal the received message <gogo's error>"} for a message of a
 * stream (checked live on every method). Each method is re-bound with a request marshaller that
 * keeps the bytes, and its handler judges them first: {@link GogoUnmarshalErrors} walks them as
 * gogo would (and finds its text), then protobuf-java parses them.
 *
 * <p>Nesting: protobuf-java refuses messages nested over 100 deep by default, which a txn of 50
 * nested txns already is, while etcd takes 127 levels under the default {@code --max-txn-ops}
 * (each level's check gets what its parent left of the op budget). Requests are parsed with {@link
 * io.etcdj.server.apply.RequestChecks#messageDepthMax} instead, and a txn nested deeper than that
 * is one etcd would refuse as "too many operations in txn request", which is the answer.
 *
 * <p>Methods etcd 3.4 does not have (Maintenance.Downgrade, added in 3.5) are left out, and {@link
 * #unknownMethods} answers them, and any other method nobody serves, in grpc-go's words.
 *
 * <p>Stateless; the handlers run on the call's thread, as the methods they wrap.
 */
final class RequestDecoding {
  private RequestDecoding() {}

  /** Methods of the proto module etcd 3.4 lacks (AuthStatus too, but etcdj serves no Auth yet). */
  static final Set<String> NOT_IN_ETCD_3_4 = Set.of("etcdserverpb.Maintenance/Downgrade", "etcdserverpb.Auth/AuthStatus");

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try (stream) {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** {@code service} with every request decoded by etcdj, nesting up to {@code depthMax}. */
  static ServerServiceDefinition decoded(ServerServiceDefinition service, int depthMax) {
    ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service.getServiceDescriptor().getName());
    for (ServerMethodDefinition<?, ?> method : service.getMethods()) {
      if (!NOT_IN_ETCD_3_4.contains(method.getMethodDescriptor().getFullMethodName())) {
        b.addMethod(decoded(method, depthMax));
      }
    }
    return b.build();
  }

  private static <Q, A> ServerMethodDefinition<byte[], A> decoded(ServerMethodDefinition<Q, A> method, int depthMax) {
    MethodDescriptor<Q, A> typed = method.getMethodDescriptor();
    @SuppressWarnings("unchecked")
    Message prototype =
        (Message) ((MethodDescriptor.PrototypeMarshaller<Q>) typed.getRequestMarshaller()).getMessagePrototype();
    MethodDescriptor<byte[], A> raw = typed.toBuilder(BYTES, typed.getResponseMarshaller()).build();
    ServerCallHandler<Q, A> next = method.getServerCallHandler();
    return ServerMethodDefinition.create(
        raw,
        (call, headers) -> {
          Typed<Q, A> handlersCall = new Typed<>(call, typed);
          return new Decoder<>(handlersCall, next.startCall(handlersCall, headers), prototype, depthMax);
        });
  }

  /**
   * The status etcd answers for a request of {@code method} that gogo's walk judged {@code
   * verdict} and protobuf-java may not have parsed: null when neither refused it.
   */
  static Status refusal(MethodDescriptor<?, ?> method, GogoUnmarshalErrors.Verdict verdict, InvalidProtocolBufferException parseError) {
    String prefix =
        method.getType() == MethodDescriptor.MethodType.UNARY
            ? "grpc: error unmarshalling request: "
            : "grpc: failed to unmarshal the received message ";
    if (verdict instanceof GogoUnmarshalErrors.GoError go) {
      return Status.INTERNAL.withDescription(prefix + go.message());
    }
    if (verdict instanceof GogoUnmarshalErrors.TooDeep) {
      if (method.getFullMethodName().equals(KVGrpc.getTxnMethod().getFullMethodName())) {
        return Status.fromCode(EtcdError.TOO_MANY_OPS.code()).withDescription(EtcdError.TOO_MANY_OPS.message());
      }
      return Status.INTERNAL.withDescription(prefix + "proto: messages nested too deep");
    }
    if (parseError != null) {
      // Bytes gogo would take and protobuf-java does not (a string that is not UTF-8): no etcd
      // text to copy.
      return Status.INTERNAL.withDescription(prefix + "proto: " + parseError.getMessage());
    }
    return null;
  }

  /**
   * Answers any method not served, as grpc-go does: "unknown service S", or "unknown method M for
   * service S" when S is served. Its calls have type UNKNOWN, which the interceptors pass through
   * (grpc-go answers before its interceptors run, and a client may invent any number of names).
   */
  static HandlerRegistry unknownMethods(Set<String> servedServices) {
    return new HandlerRegistry() {
      @Override
      public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
        int slash = methodName.lastIndexOf('/');
        String text;
        if (slash < 0) {
          text = "malformed method name: \"" + methodName + "\"";
        } else {
          String service = methodName.substring(0, slash);
          text =
              servedServices.contains(service)
                  ? "unknown method " + methodName.substring(slash + 1) + " for service " + service
                  : "unknown service " + service;
        }
        MethodDescriptor<byte[], byte[]> unknown =
            MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
                .setType(MethodDescriptor.MethodType.UNKNOWN)
                .setFullMethodName(methodName)
                .build();
        return ServerMethodDefinition.create(
            unknown,
            (call, headers) -> {
              call.close(Status.UNIMPLEMENTED.withDescription(text), new Metadata());
              return new ServerCall.Listener<>() {};
            });
      }
    };
  }

  /**
   * Parses each message before its handler sees it. A message that does not parse closes the call
   * with etcd's status and tells the handler the call was cancelled, as if the client had gone:
   * the path every handler already cleans up on. Nothing reaches the handler after that.
   */
  private static final class Decoder<Q, A> extends ServerCall.Listener<byte[]> {
    private final Typed<Q, A> call;
    private final ServerCall.Listener<Q> next;
    private final Message prototype;
    private final int depthMax;
    /** Set once a message did not parse; the listener's callbacks are serialised by gRPC. */
    private boolean refused;

    Decoder(Typed<Q, A> call, ServerCall.Listener<Q> next, Message prototype, int depthMax) {
      this.call = call;
      this.next = next;
      this.prototype = prototype;
      this.depthMax = depthMax;
    }

    @Override
    public void onMessage(byte[] bytes) {
      if (refused) {
        return;
      }
      // gogo is stricter than protobuf-java (a known field with another wire type is an error
      // there, an unknown field here), so its walk judges first; it is one pass over the tags.
      GogoUnmarshalErrors.Verdict verdict = GogoUnmarshalErrors.explain(prototype.getDescriptorForType(), bytes, depthMax);
      Q request = null;
      InvalidProtocolBufferException parseError = null;
      if (verdict instanceof GogoUnmarshalErrors.Decodable) {
        try {
          CodedInputStream in = CodedInputStream.newInstance(bytes);
          // The array is this call's own copy, so the parsed byte strings may share it.
          in.enableAliasing(true);
          in.setRecursionLimit(depthMax);
          @SuppressWarnings("unchecked")
          Q parsed = (Q) prototype.getParserForType().parseFrom(in);
          in.checkLastTagWas(0);
          request = parsed;
        } catch (InvalidProtocolBufferException e) {
          parseError = e;
        }
      }
      Status refused = refusal(call.getMethodDescriptor(), verdict, parseError);
      if (refused != null) {
        this.refused = true;
        call.refuse(refused);
        next.onCancel();
        return;
      }
      next.onMessage(request);
    }

    @Override
    public void onHalfClose() {
      if (!refused) {
        next.onHalfClose();
      }
    }

    @Override
    public void onCancel() {
      if (!refused) {
        next.onCancel();
      }
    }

    @Override
    public void onComplete() {
      if (!refused) {
        next.onComplete();
      }
    }

    @Override
    public void onReady() {
      if (!refused) {
        next.onReady();
      }
    }
  }

  /**
   * The call as its handler knows it: the typed method descriptor, everything else the call's.
   * Once {@link #refuse}d, the handler's sends and close (from any thread, e.g. a watch sender that
   * has not yet seen the cancellation) are dropped instead of failing on a closed call.
   */
  private static final class Typed<Q, A> extends ServerCall<Q, A> {
    private final ServerCall<byte[], A> call;
    private final MethodDescriptor<Q, A> method;
    /** Guarded by this. */
    private boolean refused;

    Typed(ServerCall<byte[], A> call, MethodDescriptor<Q, A> method) {
      this.call = call;
      this.method = method;
    }

    synchronized void refuse(Status status) {
      refused = true;
      call.close(status, new Metadata());
    }

    @Override
    public void request(int numMessages) {
      call.request(numMessages);
    }

    @Override
    public void sendHeaders(Metadata headers) {
      call.sendHeaders(headers);
    }

    @Override
    public synchronized void sendMessage(A message) {
      if (!refused) {
        call.sendMessage(message);
      }
    }

    @Override
    public boolean isReady() {
      return call.isReady();
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!refused) {
        call.close(status, trailers);
      }
    }

    @Override
    public boolean isCancelled() {
      return call.isCancelled();
    }

    @Override
    public void setMessageCompression(boolean enabled) {
      call.setMessageCompression(enabled);
    }

    @Override
    public void setCompression(String compressor) {
      call.setCompression(compressor);
    }

    @Override
    public void setOnReadyThreshold(int numBytes) {
      call.setOnReadyThreshold(numBytes);
    }

    @Override
    public io.grpc.SecurityLevel getSecurityLevel() {
      return call.getSecurityLevel();
    }

    @Override
    public Attributes getAttributes() {
      return call.getAttributes();
    }

    @Override
    public String getAuthority() {
      return call.getAuthority();
    }

    @Override
    public MethodDescriptor<Q, A> getMethodDescriptor() {
      return method;
    }
  }
}
