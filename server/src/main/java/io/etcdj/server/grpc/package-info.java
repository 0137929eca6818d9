/**
 * The client-facing gRPC services (etcd's {@code etcdserver/api/v3rpc}). Handlers never block:
 * they validate, then either read a store view or propose and answer from the apply thread when
 * the future completes. Every error goes through {@link io.etcdj.server.errors.ErrorMapping}.
 * Lock and Election (etcd's {@code v3lock} and {@code v3election}) run the recipes of {@code
 * io.etcdj.server.concurrency} over an in-process channel to the same KV and Watch services.
 */
package io.etcdj.server.grpc;
