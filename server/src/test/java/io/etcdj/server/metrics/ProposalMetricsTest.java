package io.etcdj.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.etcdj.server.errors.EtcdError;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A proposal is pending until answered; only a timeout or deadline counts as failed. */
class ProposalMetricsTest {
  @ParameterizedTest(name = "{0} -> failed {1}")
  @CsvSource({
    "APPLIED, 0",
    "TIMEOUT, 1",
    "TIMEOUT_LEADER_FAIL, 1",
    "TIMEOUT_CONNECTION_LOST, 1",
    "CONTEXT_DEADLINE_EXCEEDED, 1",
    "KEY_NOT_FOUND, 0",
    "LEASE_NOT_FOUND, 0",
    "STOPPED, 0"
  })
  void countsPendingUntilAnsweredAndFailuresByKind(String outcome, long failed) {
    ProposalMetrics m = new ProposalMetrics(new PrometheusRegistry());
    CompletableFuture<Object> answer = new CompletableFuture<>();
    m.queued(answer);
    assertEquals(1, m.pending());
    if (outcome.equals("APPLIED")) {
      answer.complete("ok");
    } else {
      answer.completeExceptionally(EtcdError.valueOf(outcome).exception());
    }
    assertEquals(0, m.pending());
    assertEquals(failed, m.failed());
  }
}
