package io.etcdj.server.metrics;

import io.etcdj.server.errors.EtcdException;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * etcd's {@code etcd_server_proposals_pending} (proposals queued for raft and not answered yet)
 * and {@code etcd_server_proposals_failed_total} (proposals that ended without an apply result:
 * timed out before raft took them, or taken and not applied by their deadline). A proposal refused
 * up front (queue full, too large, stopped) is neither pending nor failed, as in etcd, where those
 * checks come before {@code Propose}; an apply error (key not found, lease not found) is a result,
 * not a failure.
 *
 * <p>Lock-free; the completion callback is one shared object, so tracking allocates only the
 * future's completion node.
 */
public final class ProposalMetrics {
  private final AtomicLong pending = new AtomicLong();
  private final Counter failed;
  private final BiConsumer<Object, Throwable> ended = this::ended;

  ProposalMetrics(PrometheusRegistry registry) {
    GaugeWithCallback.builder()
        .name("etcd_server_proposals_pending")
        .help("The current number of pending proposals to commit.")
        .callback(cb -> cb.call(pending.get()))
        .register(registry);
    failed =
        Counter.builder()
            .name("etcd_server_proposals_failed_total")
            .help("The total number of failed proposals seen.")
            .withoutExemplars()
            .register(registry);
  }

  /** A proposal entered the queue; {@code answer} completes when it is applied or fails. */
  public void queued(CompletableFuture<?> answer) {
    pending.incrementAndGet();
    answer.whenComplete(ended);
  }

  private void ended(Object result, Throwable error) {
    pending.decrementAndGet();
    if (error instanceof EtcdException e) {
      switch (e.error()) {
        case TIMEOUT, TIMEOUT_LEADER_FAIL, TIMEOUT_CONNECTION_LOST, CONTEXT_DEADLINE_EXCEEDED ->
            failed.inc();
        default -> {}
      }
    }
  }

  long pending() {
    return pending.get();
  }

  long failed() {
    return (long) failed.get();
  }
}
