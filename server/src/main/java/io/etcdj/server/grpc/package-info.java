/**
 * The client-facing gRPC services (etcd's {@code etcdserver/api/v3rpc}). Handlers never block:
 * they validate, then either read a store view or propose and answer from the apply thread when
 * the future completes. Every error goes through {@link io.etcdj.server.errors.ErrorMapping}.
 */
package io.etcdj.server.grpc;
