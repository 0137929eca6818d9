package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The load loop end to end over gRPC's in-process transport against {@link FakeKv}. */
class LoadRunnerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private Server server;

  private FakeKv start(long failEvery, int channelCount, boolean direct) throws Exception {
    FakeKv kv = new FakeKv(failEvery);
    String name = InProcessServerBuilder.generateName();
    InProcessServerBuilder serverBuilder = InProcessServerBuilder.forName(name).addService(kv);
    server = (direct ? serverBuilder.directExecutor() : serverBuilder).build().start();
    for (int i = 0; i < channelCount; i++) {
      InProcessChannelBuilder builder = InProcessChannelBuilder.forName(name);
      channels.add((direct ? builder.directExecutor() : builder).build());
    }
    return kv;
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.shutdownNow();
    }
  }

  private static Workload<PutRequest, PutResponse> puts(int keySize, int valueSize, long keySpace) {
    return PutCommand.workload(
        new PutKeys(keySize, keySpace, true, 1), PutCommand.randomValue(valueSize, 1));
  }

  @ParameterizedTest(name = "clients={0} conns={1} total={2} direct={3}")
  @CsvSource({
    "1, 1, 500, false",
    "8, 3, 1001, false",
    "100, 10, 5000, false",
    "50, 1, 7, false",
    "16, 4, 3000, true",
  })
  void sendsExactlyTotalRequestsWithTheRightSizes(
      int clients, int conns, long total, boolean direct) throws Exception {
    FakeKv kv = start(0, conns, direct);
    LoadRunner runner = new LoadRunner(channels, clients, total, null, null, System::nanoTime);
    RunResult result = assertTimeoutPreemptively(TIMEOUT, () -> runner.run(puts(16, 256, 100)));

    assertEquals(total, kv.puts.get());
    assertEquals(total, result.successes());
    assertEquals(0, result.failures());
    assertEquals(Map.of(16, total), longs(kv.keySizes));
    assertEquals(Map.of(256, total), longs(kv.valueSizes));
    assertEquals(Math.min(total, 100), kv.keys.size());
    assertTrue(kv.inFlightMax.get() <= clients, "in flight " + kv.inFlightMax.get());
    assertTrue(result.elapsedNanos() > 0);
  }

  @Test
  void failedRequestsAreCountedByMessage() throws Exception {
    FakeKv kv = start(10, 2, false);
    LoadRunner runner = new LoadRunner(channels, 4, 1000, null, null, System::nanoTime);
    RunResult result = assertTimeoutPreemptively(TIMEOUT, () -> runner.run(puts(8, 8, 1)));

    assertEquals(1000, kv.puts.get());
    assertEquals(100, result.failures());
    assertEquals(900, result.successes());
    assertEquals(
        Map.of("rpc error: code = Unavailable desc = fake failure", 100L), result.errorCounts());
  }

  @Test
  void manyInlineFailuresDoNotOverflowTheStack() throws Exception {
    // Direct executors on both sides complete each call inside the send: the trampoline must loop.
    FakeKv kv = start(1, 1, true);
    LoadRunner runner = new LoadRunner(channels, 1, 200_000, null, null, System::nanoTime);
    RunResult result = assertTimeoutPreemptively(TIMEOUT, () -> runner.run(puts(8, 8, 1)));
    assertEquals(200_000, kv.puts.get());
    assertEquals(200_000, result.failures());
  }

  @Test
  void aFailingRequestBuilderCountsAsAFailure() throws Exception {
    start(0, 1, false);
    Workload<PutRequest, PutResponse> broken =
        new Workload<>(
            "put",
            KVGrpc.getPutMethod(),
            index -> {
              throw new IllegalStateException("no request " + index);
            });
    LoadRunner runner = new LoadRunner(channels, 3, 30, null, null, System::nanoTime);
    RunResult result = assertTimeoutPreemptively(TIMEOUT, () -> runner.run(broken));
    assertEquals(30, result.failures());
  }

  @Test
  void rateLimitedRunStillSendsEverything() throws Exception {
    FakeKv kv = start(0, 2, false);
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      // 2000/s for 200 requests: about 0.1 s; the limiter spaces the starts.
      RateLimiter limiter = new RateLimiter(2000, System::nanoTime);
      LoadRunner runner = new LoadRunner(channels, 8, 200, limiter, scheduler, System::nanoTime);
      RunResult result = assertTimeoutPreemptively(TIMEOUT, () -> runner.run(puts(8, 8, 1)));
      assertEquals(200, kv.puts.get());
      assertEquals(200, result.successes());
      assertTrue(result.elapsedNanos() >= 90_000_000L, "elapsed " + result.elapsedNanos());
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void rangeRequestsCarryTheConsistency() throws Exception {
    FakeKv kv = start(0, 1, false);
    RangeCommand range = new RangeCommand();
    range.key = "foo";
    range.consistency = "s";
    range.total = 50;
    LoadRunner runner = new LoadRunner(channels, 5, 50, null, null, System::nanoTime);
    RunResult result = assertTimeoutPreemptively(TIMEOUT, () -> runner.run(range.workload()));
    assertEquals(50, result.successes());
    assertEquals(Map.of(true, 50L), longs(kv.serializable));
  }

  private static <K> Map<K, Long> longs(Map<K, java.util.concurrent.atomic.AtomicLong> counts) {
    Map<K, Long> plain = new java.util.HashMap<>();
    counts.forEach((k, v) -> plain.put(k, v.get()));
    return plain;
  }
}
