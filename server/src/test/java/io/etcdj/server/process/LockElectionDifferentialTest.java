package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.v3electionpb.CampaignRequest;
import io.etcdj.api.v3electionpb.CampaignResponse;
import io.etcdj.api.v3electionpb.LeaderKey;
import io.etcdj.api.v3electionpb.LeaderRequest;
import io.etcdj.api.v3electionpb.LeaderResponse;
import io.etcdj.api.v3electionpb.ProclaimRequest;
import io.etcdj.api.v3electionpb.ResignRequest;
import io.etcdj.api.v3lockpb.LockRequest;
import io.etcdj.api.v3lockpb.LockResponse;
import io.etcdj.api.v3lockpb.UnlockRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * etcdj's {@code v3lockpb.Lock} and {@code v3electionpb.Election} against real etcd 3.4's own.
 * Each scenario runs twice, on real etcd's services and on etcdj's services built over a second
 * real etcd (the recipes need only a member's KV, Watch and Lease), and the two normalised
 * transcripts ({@link RecipeTranscript}) must be equal: same responses, same revisions relative
 * to the scenario's start, same errors with the same codes. Once etcdj serves leases, each also
 * runs on an etcdj server's own services ({@link #etcdjServesLeases}).
 *
 * <p>Scenarios write one step at a time and wait for what they started, so both sides see the
 * same sequence of revisions. Waiting calls are bounded by {@link #WAIT_SECONDS}.
 */
@Tag("process")
class LockElectionDifferentialTest {
  static final long WAIT_SECONDS = 10;
  /** How long a call must stay blocked to count as waiting. */
  static final long BLOCKED_MS = 300;

  private static EtcdProcess realEtcd;
  private static EtcdProcess store;
  private static RecipeSide etcd;
  private static RecipeSide etcdj;
  /** An etcdj server serving its own Lock and Election: a third side once it serves leases. */
  private static EtcdProcess etcdjProcess;
  private static RecipeSide etcdjServer;

  @BeforeAll
  static void start() {
    realEtcd = EtcdProcess.start(EtcdProcess.Kind.ETCD, "lock-election-etcd");
    store = EtcdProcess.start(EtcdProcess.Kind.ETCD, "lock-election-store");
    etcd = RecipeSide.server("etcd", realEtcd);
    etcdj = RecipeSide.etcdjOver(store);
    if (etcdjServesLeases()) {
      etcdjProcess = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "lock-election-etcdj");
      etcdjServer = RecipeSide.server("etcdj server", etcdjProcess);
    }
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {etcd, etcdj, etcdjServer, realEtcd, store, etcdjProcess}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // keep closing the rest
      }
    }
  }

  interface Scenario {
    void run(RecipeSide side, RecipeTranscript t) throws Exception;
  }

  private static void assertSameOnBoth(Scenario scenario) throws Exception {
    String expected = transcript(etcd, scenario);
    String actual = transcript(etcdj, scenario);
    assertEquals(expected, actual, "etcdj's services over etcd answered differently from etcd's");
    if (etcdjServer != null) {
      assertEquals(expected, transcript(etcdjServer, scenario), "an etcdj server answered differently from etcd");
    }
  }

  /**
   * Whether etcdj serves {@code etcdserverpb.Lease}, which Lock and Campaign need (to put with a
   * lease, and to grant one for lease 0). Until it does, {@link EtcdjLockElectionProcessTest}
   * covers what an etcdj server can do without leases.
   */
  static boolean etcdjServesLeases() {
    try {
      Class.forName("io.etcdj.server.grpc.LeaseService");
      return true;
    } catch (ClassNotFoundException e) {
      return false;
    }
  }

  private static String transcript(RecipeSide side, Scenario scenario) throws Exception {
    RecipeTranscript t = new RecipeTranscript(side.revision());
    scenario.run(side, t);
    return t.text();
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Runs a call and records its response or its error. Returns the response, or null. */
  static <T extends com.google.protobuf.MessageOrBuilder> T step(RecipeTranscript t, String name, Supplier<T> call) {
    try {
      T r = call.get();
      t.add(name, r);
      return r;
    } catch (StatusRuntimeException e) {
      t.error(name, e);
      return null;
    }
  }

  static <T> T await(Future<T> f) throws InterruptedException, TimeoutException {
    try {
      return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof StatusRuntimeException sre) {
        throw sre;
      }
      throw new IllegalStateException(e.getCause());
    }
  }

  static void assertBlocked(RecipeSide side, Future<?> f, String what) throws InterruptedException {
    Thread.sleep(BLOCKED_MS);
    assertFalse(f.isDone(), () -> side + ": " + what + " should still wait");
  }

  static LockRequest lockReq(String name, long lease) {
    return LockRequest.newBuilder().setName(b(name)).setLease(lease).build();
  }

  static UnlockRequest unlockReq(ByteString key) {
    return UnlockRequest.newBuilder().setKey(key).build();
  }

  static CampaignRequest campaignReq(String name, long lease, String value) {
    return CampaignRequest.newBuilder().setName(b(name)).setLease(lease).setValue(b(value)).build();
  }

  static LeaderRequest leaderReq(String name) {
    return LeaderRequest.newBuilder().setName(b(name)).build();
  }

  static RangeRequest prefixRange(String prefix) {
    ByteString p = b(prefix);
    byte[] end = p.toByteArray();
    end[end.length - 1]++;
    return RangeRequest.newBuilder().setKey(p).setRangeEnd(ByteString.copyFrom(end)).build();
  }

  // ------------------------------------------------------------------------------------ Lock

  @Test
  void lockThenUnlock() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long lease = s.grant(30);
          t.lease(lease);
          LockResponse held = step(t, "lock", () -> s.lock().lock(lockReq("lk", lease)));
          step(t, "range lk/", () -> s.kv().range(prefixRange("lk/")));
          step(t, "unlock", () -> s.lock().unlock(unlockReq(held.getKey())));
          step(t, "range lk/", () -> s.kv().range(prefixRange("lk/")));
          step(t, "unlock again", () -> s.lock().unlock(unlockReq(held.getKey())));
          step(t, "unlock empty key", () -> s.lock().unlock(unlockReq(ByteString.EMPTY)));
        });
  }

  @Test
  void contendersGetTheLockInOrder() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long a = s.grant(30);
          long bb = s.grant(30);
          long c = s.grant(30);
          t.lease(a);
          t.lease(bb);
          t.lease(c);
          LockResponse first = step(t, "lock A", () -> s.lock().lock(lockReq("ct", a)));
          ListenableFuture<LockResponse> second = s.lockAsync().lock(lockReq("ct", bb));
          s.awaitCount("ct/", 2);
          ListenableFuture<LockResponse> third = s.lockAsync().lock(lockReq("ct", c));
          s.awaitCount("ct/", 3);
          assertBlocked(s, second, "B");
          assertBlocked(s, third, "C");
          step(t, "unlock A", () -> s.lock().unlock(unlockReq(first.getKey())));
          LockResponse secondHeld = await(second);
          t.add("B holds", secondHeld);
          assertBlocked(s, third, "C after A");
          step(t, "unlock B", () -> s.lock().unlock(unlockReq(secondHeld.getKey())));
          LockResponse thirdHeld = await(third);
          t.add("C holds", thirdHeld);
          step(t, "unlock C", () -> s.lock().unlock(unlockReq(thirdHeld.getKey())));
        });
  }

  @Test
  void lockingTwiceWithOneLeaseIsOneAcquisition() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long lease = s.grant(30);
          t.lease(lease);
          step(t, "lock", () -> s.lock().lock(lockReq("tw", lease)));
          LockResponse again = step(t, "lock again", () -> s.lock().lock(lockReq("tw", lease)));
          step(t, "range tw/", () -> s.kv().range(prefixRange("tw/")));
          step(t, "unlock", () -> s.lock().unlock(unlockReq(again.getKey())));
        });
  }

  @Test
  void lockWithoutLeaseGrantsSixtySecondsNotKeptAlive() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          LockResponse held = step(t, "lock lease 0", () -> s.lock().lock(lockReq("lz", 0)));
          RangeResponse r = step(t, "range key", () -> s.kv().range(RangeRequest.newBuilder().setKey(held.getKey()).build()));
          long lease = r.getKvs(0).getLease();
          Thread.sleep(1_200); // a kept-alive lease would be back at 60
          LeaseTimeToLiveResponse ttl =
              s.lease().leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(lease).build());
          t.note("granted TTL " + ttl.getGrantedTTL() + ", TTL below 60: " + (ttl.getTTL() < 60));
          step(t, "unlock", () -> s.lock().unlock(unlockReq(held.getKey())));
          s.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(lease).build());
        });
  }

  @Test
  void lockWithUnknownLease() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          step(t, "lock unknown lease", () -> s.lock().lock(lockReq("ul", 0x123456789L)));
          step(t, "range ul/", () -> s.kv().range(prefixRange("ul/")));
        });
  }

  @Test
  void cancelledLockRemovesItsKey() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long a = s.grant(30);
          long bb = s.grant(30);
          t.lease(a);
          t.lease(bb);
          LockResponse held = step(t, "lock A", () -> s.lock().lock(lockReq("cw", a)));
          ListenableFuture<LockResponse> waiting = s.lockAsync().lock(lockReq("cw", bb));
          s.awaitCount("cw/", 2);
          waiting.cancel(true);
          s.awaitCount("cw/", 1);
          step(t, "range cw/ after cancel", () -> s.kv().range(prefixRange("cw/")));
          step(t, "unlock A", () -> s.lock().unlock(unlockReq(held.getKey())));
        });
  }

  // -------------------------------------------------------------------------------- Election

  @Test
  void campaignProclaimLeaderResign() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long a = s.grant(30);
          long bb = s.grant(30);
          t.lease(a);
          t.lease(bb);
          step(t, "leader before any campaign", () -> s.election().leader(leaderReq("el")));
          CampaignResponse won = step(t, "campaign A", () -> s.election().campaign(campaignReq("el", a, "a1")));
          LeaderKey leaderA = won.getLeader();
          step(t, "leader", () -> s.election().leader(leaderReq("el")));
          ListenableFuture<CampaignResponse> second = s.electionAsync().campaign(campaignReq("el", bb, "b1"));
          s.awaitCount("el/", 2);
          assertBlocked(s, second, "campaign B");
          step(t, "proclaim A", () -> s.election().proclaim(ProclaimRequest.newBuilder().setLeader(leaderA).setValue(b("a2")).build()));
          step(t, "leader", () -> s.election().leader(leaderReq("el")));
          LeaderKey stale = leaderA.toBuilder().setRev(leaderA.getRev() + 1000).build();
          step(t, "proclaim wrong rev", () -> s.election().proclaim(ProclaimRequest.newBuilder().setLeader(stale).setValue(b("x")).build()));
          step(t, "proclaim no leader field", () -> s.election().proclaim(ProclaimRequest.newBuilder().setValue(b("x")).build()));
          step(t, "resign no leader field", () -> s.election().resign(ResignRequest.getDefaultInstance()));
          step(t, "resign wrong rev", () -> s.election().resign(ResignRequest.newBuilder().setLeader(stale).build()));
          step(t, "resign A", () -> s.election().resign(ResignRequest.newBuilder().setLeader(leaderA).build()));
          CampaignResponse wonB = await(second);
          t.add("B leads", wonB);
          step(t, "leader", () -> s.election().leader(leaderReq("el")));
          step(t, "proclaim A after resign", () -> s.election().proclaim(ProclaimRequest.newBuilder().setLeader(leaderA).setValue(b("a3")).build()));
          step(t, "resign B", () -> s.election().resign(ResignRequest.newBuilder().setLeader(wonB.getLeader()).build()));
          step(t, "leader after all resigned", () -> s.election().leader(leaderReq("el")));
          step(t, "resign B again", () -> s.election().resign(ResignRequest.newBuilder().setLeader(wonB.getLeader()).build()));
        });
  }

  @Test
  void campaigningAgainWithOneLeaseKeepsThePlaceAndUpdatesTheValue() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long a = s.grant(30);
          t.lease(a);
          step(t, "campaign v1", () -> s.election().campaign(campaignReq("ag", a, "v1")));
          step(t, "campaign v2", () -> s.election().campaign(campaignReq("ag", a, "v2")));
          step(t, "leader", () -> s.election().leader(leaderReq("ag")));
          CampaignResponse same = step(t, "campaign v2 again", () -> s.election().campaign(campaignReq("ag", a, "v2")));
          step(t, "resign", () -> s.election().resign(ResignRequest.newBuilder().setLeader(same.getLeader()).build()));
        });
  }

  @Test
  void campaignWithoutLease() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          CampaignResponse won = step(t, "campaign lease 0", () -> s.election().campaign(campaignReq("cz", 0, "v")));
          step(t, "leader", () -> s.election().leader(leaderReq("cz")));
          step(t, "resign", () -> s.election().resign(ResignRequest.newBuilder().setLeader(won.getLeader()).build()));
          s.lease().leaseRevoke(LeaseRevokeRequest.newBuilder().setID(won.getLeader().getLease()).build());
          step(t, "campaign unknown lease", () -> s.election().campaign(campaignReq("cz", 0x123456789L, "v")));
        });
  }

  @Test
  void cancelledCampaignRemovesItsKey() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long a = s.grant(30);
          long bb = s.grant(30);
          t.lease(a);
          t.lease(bb);
          CampaignResponse won = step(t, "campaign A", () -> s.election().campaign(campaignReq("cc", a, "a")));
          ListenableFuture<CampaignResponse> waiting = s.electionAsync().campaign(campaignReq("cc", bb, "b"));
          s.awaitCount("cc/", 2);
          waiting.cancel(true);
          s.awaitCount("cc/", 1);
          step(t, "range cc/ after cancel", () -> s.kv().range(prefixRange("cc/")));
          step(t, "resign A", () -> s.election().resign(ResignRequest.newBuilder().setLeader(won.getLeader()).build()));
        });
  }

  @Test
  void observeSeesEachLeaderAndValue() throws Exception {
    assertSameOnBoth(
        (s, t) -> {
          long a = s.grant(30);
          long bb = s.grant(30);
          t.lease(a);
          t.lease(bb);
          Observation obs = new Observation();
          s.electionStream().observe(leaderReq("ob"), obs);
          CampaignResponse wonA = step(t, "campaign A", () -> s.election().campaign(campaignReq("ob", a, "a1")));
          t.add("observed", obs.next());
          step(t, "proclaim A", () -> s.election().proclaim(ProclaimRequest.newBuilder().setLeader(wonA.getLeader()).setValue(b("a2")).build()));
          t.add("observed", obs.next());
          ListenableFuture<CampaignResponse> second = s.electionAsync().campaign(campaignReq("ob", bb, "b1"));
          s.awaitCount("ob/", 2);
          step(t, "resign A", () -> s.election().resign(ResignRequest.newBuilder().setLeader(wonA.getLeader()).build()));
          t.add("observed", obs.next());
          CampaignResponse wonB = await(second);
          t.add("B leads", wonB);
          step(t, "resign B", () -> s.election().resign(ResignRequest.newBuilder().setLeader(wonB.getLeader()).build()));
          step(t, "campaign A again", () -> s.election().campaign(campaignReq("ob", a, "a3")));
          t.add("observed", obs.next());
          Thread.sleep(BLOCKED_MS);
          t.note("further observed: " + obs.pending());
          obs.cancel();
          step(t, "leader", () -> s.election().leader(leaderReq("ob")));
        });
  }

  /** One Observe stream; responses queue up until the scenario takes them. */
  static final class Observation implements ClientResponseObserver<LeaderRequest, LeaderResponse> {
    private final LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
    private volatile ClientCallStreamObserver<LeaderRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<LeaderRequest> requestStream) {
      call = requestStream;
    }

    @Override
    public void onNext(LeaderResponse value) {
      got.add(value);
    }

    @Override
    public void onError(Throwable t) {
      got.add("ERROR " + t);
    }

    @Override
    public void onCompleted() {
      got.add("COMPLETED");
    }

    LeaderResponse next() throws InterruptedException {
      Object o = got.poll(WAIT_SECONDS, TimeUnit.SECONDS);
      if (o instanceof LeaderResponse r) {
        return r;
      }
      throw new AssertionError("observe gave " + o + " instead of a leader");
    }

    int pending() {
      return got.size();
    }

    void cancel() {
      call.cancel("test done", null);
    }
  }
}
