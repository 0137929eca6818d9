package io.etcdj.lease;

/**
 * A lease's remaining TTL as the leader saw it, to be replicated through Raft (etcd's {@code
 * LeaseCheckpoint}). A remaining TTL of 0 clears an earlier checkpoint (the full TTL applies).
 */
public record Checkpoint(long leaseId, long remainingTtlSeconds) {}
