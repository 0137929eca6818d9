/**
 * etcd's client-side concurrency recipes, which etcd also serves as the {@code v3lockpb.Lock} and
 * {@code v3electionpb.Election} gRPC services: {@link io.etcdj.server.concurrency.Session} (the
 * owning lease), {@link io.etcdj.server.concurrency.Mutex} and {@link
 * io.etcdj.server.concurrency.Election}. Mirrors etcd 3.4's {@code clientv3/concurrency}
 * ({@code session.go}, {@code mutex.go}, {@code election.go}, {@code key.go}): the same keys, the
 * same KV requests and the same cleanup, so a client sees the same revisions and errors.
 *
 * <p>Owns only request logic. It talks to a member like any client, through async KV, Watch and
 * Lease stubs on a gRPC {@link io.grpc.Channel} ({@link io.etcdj.server.concurrency.V3Client});
 * the member serves those stubs in-process, as etcd's {@code v3client} does.
 *
 * <p>Threading: nothing blocks. Every operation is a chain of {@link
 * java.util.concurrent.CompletableFuture} callbacks run on the channel's executor; waiting for a
 * lock or a leadership is an open Watch stream, not a parked thread. Cancellation follows the gRPC
 * {@link io.grpc.Context} the caller passes in (a server handler's context), as clientv3 follows a
 * Go context; cleanup after a cancellation runs detached from it, with its own deadline.
 */
package io.etcdj.server.concurrency;
