/**
 * The server side of leases (etcd's {@code etcdserver} lease methods and {@code leasehttp}): what
 * the Lease gRPC service calls. Grants and revokes are proposed through Raft; renewals and
 * time-to-live are answered by the leader's {@link io.etcdj.lease.Lessor}, so a follower forwards
 * them to the leader over the peer port ({@link io.etcdj.server.lease.LeaderForwarder}); the
 * leader's {@link io.etcdj.server.lease.LeaseLoop} proposes the revocation of expired leases and
 * the checkpoints of remaining TTLs.
 *
 * <p>Threading: gRPC threads call {@link io.etcdj.server.lease.LeaseFront}, which never blocks:
 * every answer is a future. The lease loop runs on the server's timer thread.
 */
package io.etcdj.server.lease;
