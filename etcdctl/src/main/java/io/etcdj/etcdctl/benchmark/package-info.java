/**
 * {@code benchmark}: a load tool for any etcd v3 endpoint (real etcd or etcdj), modelled on etcd's
 * {@code tools/benchmark} ({@code cmd/root.go}, {@code put.go}, {@code range.go}, {@code watch.go},
 * {@code watch_latency.go}, {@code lease.go}; {@code lease-grant} is etcdj's own) and its report
 * ({@code pkg/report/report.go}). It talks raw gRPC through the {@code etcdj-proto} stubs; no client
 * library sits between the tool and the server.
 *
 * <p>Owns: flag parsing ({@link io.etcdj.etcdctl.benchmark.Benchmark}, {@code PutCommand}, {@code
 * RangeCommand}, {@code WatchCommand}, {@code WatchLatencyCommand}, {@code LeaseKeepAliveCommand},
 * {@code LeaseGrantCommand}), key generation ({@code PutKeys}, {@code WatchKeys}), the connections
 * ({@code Connections}), the load loop ({@code LoadRunner}), the watch streams ({@code
 * WatchStreams}), the keepalive loop ({@code KeepAliveRunner}), lease grants and revokes ({@code
 * Leases}), put-to-event timing ({@code EventTimes}), request pacing ({@code RateLimiter}) and the
 * report ({@code Report}).
 *
 * <p>Load model, as in etcd: {@code --conns} channels (one TCP connection each, endpoints taken
 * round-robin) and {@code --clients} request loops spread over them round-robin. Each loop keeps
 * exactly one request in flight; all loops draw request indexes from one shared counter and stop
 * once {@code --total} requests have been sent, so the total is exact whatever the client count.
 *
 * <p>Threading: the command's thread builds the channels, starts every loop once, then blocks until
 * the last loop finishes. After that, loops are driven only by gRPC response callbacks, which run
 * on the netty event loops ({@code directExecutor}); with {@code --rate}, a single scheduler thread
 * performs delayed sends. Per-loop latency histograms and error counts are loop-confined and merged
 * by the command's thread after the run, so the hot path takes no lock.
 *
 * <p>Watch commands: each watch stream is one bidirectional call whose callbacks run on its
 * channel's event loop; it creates its watchers one at a time and counts its events against the
 * number it expects, and the command waits (bounded by {@code --wait-timeout}) for every stream.
 * The puts are a {@code LoadRunner} run over the same connections ({@code watch}) or over one
 * connection of their own with one loop ({@code watch-latency}).
 *
 * <p>Lease commands: {@code lease-keepalive} grants one lease per loop before the clock starts,
 * then runs the keepalives with {@code LoadRunner}'s load model over LeaseKeepAlive streams (one
 * per keepalive as etcd's tool, or one per loop). Both lease commands revoke what they granted
 * after the measurement ({@code --revoke-after}, default true) and exit with 1 when the server
 * answers UNIMPLEMENTED.
 *
 * <p>Measurement: latency is taken from just before the call starts to its completion, recorded in
 * microseconds into HdrHistogram (3 significant digits). Total time runs from the first send to the
 * last completion; requests/sec counts successful requests, as etcd's report does. Output is etcd's
 * report text plus a {@code RESULT key=value ...} line, or one JSON object with {@code --json}.
 */
package io.etcdj.etcdctl.benchmark;
