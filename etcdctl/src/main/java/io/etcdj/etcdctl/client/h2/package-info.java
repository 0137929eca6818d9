/**
 * A lean gRPC transport for etcdctl: {@link io.etcdj.etcdctl.client.h2.H2Channel} implements
 * grpc-api's {@code Channel} over a hand-written HTTP/2 cleartext client (prior knowledge, RFC 7540)
 * on a plain socket, so the generated stubs run unchanged while grpc-core and netty (about 2,000
 * classes and their event loops, most of a CLI's start time) are never loaded.
 *
 * <p>Layers: {@code Frame} (frame codec), {@code Hpack}/{@code Huffman} (RFC 7541: literal
 * encoder, full decoder), {@code SendWindows}/{@code RecvWindow} (flow-control accounting),
 * {@code H2Connection} (one socket: reader thread, serialized writes, SETTINGS/PING/GOAWAY,
 * keepalive), {@code H2Call} (one gRPC call on one stream: grpc-java's ClientCall contract),
 * {@code GrpcWire} (gRPC's HTTP/2 mapping: headers, timeouts, trailers, status codes).
 *
 * <p>Threads per channel: a reader thread per connection, a callback thread (only for calls
 * without an executor; blocking stubs bring their own), a short-lived connect thread; one timer
 * thread for the process. All are daemons. TLS (when the channel has an SSLContext) wraps the socket before the preface ({@code Tls}).
 */
package io.etcdj.etcdctl.client.h2;
