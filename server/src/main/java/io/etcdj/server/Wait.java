package io.etcdj.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Futures of proposals keyed by request id (etcd's {@code pkg/wait}). A gRPC thread registers an
 * id before proposing; the apply thread triggers it with the response or an exception once the
 * entry is applied. Ids not registered (entries replayed after a restart) are ignored.
 */
final class Wait {
  private final ConcurrentHashMap<Long, CompletableFuture<Object>> pending =
      new ConcurrentHashMap<>();

  CompletableFuture<Object> register(long id) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    if (pending.putIfAbsent(id, f) != null) {
      throw new IllegalStateException("duplicate request id " + id);
    }
    return f;
  }

  void trigger(long id, Object result) {
    CompletableFuture<Object> f = pending.remove(id);
    if (f == null) {
      return;
    }
    if (result instanceof Throwable t) {
      f.completeExceptionally(t);
    } else {
      f.complete(result);
    }
  }

  void cancel(long id, Throwable cause) {
    CompletableFuture<Object> f = pending.remove(id);
    if (f != null) {
      f.completeExceptionally(cause);
    }
  }

  /** True while someone waits for {@code id} (it was neither answered nor given up). */
  boolean pending(long id) {
    return pending.containsKey(id);
  }

  /** Fails every pending future, on shutdown. */
  void failAll(Throwable cause) {
    for (Long id : pending.keySet()) {
      cancel(id, cause);
    }
  }

  int size() {
    return pending.size();
  }
}
