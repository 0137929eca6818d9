/**
 * Leases (etcd's {@code lease} package): the {@link io.etcdj.lease.Lessor}, which knows every
 * lease, the keys attached to each and, on the leader, when each expires.
 *
 * <p>Expiry is decided by the leader alone and always goes through Raft: the server's lease loop
 * asks the lessor which leases have expired (rate-limited) and which remaining TTLs to checkpoint,
 * and proposes them; every member applies the resulting revoke (all attached keys deleted in one
 * revision) and checkpoint entries. No member revokes anything by its own clock.
 *
 * <p>The module does not depend on the store: it declares what it needs, {@link
 * io.etcdj.lease.RangeDeleter} (delete keys in the revoke's one write txn) and {@link
 * io.etcdj.lease.LeaseBackend} (persist lease records in the batch being applied). Time comes
 * from an injected nanosecond clock, so unit tests step it by hand and never sleep.
 *
 * <p>Threading: the apply thread is the only writer of leases and attachments; renewals and
 * lookups come from gRPC threads, the step methods from the lease loop. One lock, held briefly.
 */
package io.etcdj.lease;
