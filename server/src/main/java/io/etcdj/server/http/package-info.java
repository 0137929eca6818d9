/**
 * HTTP on the client port: etcd serves {@code /health}, {@code /version}, {@code /metrics} and its
 * grpc-gateway JSON API on the same listener as gRPC. The listener tells HTTP/2 (gRPC) from
 * HTTP/1.x by the connection's first bytes and hands HTTP requests to {@link
 * io.etcdj.server.http.HttpRoute}s.
 */
package io.etcdj.server.http;
