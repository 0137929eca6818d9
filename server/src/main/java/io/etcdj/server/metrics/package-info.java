/**
 * etcd's Prometheus metrics: one {@link io.etcdj.server.metrics.Metrics} holder per member, owned
 * by the server and handed to the parts that record (no static registry), exposed at {@code
 * /metrics} in text format 0.0.4. Names, types, labels, help texts and histogram buckets are etcd
 * 3.4.23's (etcdserver/metrics.go, mvcc/metrics.go, wal/metrics.go, mvcc/backend/metrics.go,
 * rafthttp/metrics.go) and go-grpc-prometheus's for the gRPC server.
 *
 * <p>Threading: counters and histograms are lock-free and recorded on whatever thread does the
 * work (the apply thread included); gauges that mirror server state are read at scrape time by
 * callbacks, so recording them costs nothing. A scrape runs on its own thread, never on a Netty
 * event loop.
 */
package io.etcdj.server.metrics;
