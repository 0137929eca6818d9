package io.etcdj.server.robustness;

import io.etcdj.server.robustness.WatchRecord.Request;
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
 * from revision 1 again. Every watch resumes on the next member if its stream breaks.
 *
 * <p>Threads: the KV clients and the lease client run on their own threads from {@link #start};
 * the caller's thread may inject faults meanwhile.
 */
public final class Workload implements AutoCloseable {
  private static final long RECENT_REVISIONS = 20;

  private final List<String> endpoints;
  private final Duration traffic;
  private final String prefix;
  private final TermLog terms = new TermLog();
  private final WatchRecorder watches;
  private CompletableFuture<List<Operation>> kv;
  private CompletableFuture<LeaseTraffic.Result> leases;
  private Thread lateWatches;

  private Workload(List<String> endpoints, Duration traffic, String prefix) {
    this.endpoints = List.copyOf(endpoints);
    this.traffic = traffic;
    this.prefix = prefix;
    this.watches = new WatchRecorder(endpoints, terms);
  }

  /** Opens the first watches and starts the traffic; returns at once. */
  public static Workload start(List<String> endpoints, Duration traffic, long seed) {
    KvTraffic.Config kvConfig = KvTraffic.Config.of(4, traffic, seed);
    Workload w = new Workload(endpoints, traffic, kvConfig.prefix());
    w.openFirstWatches();
    w.kv =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return KvTraffic.run(kvConfig, endpoints);
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
                Thread.sleep(traffic.toMillis() / 2);
                w.openLateWatches();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
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
    watches.open("prefix from 1", member(1), all.from(1), true);
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
   * Waits for the traffic, reads the committed log on {@code logEndpoint}, lets the watches catch
   * up with it (10 s at most), stops them and returns the record. {@code extra} are calls the test
   * made itself (probes), which join the history.
   */
  public Oracles.Recorded finish(List<Operation> extra, String logEndpoint) throws Exception {
    long bound = traffic.toSeconds() + 60;
    List<Operation> history = new ArrayList<>(kv.get(bound, TimeUnit.SECONDS));
    LeaseTraffic.Result l = leases.get(bound, TimeUnit.SECONDS);
    lateWatches.join();
    history.addAll(l.puts());
    history.addAll(extra);
    quiesce(l.leases());
    WriteLog log = LogReader.read(logEndpoint, prefix, Duration.ofSeconds(30));
    long observedUntil = System.nanoTime();
    List<String> behind = watches.awaitCaughtUp(log, Duration.ofSeconds(10));
    List<WatchRecord> records = watches.stop();
    return new Oracles.Recorded(history, l.leases(), records, behind, log, terms.newTermSeen(), observedUntil);
  }

  /**
   * Waits until every lease the client let go is past the time {@link LeaseChecker} allows it
   * (last renewal or leader change seen, plus TTL and slack), at most 10 s: then nothing commits
   * during the final log read, and a key still attached at its head really was kept too long,
   * which is what the lease oracle's {@code observedUntil} assumes.
   */
  private void quiesce(List<LeaseHistory> leases) throws InterruptedException {
    List<Long> newTerms = terms.newTermSeen();
    long lastTerm = newTerms.isEmpty() ? 0 : newTerms.get(newTerms.size() - 1);
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
