/**
 * etcd's JSON gateway on the client port: grpc-gateway v1 as etcd 3.4 mounts it at {@code /v3/}
 * (and {@code /v3beta/}), turning a POSTed JSON request into a call on the member's own gRPC
 * services and the answer back into JSON (etcd's {@code embed/serve.go} and the generated {@code
 * *.pb.gw.go} files).
 *
 * <p>{@link io.etcdj.server.gateway.GatewayRoute} is the {@link io.etcdj.server.http.HttpRoute}
 * the client port's HTTP dispatcher hands {@code /v3/} requests to. Requests are read with Go's
 * rules and error texts ({@code GoJson}, {@code JsonpbReader}); answers are printed by
 * protobuf-java-util's JsonFormat ({@code GatewayJson}); calls run in-process behind the client
 * port's guard ({@code GatewayExchange}).
 *
 * <p>Threading: everything runs on the HTTP connection's Netty event loop, and never blocks; the
 * in-process calls call back on that loop.
 */
package io.etcdj.server.gateway;
