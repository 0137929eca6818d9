package io.etcdj.server.process;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC call whose request is whatever bytes the test says, not a protobuf message: grpc-java's
 * generic {@link ClientCall} with a byte-array marshaller, so a server's own decoder meets
 * malformed input. Works for every method type; the requests go as the messages of the call,
 * followed by a half-close.
 */
final class RawGrpcCall {
  private RawGrpcCall() {}

  static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** The descriptor of {@code method} with raw bytes both ways. */
  static MethodDescriptor<byte[], byte[]> raw(MethodDescriptor<?, ?> method) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
        .setFullMethodName(method.getFullMethodName())
        .setType(method.getType())
        .build();
  }

  /** A call's final status and its last response message (null if none). */
  record Answer(Status status, byte[] response) {}

  /** Sends {@code requests} on {@code method}, half-closes, and returns the call's answer (10 s at most). */
  static Answer call(Channel channel, MethodDescriptor<?, ?> method, byte[]... requests) throws Exception {
    CompletableFuture<Status> closed = new CompletableFuture<>();
    java.util.concurrent.atomic.AtomicReference<byte[]> last = new java.util.concurrent.atomic.AtomicReference<>();
    ClientCall<byte[], byte[]> call =
        channel.newCall(raw(method), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(byte[] message) {
            last.set(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            closed.complete(status);
          }
        },
        new Metadata());
    call.request(Integer.MAX_VALUE);
    for (byte[] request : requests) {
      call.sendMessage(request);
    }
    call.halfClose();
    return new Answer(closed.get(15, TimeUnit.SECONDS), last.get());
  }
}
