/**
 * The etcdctl module: {@link io.etcdj.etcdctl.Ctl}, etcd 3.4.23's etcdctl (API v3) written in
 * Java and judged byte for byte against the stock binary ({@code bin/etcdctl}), and the load tool
 * in {@code benchmark} ({@code bin/benchmark}). The module depends on {@code proto} only: the CLI
 * reaches servers through the generated stubs over its own HTTP/2 transport ({@code client.h2}),
 * the load tool over grpc-netty. See docs/architecture.md, "etcdctl".
 */
package io.etcdj.etcdctl;
