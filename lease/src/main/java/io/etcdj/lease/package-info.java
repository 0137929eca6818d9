/**
 * Lease: the {@code Lessor} (etcd's {@code lease/lessor.go}) with an injected clock. Expiry is
 * decided by the leader and proposed through Raft; revoke deletes all attached keys in one
 * revision. Empty until the Lease issue.
 */
package io.etcdj.lease;
