package io.etcdj.lease;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Replicates checkpoints through Raft (etcd's {@code lease.Checkpointer}); the future completes
 * once they are applied. The server sets it; a renewal of a checkpointed lease waits on it.
 */
@FunctionalInterface
public interface Checkpointer {
  CompletableFuture<?> checkpoint(List<Checkpoint> checkpoints);
}
