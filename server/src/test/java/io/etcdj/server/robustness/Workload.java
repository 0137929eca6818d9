package io.etcdj.server.robustness;

import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.server.robustness.WatchRecord.Request;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A robustness run's recorded load on a cluster: the {@link KvTraffic} clients, the {@link
 * LeaseTraffic} client and a set of recorded watches ({@link WatchRecorder}), all on one clock, then
 * the final log read; {@link #finish} hands the {@link Oracles} everything they judge.
 *
 * <p>The watches, spread over the members: before the traffic, the whole prefix from now (prev_kv,
 * progress_notify) and from revision 1, one KV key from now (prev_kv), one leased key from 1
 * (prev_kv), the prefix without deletes (progress_notify), the leased keys' prefix (prev_kv); half
 * way through, the prefix from 20 revisions back (prev_kv), from now (progress_notify), and a key
 * from revision 1 again. The harness compacts twice, 15% and 60% of the way through (a few
 * revisions below what the whole-prefix watch from revision 1 has delivered), and after each opens
 * a key watch from revision 1 on the member that compacted, which must be cancelled. Every watch
 * resumes on the next member if its stream breaks: after the first compaction, a resumed watch
 * catches up across it.
 *
 * <p>The committed log is the live record of the whole-prefix watch from revision 1 and its
 * resumptions, read up to a linearizable head revision after the traffic: a log read from revision
 * 1 after the run would hit the compaction.
 *
 * <p>Threads: the KV clients and the lease client run on their own threads from {@link #start};
 * the caller's thread may inject faults meanwhile.
 */
public final class Workload implements AutoCloseable {
  private static final long RECENT_REVISIONS = 20;
  /** The watch whose live record is the run's committed log. */
  private static final String LOG_WATCH = "prefix from 1";
  /** How far below what the log watch has covered the compaction goes. */
  private static final long COMPACT_BEHIND = 5;
  /**
   * When the first compaction comes, in percent of the traffic: before a fault injected two
   * seconds in, so that the watches it breaks catch up across a compaction when they resume.
   */
  private static final long EARLY_COMPACTION_PERCENT = 15;

  private final List<String> endpoints;
  private final Duration traffic;
  private final String prefix;
  private final TermLog terms = new TermLog();
  private final WatchRecorder watches;
  private CompletableFuture<List<Operation>> kv;
  private CompletableFuture<LeaseTraffic.Result> leases;
  private Thread lateWatches;
  private volatile RuntimeException lateFailure;
  private final List<Compaction> compactions = new ArrayList<>(); // guarded by itself

  private Workload(List<String> endpoints, Duration traffic, String prefix, Duration progressRequests) {
    this.endpoints = List.copyOf(endpoints);
    this.traffic = traffic;
    this.prefix = prefix;
    this.watches = new WatchRecorder(endpoints, terms, progressRequests);
  }

  /** Opens the first watches and starts the traffic; returns at once. */
  public static Workload start(List<String> endpoints, Duration traffic, long seed) {
    return start(endpoints, traffic, seed, Duration.ZERO);
  }

  /**
   * As above, each watch stream also sending a RequestProgress every {@code progressRequests}
   * (when positive; see {@link WatchRecorder}).
   */
  public static Workload start(List<String> endpoints, Duration traffic, long seed, Duration progressRequests) {
    KvTraffic.Config kvConfig = KvTraffic.Config.of(4, traffic, seed);
    Workload w = new Workload(endpoints, traffic, kvConfig.prefix(), progressRequests);
    w.openFirstWatches();
    w.kv =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return KvTraffic.run(kvConfig, endpoints, w.terms);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    w.leases =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return LeaseTraffic.run(LeaseTraffic.Config.of(traffic, seed), endpoints, w.terms);
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    w.lateWatches =
        new Thread(
            () -> {
              try {
                long early = traffic.toMillis() * EARLY_COMPACTION_PERCENT / 100;
                Thread.sleep(early);
                w.compact(w.member(2));
                Thread.sleep(traffic.toMillis() / 2 - early);
                w.openLateWatches();
                Thread.sleep(traffic.toMillis() / 10);
                w.compact(w.member(0));
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } catch (RuntimeException e) {
                w.lateFailure = e;
              }
            },
            "late-watches");
    w.lateWatches.start();
    return w;
  }

  private int member(int i) {
    return i % endpoints.size();
  }

  private void openFirstWatches() {
    Request all = Request.prefix(prefix);
    watches.open("prefix from now", member(0), all.withPrevKv().withProgressNotify(), true);
    watches.open(LOG_WATCH, member(1), all.from(1), true);
    watches.open("key " + prefix + "0 from now", member(2), Request.key(prefix + "0").withPrevKv(), true);
    watches.open("key " + prefix + "l0 from 1", member(0), Request.key(prefix + "l0").from(1).withPrevKv(), true);
    watches.open("prefix without deletes", member(1), all.withoutDeletes().withProgressNotify(), true);
    watches.open("leased keys from now", member(2), Request.prefix(prefix + "l").withPrevKv(), true);
  }

  private void openLateWatches() {
    Request all = Request.prefix(prefix);
    long recent = Math.max(1, watches.headSeen() - RECENT_REVISIONS);
    watches.open("late prefix from " + recent, member(1), all.from(recent).withPrevKv(), true);
    watches.open("late prefix from now", member(2), all.withProgressNotify(), true);
    watches.open("late key " + prefix + "1 from 1", member(0), Request.key(prefix + "1").from(1), true);
  }

  /**
   * Compacts below what the log watch has already delivered (so its resumption never needs a
   * compacted revision and the live log stays whole), records the call, and opens a watch from
   * revision 1 on the same member afterwards, which etcd must cancel for the compaction.
   */
  private void compact(int member) {
    long covered = watches.covered(LOG_WATCH);
    if (covered < 2) {
      return; // nothing written yet (a very slow start): a compaction would only fail
    }
    long revision = Math.max(2, covered - COMPACT_BEHIND);
    URI u = URI.create(endpoints.get(member));
    ManagedChannel ch = NettyChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build();
    long call = System.nanoTime();
    long ret = Long.MAX_VALUE;
    try {
      KVGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS).compact(CompactionRequest.newBuilder().setRevision(revision).build());
      ret = System.nanoTime();
    } catch (StatusRuntimeException e) {
      // unknown outcome: the member may have applied it; the watch checker then expects nothing of its watches
    } finally {
      ch.shutdownNow();
    }
    synchronized (compactions) {
      compactions.add(new Compaction(endpoints.get(member), revision, call, ret));
    }
    int n;
    synchronized (compactions) {
      n = compactions.size();
    }
    watches.open("key " + prefix + "2 from 1 after compaction " + n, member, Request.key(prefix + "2").from(1).withPrevKv(), true);
  }

  /**
   * Waits for the traffic, reads the head revision on {@code logEndpoint}, lets the log watch and
   * then every other watch catch up with it (30 s and 10 s at most), stops them and returns the
   * record with the log watch's log. {@code extra} are calls the test made itself (probes), which
   * join the history.
   */
  public Oracles.Recorded finish(List<Operation> extra, String logEndpoint) throws Exception {
    long bound = traffic.toSeconds() + 60;
    List<Operation> history = new ArrayList<>(kv.get(bound, TimeUnit.SECONDS));
    LeaseTraffic.Result l = leases.get(bound, TimeUnit.SECONDS);
    lateWatches.join();
    if (lateFailure != null) {
      throw new IllegalStateException("opening the late watches or compacting failed", lateFailure);
    }
    history.addAll(l.puts());
    history.addAll(extra);
    long t0 = System.nanoTime();
    quiesce(l.leases());
    long t1 = System.nanoTime();
    if (watches.overflow() != null) {
      throw new IllegalStateException("harness limit: " + watches.overflow());
    }
    long head = LogReader.head(logEndpoint, prefix, Duration.ofSeconds(30));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (watches.covered(LOG_WATCH) < head) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the log watch covers revision " + watches.covered(LOG_WATCH) + " 30 s after the head was read at " + head);
      }
      Thread.sleep(20);
    }
    WriteLog log = watches.log(LOG_WATCH);
    long observedUntil = System.nanoTime();
    List<String> behind = watches.awaitCaughtUp(log, Duration.ofSeconds(10));
    System.out.printf(
        "workload: waited %d ms for let-go leases, %d ms for the log watch to reach head %d, %d ms for the other watches%n",
        (t1 - t0) / 1_000_000, (observedUntil - t1) / 1_000_000, head, (System.nanoTime() - observedUntil) / 1_000_000);
    List<WatchRecord> records = watches.stop();
    List<Compaction> compacted;
    synchronized (compactions) {
      compacted = List.copyOf(compactions);
    }
    return new Oracles.Recorded(history, l.leases(), records, behind, log, compacted, terms.promotions(), observedUntil);
  }

  /**
   * Waits until every lease the client let go is past the time {@link LeaseChecker} allows it
   * (last renewal or leader change seen, plus TTL and slack), at most 10 s: then nothing commits
   * during the final log read, and a key still attached at its head really was kept too long,
   * which is what the lease oracle's {@code observedUntil} assumes.
   */
  private void quiesce(List<LeaseHistory> leases) throws InterruptedException {
    long lastTerm = terms.promotions().stream().mapToLong(TermLog.Promotion::seen).max().orElse(0);
    long until = 0;
    for (LeaseHistory l : leases) {
      if (l.revoke() != null || l.stopped() == Long.MAX_VALUE) {
        continue;
      }
      long last = Math.max(l.stopped(), lastTerm);
      for (LeaseHistory.KeepAlive k : l.keepAlives()) {
        last = Math.max(last, k.received());
      }
      until = Math.max(until, last + TimeUnit.SECONDS.toNanos(l.ttlSeconds()) + LeaseChecker.EXPIRY_SLACK.toNanos());
    }
    long waitNs = Math.min(until - System.nanoTime(), TimeUnit.SECONDS.toNanos(10));
    if (waitNs > 0) {
      TimeUnit.NANOSECONDS.sleep(waitNs + TimeUnit.MILLISECONDS.toNanos(100));
    }
  }

  @Override
  public void close() {
    if (lateWatches != null) {
      lateWatches.interrupt();
    }
    watches.close();
  }
}
