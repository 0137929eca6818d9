/**
 * KV request semantics (etcd's {@code etcdserver/apply.go} and the checks of {@code
 * v3rpc/key.go}): {@link io.etcdj.server.apply.RequestChecks} validates requests before they are
 * proposed; {@link io.etcdj.server.apply.KvApplier} executes them over store views. Stateless.
 */
package io.etcdj.server.apply;
