package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.server.robustness.HashKvCheck;
import io.etcdj.server.robustness.KvResponse;
import io.etcdj.server.robustness.KvTraffic;
import io.etcdj.server.robustness.LinearizabilityChecker;
import io.etcdj.server.robustness.LogReader;
import io.etcdj.server.robustness.Operation;
import io.etcdj.server.robustness.RevisionChecker;
import io.etcdj.server.robustness.WriteLog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The robustness harness's baseline (issue 15): recorded jetcd traffic on a healthy three-member
 * cluster, through every member, must pass the oracles with no fault injected — the
 * linearizability search, the revision checker against the committed log, and equal HashKV on
 * every member at the head revision. Run against real etcd too, which is how the harness itself
 * is validated: an oracle that fails on etcd is wrong.
 */
@Tag("process")
class RobustnessNoFaultTest {
  private static final Duration TRAFFIC = Duration.ofSeconds(Long.getLong("etcdj.robustness.seconds", 5));
  private static final String PREFIX = "rb/";

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void trafficOnAHealthyClusterPassesEveryOracle(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "robust-nofault")) {
      List<String> endpoints = new ArrayList<>();
      c.members().forEach(m -> endpoints.add(m.clientUrl()));
      List<Operation> history = KvTraffic.run(KvTraffic.Config.of(4, TRAFFIC, 1), endpoints);
      WriteLog log = LogReader.read(endpoints.get(0), PREFIX, Duration.ofSeconds(30));

      // The run did something worth checking: every kind of call, answered.
      Set<Class<?>> answered = new HashSet<>();
      history.stream().filter(o -> o.response() != null).forEach(o -> answered.add(o.response().getClass()));
      assertEquals(
          Set.of(KvResponse.GetResult.class, KvResponse.PutResult.class, KvResponse.DeleteResult.class, KvResponse.TxnResult.class),
          answered);
      assertTrue(history.size() > 100, "only " + history.size() + " calls in " + TRAFFIC);
      assertTrue(log.lastRevision() > 20, "only " + log.lastRevision() + " revisions");

      // Calls per second and per-kind latency: etcdj's JIT warm-up shows here (a fresh cluster runs at
      // a third of its later rate for its first ~10 s; -Detcdj.robustness.seconds=20 shows the climb).
      System.out.println("robustness " + kind + " no fault: " + latencies(history));
      assertEquals(List.of(), RevisionChecker.check(history, log));
      LinearizabilityChecker.Result r = LinearizabilityChecker.check(history, Duration.ofSeconds(60));
      assertTrue(r.ok(), r.explanation());

      assertEquals(1, HashKvCheck.hashesAt(endpoints, log.lastRevision()).size(), "HashKV differs between members");
    }
  }

  /** Calls and mean latency per kind of call and client (client i talks to member i mod 3). */
  private static String latencies(List<Operation> history) {
    java.util.Map<String, long[]> by = new java.util.TreeMap<>();
    for (Operation o : history) {
      if (o.response() == null) {
        continue;
      }
      String k = o.request().getClass().getSimpleName() + "@client" + o.client();
      long[] a = by.computeIfAbsent(k, x -> new long[2]);
      a[0]++;
      a[1] += o.ret() - o.call();
    }
    StringBuilder b = new StringBuilder();
    long t0 = history.stream().mapToLong(Operation::call).min().orElse(0);
    java.util.Map<Long, Integer> perSecond = new java.util.TreeMap<>();
    history.forEach(o -> perSecond.merge((o.call() - t0) / 1_000_000_000L, 1, Integer::sum));
    b.append("calls per second ").append(perSecond.values()).append("; ");
    by.forEach((k, a) -> b.append(String.format("%s %d calls %.1f ms; ", k, a[0], a[1] / 1e6 / a[0])));
    return b.toString();
  }

}
