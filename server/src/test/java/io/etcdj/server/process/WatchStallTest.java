package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading must not hurt anyone else: one stream with 50 prefix watchers that
 * never reads a message, plus 100 normal watchers on 10 streams, under a load of 1 KiB puts. The
 * normal watchers must get every event with bounded latency, puts must stay within 2× of their
 * latency without watchers, and the server's live heap must stay far below what the stalled
 * stream's events would take if they were buffered (50 watchers × every put × 1 KiB). etcdj only:
 * the heap is read with jcmd.
 */
@Tag("process")
class WatchStallTest {
  private static final int PUTS = 4_000;
  private static final int WRITERS = 8;
  private static final int VALUE_BYTES = 1024;
  private static final int STALLED_WATCHERS = 50;
  private static final int NORMAL_STREAMS = 10;
  private static final int WATCHERS_PER_STREAM = 10;

  @Test
  void aStalledClientHurtsNoOne() throws Exception {
    try (EtcdProcess server = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "watch-stall")) {
      ManagedChannel writes = channel(server);
      ManagedChannel stalledChannel = channel(server);
      ManagedChannel watches = channel(server);
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(writes);
        long baselineP99 = putLoad(kv, "/base/", new ConcurrentHashMap<>());

        // The stalled client: takes the first message (created), then never reads again.
        StreamObserver<WatchRequest> stalled =
            WatchGrpc.newStub(stalledChannel)
                .watch(
                    new ClientResponseObserver<WatchRequest, WatchResponse>() {
                      @Override
                      public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
                        call.disableAutoRequestWithInitial(1);
                      }

                      @Override
                      public void onNext(WatchResponse r) {}

                      @Override
                      public void onError(Throwable t) {}

                      @Override
                      public void onCompleted() {}
                    });
        for (int i = 0; i < STALLED_WATCHERS; i++) {
          stalled.onNext(create("/load/"));
        }

        // The normal watchers: every event's latency from its put's send.
        ConcurrentHashMap<Long, Long> sentNanos = new ConcurrentHashMap<>();
        AtomicLong events = new AtomicLong();
        // (revision, arrival) pairs; latency is worked out once every put's send time is known.
        java.util.concurrent.ConcurrentLinkedQueue<long[]> arrivals = new java.util.concurrent.ConcurrentLinkedQueue<>();
        CountDownLatch created = new CountDownLatch(NORMAL_STREAMS * WATCHERS_PER_STREAM);
        List<StreamObserver<WatchRequest>> normal = new ArrayList<>();
        for (int s = 0; s < NORMAL_STREAMS; s++) {
          StreamObserver<WatchRequest> stream =
              WatchGrpc.newStub(watches)
                  .watch(
                      new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                          if (r.getCreated()) {
                            created.countDown();
                          }
                          long now = System.nanoTime();
                          r.getEventsList()
                              .forEach(
                                  e -> {
                                    events.incrementAndGet();
                                    arrivals.add(new long[] {e.getKv().getModRevision(), now});
                                  });
                        }

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                      });
          for (int w = 0; w < WATCHERS_PER_STREAM; w++) {
            stream.onNext(create("/load/"));
          }
          normal.add(stream);
        }
        assertTrue(created.await(10, TimeUnit.SECONDS), "watchers created");

        long loadedP99 = putLoad(kv, "/load/", sentNanos);
        long want = (long) PUTS * NORMAL_STREAMS * WATCHERS_PER_STREAM;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (events.get() < want && System.nanoTime() < deadline) {
          EtcdProcess.sleepMs(50);
        }
        assertEquals(want, events.get(), "every normal watcher got every event");
        long[] sorted =
            arrivals.stream().mapToLong(a -> a[1] - sentNanos.get(a[0])).sorted().toArray();
        long eventP99Ms = TimeUnit.NANOSECONDS.toMillis(sorted[(int) (sorted.length * 0.99)]);
        long heapMiB = liveHeapMiB(server.pid());
        String report =
            String.format(
                "put p99 %.2f ms without watchers, %.2f ms with; event p99 %d ms, max %d ms; live heap %d MiB",
                baselineP99 / 1e6,
                loadedP99 / 1e6,
                eventP99Ms,
                TimeUnit.NANOSECONDS.toMillis(sorted[sorted.length - 1]),
                heapMiB);
        System.out.println("WatchStallTest: " + report);
        assertTrue(eventP99Ms < 1_000, report);
        // 2x, with a 2 ms floor so a sub-millisecond baseline on an idle machine is not the bar
        assertTrue(loadedP99 <= Math.max(2 * baselineP99, 2_000_000L), report);
        // Buffering the stalled stream's events would take 50 × 4000 × 1 KiB ≈ 200 MiB.
        assertTrue(heapMiB < 100, report);
        normal.forEach(StreamObserver::onCompleted);
      } finally {
        for (ManagedChannel c : List.of(writes, stalledChannel, watches)) {
          c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
      }
    }
  }

  private static ManagedChannel channel(EtcdProcess server) {
    return NettyChannelBuilder.forTarget(server.endpoint()).usePlaintext().build();
  }

  private static WatchRequest create(String prefix) {
    return WatchRequest.newBuilder()
        .setCreateRequest(
            WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(prefix))
                .setRangeEnd(ByteString.copyFromUtf8(prefix.substring(0, prefix.length() - 1) + "0")))
        .build();
  }

  /** PUTS puts from WRITERS threads; returns the p99 latency in ns; records each send time. */
  private static long putLoad(KVGrpc.KVBlockingStub kv, String prefix, ConcurrentHashMap<Long, Long> sent)
      throws Exception {
    ByteString value = ByteString.copyFrom(new byte[VALUE_BYTES]);
    long[] latencies = new long[PUTS];
    AtomicLong next = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
    List<java.util.concurrent.Future<?>> done = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      done.add(
          pool.submit(
              () -> {
                for (long i; (i = next.getAndIncrement()) < PUTS; ) {
                  long start = System.nanoTime();
                  // The revision is known only from the answer: the send time is filed under it.
                  long rev =
                      kv.withDeadlineAfter(10, TimeUnit.SECONDS)
                          .put(
                              PutRequest.newBuilder()
                                  .setKey(ByteString.copyFrom(prefix + i, StandardCharsets.UTF_8))
                                  .setValue(value)
                                  .build())
                          .getHeader()
                          .getRevision();
                  long end = System.nanoTime();
                  sent.put(rev, start);
                  latencies[(int) i] = end - start;
                }
              }));
    }
    for (java.util.concurrent.Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    Arrays.sort(latencies);
    return latencies[(int) (PUTS * 0.99)];
  }

  /** The server's heap in use after a full GC, from jcmd. */
  private static long liveHeapMiB(long pid) throws IOException, InterruptedException {
    run("jcmd", Long.toString(pid), "GC.run");
    String info = run("jcmd", Long.toString(pid), "GC.heap_info");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
    long usedKiB = 0;
    while (m.find()) {
      usedKiB = Math.max(usedKiB, Long.parseLong(m.group(1)));
    }
    assertTrue(usedKiB > 0, "no heap figure in:\n" + info);
    return usedKiB / 1024;
  }

  private static String run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }
}
