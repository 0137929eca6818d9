package io.etcdj.server.gateway;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;

/**
 * One gateway path and the RPC it calls, as one {@code google.api.http} rule of etcd 3.4's protos
 * ({@code post: "/v3/kv/range"} on {@code KV.Range}). The method's type says how the call is
 * driven: unary, server-streaming (snapshot, observe) or bidirectional (watch, keepalive).
 */
record GatewayMethod(String path, MethodDescriptor<Message, Message> method, Message requestPrototype) {
  GatewayMethod {
    if (!path.startsWith("/v3/")) {
      throw new IllegalArgumentException("gateway paths start with /v3/: " + path);
    }
  }

  boolean streamsRequests() {
    return method.getType() == MethodDescriptor.MethodType.BIDI_STREAMING;
  }

  boolean streamsResponses() {
    return method.getType() != MethodDescriptor.MethodType.UNARY;
  }
}
