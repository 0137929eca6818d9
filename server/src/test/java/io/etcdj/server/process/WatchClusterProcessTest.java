package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Watches on a three-member cluster through jetcd 0.8, one {@link Client} per member so the test chooses which member
 * serves each watch.
 *
 * <p>Failover: a watch on a follower sees a steady stream of puts written through the other follower; the leader is
 * killed -9 mid-way; the follower's watch is then given up (or ends by itself) and a new watch is opened on the other
 * survivor from the last revision received + 1. The two watches together must deliver exactly the puts the store
 * holds, in revision order: every acknowledged put at its revision, a put whose client gave up at most once, nothing
 * twice, no gap.
 *
 * <p>Require leader: a watch opened with {@code hasleader=true} on a member that then loses its leader (the other two
 * hung with SIGSTOP) is cancelled with Unavailable "etcdserver: no leader" (etcd's {@code monitorLeader}: three checks
 * an election timeout apart), while a plain watch on the same member stays open; a new require-leader watch is
 * refused at once.
 *
 * <p>Both were first run against etcd 3.4.23 ({@code -Detcdj.process.kinds=ETCD}). Writes go through raw gRPC stubs
 * without retries (jetcd retries unary calls), so an acknowledged put is exactly one applied put.
 */
@Tag("process")
class WatchClusterProcessTest {
  private static final String PREFIX = "/wc/";
  /** Short, so the writer moves on quickly while there is no leader; a put that timed out has an unknown outcome. */
  private static final Duration PUT_DEADLINE = Duration.ofSeconds(2);

  private static final int EVENTS_BEFORE_KILL_MIN = 100;
  private static final int ACKS_AFTER_KILL_MIN = 100;
  private static final int ACKS_AFTER_SWITCH_MIN = 100;
  private static final Duration PHASE_BOUND = Duration.ofSeconds(20);
  /** Every acknowledged put reaches a live watch within this. */
  private static final Duration DELIVERY_BOUND = Duration.ofSeconds(10);
  /**
   * Hang to cancellation of a require-leader watch. etcd 3.4: the survivor notices within an election timeout or two,
   * then {@code monitorLeader} needs three more checks one election timeout apart (about 4–5 s in all).
   */
  private static final Duration NO_LEADER_CANCEL_BOUND = Duration.ofSeconds(15);

  private static final String NO_LEADER = "etcdserver: no leader";

  // ------------------------------------------------------------ failover

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void watchResumedOnAnotherMemberAfterLeaderKillDeliversEveryPutOnce(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "watchfailover")) {
      EtcdProcess leader = c.awaitLeader(ClusterProcessTest.ELECTION_BOUND);
      List<EtcdProcess> followers = LeaderLossProcessTest.others(c, leader);
      EtcdProcess watched = followers.get(0);
      EtcdProcess written = followers.get(1);
      try (Client watchedClient = Client.builder().endpoints(watched.clientUrl()).build();
          Client writtenClient = Client.builder().endpoints(written.clientUrl()).build();
          Writer writer = new Writer(c, written)) {
        long startNs = System.nanoTime();
        Recorder first = new Recorder();
        // From revision 1, so no put is missed even if the writer starts before the watch is created.
        Watch.Watcher firstWatch =
            watchedClient.getWatchClient().watch(bs(PREFIX), prefixFrom(1).build(), first);
        writer.start();
        await(() -> first.count() >= EVENTS_BEFORE_KILL_MIN && writer.acked() >= EVENTS_BEFORE_KILL_MIN,
            "events on the follower's watch before the kill", first, writer);
        int eventsBeforeKill = first.count();
        long killNs = System.nanoTime();
        c.kill(leader);

        // Writes resume under a new leader; then the follower's watch is given up, if it has not ended by itself.
        await(() -> first.ended() || writer.ackedSentAfter(killNs) >= ACKS_AFTER_KILL_MIN,
            "acks after the kill", first, writer);
        Map<String, Long> sentNs = writer.sentNs();
        long firstAfterKillMs = first.firstReceived(e -> sentNs.get(e.key()) > killNs, killNs);
        String firstEnd = first.stop();
        firstWatch.close();
        long resumeFrom = first.lastRevision() + 1;
        assertTrue(resumeFrom > 1, "the follower's watch received nothing");

        Recorder second = new Recorder();
        long switchNs = System.nanoTime();
        Watch.Watcher secondWatch =
            writtenClient.getWatchClient().watch(bs(PREFIX), prefixFrom(resumeFrom).build(), second);
        await(() -> writer.ackedSentAfter(switchNs) >= ACKS_AFTER_SWITCH_MIN, "acks after the switch", second, writer);
        writer.stop();

        // The store's own account of what was applied: each key is written at most once.
        RangeResponse stored =
            ClusterProcessTest.range(c, written, ClusterProcessTest.prefixRange(PREFIX).build());
        List<Ev> expected = new ArrayList<>();
        for (KeyValue kv : stored.getKvsList()) {
          expected.add(new Ev(kv.getModRevision(), kv.getKey().toStringUtf8(), kv.getValue().toStringUtf8()));
        }
        expected.sort((a, b) -> Long.compare(a.revision(), b.revision()));
        long lastRevision = expected.isEmpty() ? 0 : expected.get(expected.size() - 1).revision();
        await(() -> second.lastRevision() >= lastRevision || second.ended(),
            "the resumed watch to reach revision " + lastRevision, second, writer);
        String secondEnd = second.stop();
        secondWatch.close();
        assertNull(secondEnd, "the resumed watch ended");

        List<Ev> received = new ArrayList<>(first.events());
        received.addAll(second.events());
        checkAgainstPuts(received, expected, writer, eventsBeforeKill);
        ClusterProcessTest.measured(
            kind,
            "watch failover: "
                + writer.acked()
                + " puts acked, "
                + writer.unknown()
                + " unknown ("
                + writer.sampleError()
                + "), of which "
                + (expected.size() - writer.acked())
                + " applied; follower watch "
                + eventsBeforeKill
                + " events before the kill, "
                + (firstAfterKillMs < 0
                    ? "no put sent after the kill reached it, "
                    : "the first put sent after the kill arrived at +" + firstAfterKillMs + " ms, ")
                + first.count()
                + " in all, "
                + (firstEnd == null ? "still open" : "ended: " + firstEnd)
                + "; resumed from "
                + resumeFrom
                + " on the other survivor, "
                + second.count()
                + " events; "
                + ClusterProcessTest.ms(startNs)
                + " ms");
      }
    }
  }

  /**
   * The received events equal the applied puts in revision order; every acknowledged put is among them at its
   * revision and a put with an unknown outcome appears at most once. Each put writes a fresh key and value.
   */
  private static void checkAgainstPuts(List<Ev> received, List<Ev> stored, Writer writer, int eventsBeforeKill) {
    assertTrue(eventsBeforeKill > 0, "no event through the follower while the leader was alive");
    long prev = 0;
    Set<String> keys = new HashSet<>();
    Map<String, String> attempted = writer.attempted();
    for (Ev e : received) {
      assertTrue(e.revision() > prev, "event out of order or repeated: " + e + " after revision " + prev);
      prev = e.revision();
      assertTrue(keys.add(e.key()), "key delivered twice: " + e);
      assertEquals(attempted.get(e.key()), e.value(), "value of " + e + " (never put, if null)");
    }
    for (Map.Entry<String, Long> a : writer.acks().entrySet()) {
      assertTrue(keys.contains(a.getKey()), "acknowledged put of " + a.getKey() + " at " + a.getValue() + " missing");
    }
    Map<String, Long> receivedRev = new HashMap<>();
    for (Ev e : received) {
      receivedRev.put(e.key(), e.revision());
    }
    for (Map.Entry<String, Long> a : writer.acks().entrySet()) {
      assertEquals(a.getValue(), receivedRev.get(a.getKey()), "revision of the acknowledged put of " + a.getKey());
    }
    if (!received.equals(stored)) {
      int i = 0;
      while (i < received.size() && i < stored.size() && received.get(i).equals(stored.get(i))) {
        i++;
      }
      fail(
          "received "
              + received.size()
              + " events, the store holds "
              + stored.size()
              + " puts; first difference at #"
              + i
              + ": received "
              + (i < received.size() ? received.get(i) : "nothing")
              + ", stored "
              + (i < stored.size() ? stored.get(i) : "nothing"));
    }
  }

  // ------------------------------------------------------------ require leader

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void requireLeaderWatchIsCanceledWhenItsMemberLosesTheLeader(EtcdProcess.Kind kind) throws Exception {
    try (EtcdCluster c = EtcdCluster.start(kind, "watchnoleader")) {
      EtcdProcess leader = c.awaitLeader(ClusterProcessTest.ELECTION_BOUND);
      EtcdProcess survivor = LeaderLossProcessTest.others(c, leader).get(0);
      List<EtcdProcess> hung = LeaderLossProcessTest.others(c, survivor);
      try (Client client = Client.builder().endpoints(survivor.clientUrl()).build()) {
        Recorder required = new Recorder();
        Recorder plain = new Recorder();
        client.getWatchClient().watch(bs(PREFIX), prefixFrom(1).withRequireLeader(true).build(), required);
        client.getWatchClient().watch(bs(PREFIX), prefixFrom(1).build(), plain);
        RawWatch raw = RawWatch.open(LeaderLossProcessTest.requireLeader(c.channel(survivor)), PREFIX);
        ClusterProcessTest.awaitPut(c, leader, PREFIX + "before", "1", ClusterProcessTest.CALL_TIMEOUT);
        await(() -> required.count() == 1 && plain.count() == 1 && raw.events() == 1,
            "the put through every watch", required, null);

        long hungNs = System.nanoTime();
        for (EtcdProcess m : hung) {
          m.pause();
        }
        try {
          StatusRuntimeException rawEnd = raw.awaitError(NO_LEADER_CANCEL_BOUND);
          long rawMs = ClusterProcessTest.ms(hungNs);
          LeaderLossProcessTest.assertStatus(Status.Code.UNAVAILABLE, NO_LEADER, rawEnd, "raw require-leader watch");
          await(() -> required.ended(), "jetcd's require-leader watch to end", required, null);
          long jetcdMs = ClusterProcessTest.ms(hungNs);
          String requiredEnd = required.stop();
          assertTrue(requiredEnd.contains(NO_LEADER), "jetcd's require-leader watch ended with " + requiredEnd);
          assertEquals(0, c.status(survivor).leader(), "the survivor still names a leader");
          assertNull(plain.endReason(), "a watch without require-leader ended without a leader");

          // Opened while there is no leader: refused at once.
          long refusedNs = System.nanoTime();
          RawWatch late = RawWatch.open(LeaderLossProcessTest.requireLeader(c.channel(survivor)), PREFIX);
          StatusRuntimeException lateEnd = late.awaitError(Duration.ofSeconds(5));
          long lateMs = ClusterProcessTest.ms(refusedNs);
          LeaderLossProcessTest.assertStatus(Status.Code.UNAVAILABLE, NO_LEADER, lateEnd, "new require-leader watch");
          assertTrue(lateMs < LeaderLossProcessTest.AT_ONCE_MS, "refused after " + lateMs + " ms");
          ClusterProcessTest.measured(
              kind,
              "watch without a leader: raw require-leader watch cancelled "
                  + rawMs
                  + " ms after the hang, jetcd's at "
                  + jetcdMs
                  + " ms ("
                  + requiredEnd
                  + "); plain watch still open; a new one refused in "
                  + lateMs
                  + " ms");
        } finally {
          for (EtcdProcess m : hung) {
            m.resume();
          }
          raw.close();
        }
        c.awaitLeader(ClusterProcessTest.ELECTION_BOUND);
        // The plain watch survived the spell without a leader and still delivers.
        ClusterProcessTest.awaitPut(c, survivor, PREFIX + "after", "2", ClusterProcessTest.CATCH_UP_BOUND);
        await(() -> plain.count() == 2, "the put after the leader came back on the plain watch", plain, null);
        assertNull(plain.stop(), "the plain watch ended");
      }
    }
  }

  // ------------------------------------------------------------ helpers

  /** One put event as delivered (or as stored). */
  record Ev(long revision, String key, String value) {}

  private static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private static WatchOption.Builder prefixFrom(long revision) {
    return WatchOption.builder().isPrefix(true).withRevision(revision);
  }

  private static void await(BooleanSupplier done, String what, Recorder watch, Writer writer) {
    long deadlineNs = System.nanoTime() + PHASE_BOUND.toNanos();
    while (System.nanoTime() < deadlineNs) {
      if (done.getAsBoolean()) {
        return;
      }
      if (writer != null) {
        writer.failOnUnexpected();
      }
      EtcdProcess.sleepMs(20);
    }
    fail(
        "no "
            + what
            + " within "
            + PHASE_BOUND
            + ": watch has "
            + watch.count()
            + " events up to revision "
            + watch.lastRevision()
            + (watch.endReason() == null ? "" : ", ended: " + watch.endReason())
            + (writer == null ? "" : "; writer " + writer.acked() + " acked, " + writer.unknown() + " unknown, e.g. "
                + writer.sampleError()));
  }

  /**
   * A jetcd watch listener that keeps the put events it receives until {@link #stop}. jetcd calls it on one event-loop
   * thread; the test thread reads it, so everything is under its lock. After an error jetcd may resume the watch by
   * itself; events after the first error or after stop are not kept (the test resumes on another member instead).
   */
  private static final class Recorder implements Watch.Listener {
    private final List<Ev> events = new ArrayList<>();
    private final List<Long> receivedNs = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private String endReason;
    private boolean stopped;

    @Override
    public synchronized void onNext(WatchResponse response) {
      if (stopped || endReason != null) {
        return;
      }
      long now = System.nanoTime();
      for (WatchEvent e : response.getEvents()) {
        if (e.getEventType() != WatchEvent.EventType.PUT) {
          problems.add("unexpected " + e.getEventType() + " of " + e.getKeyValue().getKey());
          continue;
        }
        events.add(
            new Ev(
                e.getKeyValue().getModRevision(),
                e.getKeyValue().getKey().toString(StandardCharsets.UTF_8),
                e.getKeyValue().getValue().toString(StandardCharsets.UTF_8)));
        receivedNs.add(now);
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      if (endReason == null && !stopped) {
        endReason = "error: " + t.getMessage();
      }
    }

    @Override
    public synchronized void onCompleted() {
      if (endReason == null && !stopped) {
        endReason = "completed";
      }
    }

    synchronized int count() {
      return events.size();
    }

    synchronized long lastRevision() {
      return events.isEmpty() ? 0 : events.get(events.size() - 1).revision();
    }

    synchronized boolean ended() {
      return endReason != null;
    }

    synchronized String endReason() {
      return endReason;
    }

    /** No more events are kept; returns why the watch had ended by itself, or null. Fails on unexpected events. */
    synchronized String stop() {
      stopped = true;
      assertEquals(List.of(), problems, "unexpected events");
      return endReason;
    }

    synchronized List<Ev> events() {
      return List.copyOf(events);
    }

    /** Milliseconds from {@code sinceNs} to the receipt of the first event that passes {@code test}, or -1. */
    synchronized long firstReceived(java.util.function.Predicate<Ev> test, long sinceNs) {
      for (int i = 0; i < events.size(); i++) {
        if (test.test(events.get(i))) {
          return TimeUnit.NANOSECONDS.toMillis(receivedNs.get(i) - sinceNs);
        }
      }
      return -1;
    }
  }

  /**
   * One thread putting fresh keys ({@code /wc/00001}, …) with unique values through one member, one at a time, without
   * retries. Each put is acknowledged with its revision or, if it fails or times out, has an unknown outcome.
   */
  private static final class Writer implements AutoCloseable {
    private final EtcdCluster cluster;
    private final EtcdProcess target;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Thread thread;
    private final ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    // Guarded by this.
    private final Map<String, String> attempted = new HashMap<>();
    private final Map<String, Long> acks = new HashMap<>();
    private final List<Long> ackSentNs = new ArrayList<>();
    private final Map<String, Long> sentNs = new HashMap<>();
    private final List<String> errors = new ArrayList<>();

    Writer(EtcdCluster cluster, EtcdProcess target) {
      this.cluster = cluster;
      this.target = target;
      this.thread = new Thread(this::run, "watch-writer");
      thread.setDaemon(true);
    }

    void start() {
      thread.start();
    }

    private void run() {
      try {
        for (int seq = 1; !stop.get(); seq++) {
          String key = String.format("%s%05d", PREFIX, seq);
          String value = "v" + seq + "-" + System.nanoTime();
          long sentNs = System.nanoTime();
          synchronized (this) {
            attempted.put(key, value);
            this.sentNs.put(key, sentNs);
          }
          try {
            long rev =
                cluster
                    .kvBlocking(target)
                    .withDeadlineAfter(PUT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                    .put(ClusterProcessTest.put(key, value))
                    .getHeader()
                    .getRevision();
            synchronized (this) {
              acks.put(key, rev);
              ackSentNs.add(sentNs);
            }
          } catch (StatusRuntimeException e) {
            synchronized (this) {
              // gRPC's own deadline text carries connection details; the code says it all
              errors.add(
                  e.getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
                      ? "DEADLINE_EXCEEDED (client)"
                      : e.getStatus().getCode() + " " + e.getStatus().getDescription());
            }
            EtcdProcess.sleepMs(20);
          }
        }
      } catch (RuntimeException | Error e) {
        unexpected.add(e);
      }
    }

    synchronized int acked() {
      return acks.size();
    }

    synchronized int unknown() {
      return errors.size();
    }

    /** When each put was sent (System.nanoTime), by key. */
    synchronized Map<String, Long> sentNs() {
      return new HashMap<>(sentNs);
    }

    synchronized int ackedSentAfter(long ns) {
      int n = 0;
      for (int i = ackSentNs.size() - 1; i >= 0 && ackSentNs.get(i) >= ns; i--) {
        n++;
      }
      return n;
    }

    synchronized String sampleError() {
      return errors.isEmpty() ? "no errors" : errors.get(0);
    }

    synchronized Map<String, String> attempted() {
      return new HashMap<>(attempted);
    }

    synchronized Map<String, Long> acks() {
      return new HashMap<>(acks);
    }

    void failOnUnexpected() {
      Throwable t = unexpected.peek();
      if (t != null) {
        throw new AssertionError("the writer failed: " + t, t);
      }
    }

    void stop() throws InterruptedException {
      stop.set(true);
      thread.join(PUT_DEADLINE.toMillis() * 3);
      assertTrue(!thread.isAlive(), "the writer did not stop");
      failOnUnexpected();
    }

    @Override
    public void close() {
      stop.set(true);
    }
  }

  /** A Watch stream over raw gRPC (to see the exact status it ends with), counting the events it receives. */
  private static final class RawWatch implements StreamObserver<io.etcdj.api.etcdserverpb.WatchResponse> {
    private final CompletableFuture<Throwable> end = new CompletableFuture<>();
    private final java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();
    private StreamObserver<WatchRequest> requests;

    static RawWatch open(io.grpc.Channel channel, String prefix) {
      RawWatch w = new RawWatch();
      w.requests = WatchGrpc.newStub(channel).watch(w);
      w.requests.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(
                  WatchCreateRequest.newBuilder()
                      .setKey(ClusterProcessTest.bs(prefix))
                      .setStartRevision(1)
                      .setRangeEnd(ClusterProcessTest.prefixRange(prefix).getRangeEnd()))
              .build());
      return w;
    }

    int events() {
      return events.get();
    }

    StatusRuntimeException awaitError(Duration bound) throws Exception {
      Throwable t = end.get(bound.toMillis(), TimeUnit.MILLISECONDS);
      assertNotNull(t, "the stream completed without an error");
      assertTrue(t instanceof StatusRuntimeException, "ended with " + t);
      return (StatusRuntimeException) t;
    }

    @Override
    public void onNext(io.etcdj.api.etcdserverpb.WatchResponse r) {
      events.addAndGet(r.getEventsCount());
    }

    @Override
    public void onError(Throwable t) {
      end.complete(t);
    }

    @Override
    public void onCompleted() {
      end.complete(null);
    }

    void close() {
      if (!end.isDone()) {
        requests.onError(Status.CANCELLED.withDescription("test done").asRuntimeException());
      }
    }
  }
}
