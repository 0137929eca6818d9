package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.options.GetOption;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * kill -9 in the middle of a stream of acknowledged puts, restart on the same data dir, and check nothing acknowledged
 * was lost and the revision history has no gap and no repeat.
 *
 * <p>Every put writes a fresh key (writer, cycle and sequence number in the key; the value derived from the key), so
 * after recovery each revision 2..current must belong to exactly one key with version 1. That turns "no gap, no
 * repeat" into a single range read plus sampled {@code count} reads at past revisions. Writers use jetcd with no
 * automatic retry (jetcd only retries a put with {@code withAutoRetry()}), so a put in flight at the kill is either
 * applied once or not at all; both are allowed, a value that was never attempted or a second write of a key is not.
 */
@Tag("process")
class CrashRecoveryTest {

  static final String PREFIX = "/crash/";
  static final int WRITERS = 4;
  static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);
  /** How long writers run before the kill in each cycle; a floor of acknowledgements keeps the cycle meaningful. */
  static final Duration WRITE_PERIOD = Duration.ofMillis(1_500);

  static final int ACKS_PER_CYCLE_MIN = 50;
  static final Duration ACKS_WAIT_MAX = Duration.ofSeconds(20);
  static final int SAMPLED_REVISIONS = 25;

  /** One acknowledged put. */
  record Ack(int writer, String key, String value, long revision) {}

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void acknowledgedWritesSurviveKill9(EtcdProcess.Kind kind) throws Exception {
    runCycles(kind, 3, 1);
  }

  @Tag("soak")
  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void acknowledgedWritesSurviveKill9Soak(EtcdProcess.Kind kind) throws Exception {
    runCycles(kind, 25, 7);
  }

  /**
   * The member halts itself at a named point of the write path (a failpoint, etcdj only): after
   * the WAL append but before apply, between apply and the backend commit, and so on. Whatever
   * point it dies at, nothing acknowledged may be lost and no revision may repeat or be skipped.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"raftBeforeSave", "raftAfterSave", "applyBeforeCommit", "applyAfterCommit"})
  void acknowledgedWritesSurviveACrashAtEachFailpoint(String failpoint) throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        EtcdProcess.selectedKinds().contains(EtcdProcess.Kind.ETCDJ), "etcdj not selected");
    Random random = new Random(failpoint.hashCode());
    List<Ack> acked = new ArrayList<>();
    Map<String, String> attempted = new ConcurrentHashMap<>();
    // The first hits come from start-up (bootstrap entries); 150 lands well inside the stream.
    Map<String, String> env = Map.of("ETCDJ_FAILPOINTS", failpoint + "=panic@150");
    try (EtcdProcess server = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "failpoint-" + failpoint, env)) {
      acked.addAll(writeUntilDeath(server, attempted));
      server.setEnvironment(Map.of());
      server.start();
      verify(server, acked, attempted, random, "after crashing at " + failpoint);
      assertTrue(server.logTail(400).contains("failpoint " + failpoint), "the failpoint fired");
    }
  }

  private static List<Ack> writeUntilDeath(EtcdProcess server, Map<String, String> attempted)
      throws InterruptedException {
    return writeThenKill(server, 0, 0, attempted, true);
  }

  private static void runCycles(EtcdProcess.Kind kind, int cycles, long seed) throws Exception {
    Random random = new Random(seed);
    List<Ack> acked = new ArrayList<>();
    Map<String, String> attempted = new ConcurrentHashMap<>();
    try (EtcdProcess server = EtcdProcess.start(kind, "crash")) {
      for (int cycle = 0; cycle < cycles; cycle++) {
        if (cycle > 0) {
          server.start();
          verify(server, acked, attempted, random, "after restart " + cycle);
        }
        // vary the kill point a little so it lands on different phases of the write path
        long writeMs = WRITE_PERIOD.toMillis() + random.nextInt(1_000);
        acked.addAll(writeThenKill(server, cycle, writeMs, attempted, false));
      }
      server.start();
      verify(server, acked, attempted, random, "after the last restart");
    }
  }

  /**
   * Starts the writers, SIGKILLs the server after writeMs (and enough acks), and returns what was acknowledged. With
   * {@code selfCrash} the server is expected to die by itself (a failpoint) instead, within {@link #ACKS_WAIT_MAX}.
   */
  static List<Ack> writeThenKill(
      EtcdProcess server, int cycle, long writeMs, Map<String, String> attempted, boolean selfCrash)
      throws InterruptedException {
    return writeThenKill(server, cycle, writeMs, attempted, selfCrash, server::kill);
  }

  /** As above, with {@code kill} in place of SIGKILL of {@code server} (say, of a whole cluster). */
  static List<Ack> writeThenKill(
      EtcdProcess server, int cycle, long writeMs, Map<String, String> attempted, boolean selfCrash, Runnable kill)
      throws InterruptedException {
    ConcurrentLinkedQueue<Ack> acks = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean killing = new AtomicBoolean();
    AtomicInteger count = new AtomicInteger();
    ConcurrentLinkedQueue<Throwable> unexpected = new ConcurrentLinkedQueue<>();
    List<Thread> threads = new ArrayList<>();
    List<Client> clients = new ArrayList<>();
    for (int w = 0; w < WRITERS; w++) {
      Client client = Client.builder().endpoints(server.clientUrl()).waitForReady(false).build();
      clients.add(client);
      int writer = w;
      Thread t =
          new Thread(
              () -> {
                KV kv = client.getKVClient();
                for (int seq = 0; !stop.get(); seq++) {
                  String key = PREFIX + "c" + cycle + "/w" + writer + "/" + seq;
                  String value = valueOf(key);
                  attempted.put(key, value);
                  long revision;
                  try {
                    revision =
                        kv.put(bs(key), bs(value))
                            .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                            .getHeader()
                            .getRevision();
                  } catch (Exception e) {
                    // expected once the server is killed (or has crashed itself); before that it is a failure
                    boolean died = false;
                    try {
                      died = selfCrash && server.awaitExit(CALL_TIMEOUT);
                    } catch (InterruptedException ie) {
                      Thread.currentThread().interrupt();
                    }
                    if (!killing.get() && !died) {
                      unexpected.add(e);
                    }
                    return;
                  }
                  acks.add(new Ack(writer, key, value, revision));
                  count.incrementAndGet();
                }
              },
              "crash-writer-" + w);
      threads.add(t);
      t.start();
    }
    try {
      if (selfCrash) {
        boolean died = server.awaitExit(ACKS_WAIT_MAX);
        stop.set(true);
        assertTrue(died, "the server did not crash at its failpoint within " + ACKS_WAIT_MAX);
        killing.set(true);
        return collect(threads, clients, acks, unexpected, count, cycle);
      }
      long startNs = System.nanoTime();
      long maxNs = startNs + ACKS_WAIT_MAX.toNanos();
      while (System.nanoTime() < maxNs
          && (System.nanoTime() - startNs < TimeUnit.MILLISECONDS.toNanos(writeMs)
              || count.get() < ACKS_PER_CYCLE_MIN)
          && unexpected.isEmpty()) {
        EtcdProcess.sleepMs(20);
      }
      // Writers keep going until the kill, so it lands mid-stream; errors from here on are the kill's.
      killing.set(true);
      kill.run();
      stop.set(true);
    } finally {
      stop.set(true);
    }
    return collect(threads, clients, acks, unexpected, count, cycle);
  }

  private static List<Ack> collect(
      List<Thread> threads,
      List<Client> clients,
      ConcurrentLinkedQueue<Ack> acks,
      ConcurrentLinkedQueue<Throwable> unexpected,
      AtomicInteger count,
      int cycle)
      throws InterruptedException {
    try {
      for (Thread t : threads) {
        t.join(CALL_TIMEOUT.toMillis() * 2);
      }
    } finally {
      clients.forEach(Client::close);
    }
    if (!unexpected.isEmpty()) {
      fail("a put failed before the kill: " + unexpected.peek(), unexpected.peek());
    }
    assertTrue(
        count.get() >= ACKS_PER_CYCLE_MIN,
        "cycle " + cycle + ": only " + count.get() + " puts acknowledged in " + ACKS_WAIT_MAX);
    return new ArrayList<>(acks);
  }

  static void verify(
      EtcdProcess server, List<Ack> acked, Map<String, String> attempted, Random random, String when)
      throws Exception {
    try (Client client =
        Client.builder().endpoints(server.clientUrl()).maxInboundMessageSize(256 * 1024 * 1024).build()) {
      KV kv = client.getKVClient();
      GetResponse all =
          kv.get(bs(PREFIX), GetOption.builder().isPrefix(true).build())
              .get(CALL_TIMEOUT.toMillis() * 4, TimeUnit.MILLISECONDS);
      long current = all.getHeader().getRevision();
      Map<String, KeyValue> present = new HashMap<>();
      Map<Long, String> byRevision = new HashMap<>();
      for (KeyValue kv1 : all.getKvs()) {
        String key = str(kv1.getKey());
        present.put(key, kv1);
        String expected = attempted.get(key);
        if (expected == null || !expected.equals(str(kv1.getValue()))) {
          fail(when + ": " + key + " = " + str(kv1.getValue()) + " was never written");
        }
        if (kv1.getVersion() != 1 || kv1.getCreateRevision() != kv1.getModRevision()) {
          fail(when + ": " + key + " written more than once: " + kv1);
        }
        String other = byRevision.put(kv1.getModRevision(), key);
        if (other != null) {
          fail(when + ": revision " + kv1.getModRevision() + " repeated by " + other + " and " + key);
        }
      }
      // acknowledged writes: present with exactly the acknowledged value and revision
      Set<Long> ackedRevisions = new HashSet<>();
      Map<Integer, Long> lastPerWriter = new HashMap<>();
      for (Ack a : acked) {
        KeyValue kv1 = present.get(a.key());
        if (kv1 == null) {
          fail(when + ": acknowledged put lost: " + a + " (current revision " + current + ")\n" + server.logTail(30));
        }
        assertEquals(a.value(), str(kv1.getValue()), when + ": value of " + a);
        assertEquals(a.revision(), kv1.getModRevision(), when + ": mod_revision of " + a);
        assertTrue(ackedRevisions.add(a.revision()), when + ": revision acknowledged twice: " + a);
        Long last = lastPerWriter.put(a.writer(), a.revision());
        // acks are appended writer by writer per cycle, so order within a writer is its program order
        assertTrue(last == null || last < a.revision(), when + ": writer went back in revision: " + a);
      }
      // no gap: every revision 2..current belongs to exactly one of our keys (the store starts at revision 1)
      assertEquals(current - 1, present.size(), when + ": keys present vs. revisions 2.." + current);
      for (long r = 2; r <= current; r++) {
        if (!byRevision.containsKey(r)) {
          fail(when + ": no write at revision " + r + " of 2.." + current);
        }
      }
      // the history itself: at revision r exactly r-1 of our keys existed
      List<Long> sample = new ArrayList<>(List.of(1L, current));
      for (int i = 0; i < SAMPLED_REVISIONS && current > 1; i++) {
        sample.add(1 + (long) random.nextInt((int) current));
      }
      for (long r : sample) {
        GetResponse at =
            kv.get(bs(PREFIX), GetOption.builder().isPrefix(true).withCountOnly(true).withRevision(r).build())
                .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(r - 1, at.getCount(), when + ": keys visible at revision " + r);
      }
    }
  }

  static String valueOf(String key) {
    return "v:" + key.hashCode() + ":" + key.length();
  }

  static ByteSequence bs(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  static String str(ByteSequence b) {
    return b.toString(StandardCharsets.UTF_8);
  }
}
