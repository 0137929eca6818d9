package io.etcdj.server.robustness;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The lease traffic of a robustness run: one client granting short leases, attaching keys to them
 * with puts, and then, lease by lease, keeping it alive to the end and revoking it, revoking it
 * early, or letting it expire. Its puts are recorded KV calls ({@link JetcdRecorder}, unique
 * values) that join the run's history; its leases become {@link LeaseHistory}s for {@link
 * LeaseChecker}.
 *
 * <p>The leased keys ({@code prefix + "l" + i}) are written only by this client and deleted by no
 * client, so every delete of them in the log is a lease's revoke or expiry, which is what lets
 * {@link ServerDeletes} attribute those deletes soundly. Keys are reused across leases, so a put
 * also moves a key from one live lease to another (etcd detaches it from the old one).
 *
 * <p>Grant, keep-alive and revoke go over the raw etcdserverpb Lease stub, not jetcd's {@code
 * Lease}: jetcd's keepAlive keeps its own schedule on a shared stream, retries on its own and does
 * not say when each request left or what TTL each answer carried, and the oracle needs exactly
 * that (a renewal counts from its send time; TTL 0 is etcd's "lease not found"). Each keep-alive is
 * one request on a fresh stream, answered or abandoned within the call timeout. The client fails
 * over to the next member after any error. Leases are only let go while there is time left in the
 * run for them to expire (TTL + 1 s; the {@link Workload} waits out the oracle's slack before its
 * final log read); every lease still kept at the end is revoked.
 *
 * <p>One thread; {@link #run} returns when the traffic is over.
 */
public final class LeaseTraffic {

  public record Config(Duration duration, String prefix, int keys, int leasesMax, long seed, Duration callTimeout, int clientId) {
    public static Config of(Duration duration, long seed) {
      return new Config(duration, "rb/", 6, 4, seed, Duration.ofSeconds(1), 100);
    }
  }

  /** What the run recorded: the leases, and the puts as KV calls for the history. */
  public record Result(List<LeaseHistory> leases, List<Operation> puts) {}

  private enum Fate {
    KEEP,
    REVOKE,
    LET_GO
  }

  private static final long TICK_MS = 50;
  private static final long GRANT_EVERY_MS = 300;
  private static final long[] TTLS_SECONDS = {2, 3};

  /** One lease as the client lives it; becomes a {@link LeaseHistory}. */
  private static final class Lease {
    final long id;
    final long ttlSeconds;
    final long grantCall;
    final long grantRet;
    final Fate fate;
    final long revokeAt;
    final List<LeaseHistory.KeepAlive> keepAlives = new ArrayList<>();
    int keepAlivesLeft; // LET_GO only
    long lastRenewalSent;
    long stopped = Long.MAX_VALUE;
    LeaseHistory.Revoke revoke;

    Lease(long id, long ttlSeconds, long grantCall, long grantRet, Fate fate, long revokeAt) {
      this.id = id;
      this.ttlSeconds = ttlSeconds;
      this.grantCall = grantCall;
      this.grantRet = grantRet;
      this.fate = fate;
      this.revokeAt = revokeAt;
      this.lastRenewalSent = grantCall;
    }

    LeaseHistory history() {
      return new LeaseHistory(id, ttlSeconds, grantCall, grantRet, keepAlives, stopped, revoke);
    }
  }

  private final Config cfg;
  private final List<String> endpoints;
  private final TermLog terms;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<JetcdRecorder> kv = new ArrayList<>();
  private final Random rnd;
  private final List<Operation> puts = new ArrayList<>();
  private final List<Lease> all = new ArrayList<>();
  private final List<Lease> live = new ArrayList<>();
  private int member;
  private int nextKey;
  private int seq;

  private LeaseTraffic(Config cfg, List<String> endpoints, TermLog terms) {
    this.cfg = cfg;
    this.endpoints = List.copyOf(endpoints);
    this.terms = terms;
    this.rnd = new Random(cfg.seed() * 7_919L + 17);
    this.member = (int) Math.floorMod(cfg.seed(), (long) endpoints.size());
  }

  /** Runs the lease traffic for {@code cfg.duration()} and revokes what it still keeps. */
  public static Result run(Config cfg, List<String> endpoints, TermLog terms) throws InterruptedException {
    LeaseTraffic t = new LeaseTraffic(cfg, endpoints, terms);
    try {
      for (String ep : endpoints) {
        URI u = URI.create(ep);
        t.channels.add(NettyChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build());
        t.kv.add(new JetcdRecorder(cfg.clientId(), ep, cfg.callTimeout()));
      }
      t.loop(System.nanoTime() + cfg.duration().toNanos());
      List<LeaseHistory> out = new ArrayList<>();
      t.all.forEach(l -> out.add(l.history()));
      return new Result(out, List.copyOf(t.puts));
    } finally {
      t.kv.forEach(JetcdRecorder::close);
      t.channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  private void loop(long deadline) throws InterruptedException {
    long lastGrant = 0;
    long slack = TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < deadline) {
      long now = System.nanoTime();
      if (live.size() < cfg.leasesMax() && now - lastGrant >= TimeUnit.MILLISECONDS.toNanos(GRANT_EVERY_MS)) {
        lastGrant = now;
        long ttl = TTLS_SECONDS[rnd.nextInt(TTLS_SECONDS.length)];
        boolean mayLetGo = now + TimeUnit.SECONDS.toNanos(ttl) + slack < deadline;
        // Fates in turn, so even a short run has each: let go (while it may), revoke, keep.
        Fate fate = Fate.values()[(all.size() + 2) % 3];
        if (fate == Fate.LET_GO && !mayLetGo) {
          fate = Fate.REVOKE;
        }
        grant(ttl, fate, now);
      }
      for (Iterator<Lease> it = live.iterator(); it.hasNext(); ) {
        Lease l = it.next();
        if (tend(l)) {
          it.remove();
        }
      }
      Thread.sleep(TICK_MS);
    }
    for (Lease l : live) {
      revoke(l);
    }
    live.clear();
  }

  /** One tick of one lease; true when the client is done with it. */
  private boolean tend(Lease l) throws InterruptedException {
    long now = System.nanoTime();
    if (l.fate == Fate.REVOKE && now >= l.revokeAt) {
      revoke(l);
      return true;
    }
    if (l.fate == Fate.LET_GO && l.keepAlivesLeft == 0) {
      l.stopped = Math.max(now, l.grantRet);
      return true;
    }
    if (now - l.lastRenewalSent >= TimeUnit.SECONDS.toNanos(l.ttlSeconds) / 3) {
      if (l.fate == Fate.LET_GO) {
        l.keepAlivesLeft--;
      }
      if (!keepAlive(l)) {
        l.stopped = System.nanoTime(); // etcd said "not found": nothing left to keep
        return true;
      }
    }
    if (l.fate != Fate.LET_GO && rnd.nextInt(100) < 5) {
      put(l);
    }
    return false;
  }

  private void grant(long ttl, Fate fate, long now) throws InterruptedException {
    long call = System.nanoTime();
    LeaseGrantResponse r;
    try {
      r = LeaseGrpc.newBlockingStub(channel()).withDeadlineAfter(cfg.callTimeout().toMillis(), TimeUnit.MILLISECONDS).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build());
    } catch (StatusRuntimeException e) {
      failOver(); // a lease granted without an answer has no keys and just expires
      return;
    }
    long ret = System.nanoTime();
    terms.saw(r.getHeader().getRaftTerm(), ret);
    if (!r.getError().isEmpty()) {
      throw new IllegalStateException("LeaseGrant answered the error " + r.getError());
    }
    long revokeAt = now + TimeUnit.MILLISECONDS.toNanos(500 + rnd.nextInt(1_000));
    Lease l = new Lease(r.getID(), r.getTTL(), call, ret, fate, revokeAt);
    l.keepAlivesLeft = (int) (all.stream().filter(x -> x.fate == Fate.LET_GO).count() % 2); // none, or one

    all.add(l);
    live.add(l);
    int keys = 1 + rnd.nextInt(2);
    for (int i = 0; i < keys; i++) {
      put(l);
    }
  }

  private void put(Lease l) throws InterruptedException {
    String key = cfg.prefix() + "l" + (nextKey++ % cfg.keys());
    Operation op = kv.get(member).call(new KvRequest.Put(key, "lease" + cfg.clientId() + "-" + (seq++) + "-" + Long.toHexString(l.id), l.id));
    puts.add(op);
    if (op.response() == null) {
      failOver();
    }
  }

  /** One keep-alive on a fresh stream; false when etcd answered that the lease is gone. */
  private boolean keepAlive(Lease l) throws InterruptedException {
    CompletableFuture<LeaseKeepAliveResponse> answer = new CompletableFuture<>();
    StreamObserver<LeaseKeepAliveRequest> requests =
        LeaseGrpc.newStub(channel())
            .withDeadlineAfter(cfg.callTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .leaseKeepAlive(
                new StreamObserver<>() {
                  @Override
                  public void onNext(LeaseKeepAliveResponse r) {
                    answer.complete(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    answer.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {
                    answer.completeExceptionally(new IllegalStateException("keep-alive stream closed unanswered"));
                  }
                });
    long sent = System.nanoTime();
    l.lastRenewalSent = sent;
    requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(l.id).build());
    try {
      LeaseKeepAliveResponse r = answer.get(cfg.callTimeout().toMillis() + 100, TimeUnit.MILLISECONDS);
      long received = System.nanoTime();
      terms.saw(r.getHeader().getRaftTerm(), received);
      l.keepAlives.add(new LeaseHistory.KeepAlive(sent, received, r.getTTL()));
      return r.getTTL() > 0;
    } catch (ExecutionException | TimeoutException e) {
      failOver(); // abandoned: the renewal may or may not have happened, and counts for nothing
      return true;
    } finally {
      requests.onCompleted();
    }
  }

  private void revoke(Lease l) {
    long call = System.nanoTime();
    l.stopped = Math.max(call, l.grantRet);
    try {
      LeaseRevokeResponse r =
          LeaseGrpc.newBlockingStub(channel()).withDeadlineAfter(cfg.callTimeout().toMillis(), TimeUnit.MILLISECONDS).leaseRevoke(LeaseRevokeRequest.newBuilder().setID(l.id).build());
      long ret = System.nanoTime();
      terms.saw(r.getHeader().getRaftTerm(), ret);
      l.revoke = new LeaseHistory.Revoke(call, ret, r.getHeader().getRevision());
    } catch (StatusRuntimeException e) {
      l.revoke = new LeaseHistory.Revoke(call, System.nanoTime(), 0); // unknown outcome (or already expired)
      failOver();
    }
  }

  private ManagedChannel channel() {
    return channels.get(member);
  }

  private void failOver() {
    member = (member + 1) % endpoints.size();
  }
}
