/**
 * Client-visible errors: {@link io.etcdj.server.errors.EtcdError} lists etcd's codes and messages
 * (etcd's {@code rpctypes}), and {@link io.etcdj.server.errors.ErrorMapping} is the single table
 * that turns any failure into a gRPC status. Thread-safe, stateless.
 */
package io.etcdj.server.errors;
