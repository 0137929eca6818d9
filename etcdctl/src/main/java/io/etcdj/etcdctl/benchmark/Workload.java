package io.etcdj.etcdctl.benchmark;

import io.grpc.MethodDescriptor;
import java.util.function.LongFunction;

/**
 * One kind of unary request to repeat: the gRPC method and a function from request index (0 to
 * total - 1) to the request. The function is called from gRPC callback threads, so it must be
 * thread-safe and cheap; ideally it returns a prebuilt message or builds one without shared state.
 *
 * <p>{@code responses}, when not null, is given each successful response with its request index,
 * on the callback thread and inside the measured latency: it must be as cheap as an array store
 * ({@code lease-grant} keeps the granted lease ids this way, to revoke them after the run).
 */
record Workload<Req, Resp>(
    String name,
    MethodDescriptor<Req, Resp> method,
    LongFunction<Req> requests,
    Responses<Resp> responses) {
  /** Told of each response; see the class comment. */
  interface Responses<Resp> {
    void received(long index, Resp response);
  }

  Workload(String name, MethodDescriptor<Req, Resp> method, LongFunction<Req> requests) {
    this(name, method, requests, null);
  }

  Workload {
    if (name == null || method == null || requests == null) {
      throw new NullPointerException("name, method and requests are required");
    }
    if (method.getType() != MethodDescriptor.MethodType.UNARY) {
      throw new IllegalArgumentException("only unary methods are benchmarked: " + method);
    }
  }
}
