package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a client sees when a three-member cluster loses its leader or its quorum: the "require leader" metadata,
 * etcd's request-timeout answers, "leader changed" for reads, and that a write whose client gave up while there was no
 * leader is never applied. Members are hung with SIGSTOP (their connections stay open, as with a hung machine) and
 * resumed with SIGCONT, so quorum comes back within a second or two.
 *
 * <p>Every expectation below was first checked on etcd 3.4.23 ({@code -Detcdj.process.kinds=ETCD}) with etcd's default
 * timeouts (ReqTimeout = 5 s + 2 × 1 s election = 7 s):
 *
 * <ul>
 *   <li>{@code hasleader=true} on a member without a leader: every unary call (Put, Status, serializable Range) fails
 *       at once with Unavailable "etcdserver: no leader"; plain Status still answers.
 *   <li>a put with a long client deadline on a member that knows no leader: raft never takes it, and after ReqTimeout
 *       etcd returns the raw context error as gRPC Unknown "context deadline exceeded" (etcdctl {@code Error: rpc
 *       error: code = Unknown desc = context deadline exceeded}); a linearizable get: Unavailable "etcdserver: request
 *       timed out" after ReqTimeout.
 *   <li>{@code etcdctl --command-timeout=1s put}: {@code Error: context deadline exceeded} (the client's deadline) or
 *       {@code Error: rpc error: code = Unknown desc = context deadline exceeded} (etcd's, which honours the client's
 *       deadline); which one is a race (4 of 10 runs were etcd's).
 *   <li>a put whose client deadline passed while there was no leader is dropped: after quorum is back (within 7 s)
 *       the key does not exist.
 *   <li>leader hung: a linearizable get on a follower fails with Unavailable "etcdserver: leader changed" once the
 *       others elect a new leader (1.6 s in one run); a put on that follower is lost with the hung leader and fails
 *       after ReqTimeout with Unavailable "etcdserver: request timed out", or "…, possibly due to previous leader
 *       failure" when that follower itself became leader within two election timeouts of the put.
 * </ul>
 */
@Tag("process")
class LeaderLossProcessTest {
  static final Duration ELECTION_BOUND = ClusterProcessTest.ELECTION_BOUND;
  /** Longer than ReqTimeout, so the server decides when a call ends. */
  static final Duration LONG_DEADLINE = Duration.ofSeconds(30);
  /** A server answer "at ReqTimeout" (7 s): allow for scheduling on a loaded two-core machine. */
  static final long REQ_TIMEOUT_MIN_MS = 6_500;
  static final long REQ_TIMEOUT_MAX_MS = 9_500;
  /** An answer "at once": no waiting for raft. */
  static final long AT_ONCE_MS = 1_000;

  static final String NO_LEADER = "etcdserver: no leader";
  static final String TIMED_OUT = "etcdserver: request timed out";
  static final String TIMED_OUT_LEADER_FAIL = "etcdserver: request timed out, possibly due to previous leader failure";
  static final String CONTEXT_DEADLINE = "context deadline exceeded";
  static final Set<String> ETCDCTL_SHORT_DEADLINE =
      Set.of("Error: context deadline exceeded", "Error: rpc error: code = Unknown desc = context deadline exceeded");

  /** A call's outcome and how long it took. */
  record Outcome(Object result, long millis) {
    StatusRuntimeException error() {
      if (!(result instanceof StatusRuntimeException e)) {
        throw new AssertionError("expected a gRPC error, got " + result);
      }
      return e;
    }
  }

  @ParameterizedTest
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void clientsSeeEtcdsAnswersWhenTheLeaderOrTheQuorumIsLost(EtcdProcess.Kind kind) throws Exception {
    ExecutorService calls = Executors.newCachedThreadPool(ClusterProcessTest.daemon("leader-loss-call"));
    try (EtcdCluster c = EtcdCluster.start(kind, "leaderloss")) {
      EtcdProcess leader = c.awaitLeader(ELECTION_BOUND);
      c.kvBlocking(leader).withDeadlineAfter(5, TimeUnit.SECONDS).put(put("/ll/before", "1"));
      hungLeader(c, leader, calls);
      EtcdProcess survivor = c.awaitLeader(ELECTION_BOUND);
      lostQuorum(c, survivor, calls);
    } finally {
      calls.shutdownNow();
    }
  }

  /** The leader hangs: a follower's pending read fails with "leader changed", its put times out. */
  private static void hungLeader(EtcdCluster c, EtcdProcess oldLeader, ExecutorService calls) throws Exception {
    long oldId = c.memberId(oldLeader);
    EtcdProcess asked = others(c, oldLeader).get(0);
    long askedId = c.memberId(asked);
    long startNs = System.nanoTime();
    oldLeader.pause();
    try {
      Future<Outcome> read =
          timed(calls, () -> c.kvBlocking(asked).withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .range(RangeRequest.newBuilder().setKey(bs("/ll/before")).build()));
      Future<Outcome> write =
          timed(calls, () -> c.kvBlocking(asked).withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .put(put("/ll/lost-with-leader", "x")));
      // Who leads next, and roughly when the asked follower learned it.
      long newLeader = 0;
      long electedMs = -1;
      while (ClusterProcessTest.ms(startNs) < ELECTION_BOUND.toMillis()) {
        EtcdCluster.MemberStatus s = c.statusOrNull(asked);
        if (s != null && s.leader() != 0 && s.leader() != oldId) {
          newLeader = s.leader();
          electedMs = ClusterProcessTest.ms(startNs);
          break;
        }
        EtcdProcess.sleepMs(EtcdCluster.POLL_MS);
      }
      assertNotEquals(0, newLeader, "no new leader within " + ELECTION_BOUND);

      Outcome r = read.get(ELECTION_BOUND.toSeconds() + 10, TimeUnit.SECONDS);
      assertStatus(Status.Code.UNAVAILABLE, "etcdserver: leader changed", r.error(), "linearizable get, leader hung");
      assertTrue(r.millis() < ELECTION_BOUND.toMillis(), "leader changed only after " + r.millis() + " ms");

      Outcome w = write.get(LONG_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
      String text = w.error().getStatus().getDescription();
      assertEquals(Status.Code.UNAVAILABLE, w.error().getStatus().getCode(), "put, leader hung: " + w.error());
      if (newLeader != askedId) {
        assertEquals(TIMED_OUT, text, "put on a follower that did not become leader");
      } else if (electedMs < 1_600) {
        assertEquals(TIMED_OUT_LEADER_FAIL, text, "put on the follower elected " + electedMs + " ms later");
      } else {
        // elected close to two election timeouts after the put: the poll cannot tell which side
        assertTrue(Set.of(TIMED_OUT, TIMED_OUT_LEADER_FAIL).contains(text), text);
      }
      assertInReqTimeout(w, "put, leader hung");
      ClusterProcessTest.measured(
          c.kind(),
          "leader hung: get failed after " + r.millis() + " ms ('leader changed'); put failed after " + w.millis()
              + " ms ('" + text + "'); the asked follower " + (newLeader == askedId ? "became" : "did not become")
              + " leader, " + electedMs + " ms after the hang");
    } finally {
      oldLeader.resume();
    }
  }

  /** Two members hang: require-leader calls fail at once, the others as etcd's request timeout says. */
  private static void lostQuorum(EtcdCluster c, EtcdProcess survivor, ExecutorService calls) throws Exception {
    List<EtcdProcess> hung = others(c, survivor);
    for (EtcdProcess m : hung) {
      m.pause();
    }
    try {
      long stopNs = System.nanoTime();
      while (c.status(survivor).leader() != 0) {
        assertTrue(ClusterProcessTest.ms(stopNs) < ELECTION_BOUND.toMillis(), "the survivor still names a leader");
        EtcdProcess.sleepMs(EtcdCluster.POLL_MS);
      }

      // hasleader=true: refused at once, whatever the call
      Channel requireLeader = requireLeader(c.channel(survivor));
      long ns = System.nanoTime();
      StatusRuntimeException putErr =
          expectError(() -> io.etcdj.api.etcdserverpb.KVGrpc.newBlockingStub(requireLeader)
              .withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .put(put("/ll/require-leader", "x")));
      assertStatus(Status.Code.UNAVAILABLE, NO_LEADER, putErr, "put with hasleader");
      StatusRuntimeException statusErr =
          expectError(() -> MaintenanceGrpc.newBlockingStub(requireLeader)
              .withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .status(StatusRequest.getDefaultInstance()));
      assertStatus(Status.Code.UNAVAILABLE, NO_LEADER, statusErr, "status with hasleader");
      StatusRuntimeException rangeErr =
          expectError(() -> io.etcdj.api.etcdserverpb.KVGrpc.newBlockingStub(requireLeader)
              .withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .range(RangeRequest.newBuilder().setKey(bs("/ll/before")).setSerializable(true).build()));
      assertStatus(Status.Code.UNAVAILABLE, NO_LEADER, rangeErr, "serializable get with hasleader");
      long requireLeaderMs = ClusterProcessTest.ms(ns);
      assertTrue(requireLeaderMs < 3 * AT_ONCE_MS, "three require-leader calls took " + requireLeaderMs + " ms");
      assertEquals(List.of(NO_LEADER), c.status(survivor).errors(), "plain Status still answers");

      // Long client deadlines: the server gives up at ReqTimeout. All three at once.
      Future<Outcome> grpcPut =
          timed(calls, () -> c.kvBlocking(survivor).withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .put(put("/ll/no-leader-grpc", "x")));
      Future<Outcome> grpcGet =
          timed(calls, () -> c.kvBlocking(survivor).withDeadlineAfter(LONG_DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
              .range(RangeRequest.newBuilder().setKey(bs("/ll/before")).build()));
      long ctlNs = System.nanoTime();
      Etcdctl.Result ctlPut =
          Etcdctl.run(
              survivor.endpoint(),
              List.of("--command-timeout", LONG_DEADLINE.toSeconds() + "s", "put", "/ll/no-leader-etcdctl", "x"),
              null,
              LONG_DEADLINE.plusSeconds(15));
      long ctlMs = ClusterProcessTest.ms(ctlNs);
      Outcome put = grpcPut.get(LONG_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
      Outcome get = grpcGet.get(LONG_DEADLINE.toSeconds() + 5, TimeUnit.SECONDS);
      assertStatus(Status.Code.UNKNOWN, CONTEXT_DEADLINE, put.error(), "put without a leader");
      assertInReqTimeout(put, "put without a leader");
      assertStatus(Status.Code.UNAVAILABLE, TIMED_OUT, get.error(), "linearizable get without a leader");
      assertInReqTimeout(get, "linearizable get without a leader");
      assertNotEquals(0, ctlPut.exitCode(), "etcdctl put without a leader: " + ctlPut);
      assertEquals(
          "Error: rpc error: code = Unknown desc = context deadline exceeded",
          ClusterProcessTest.errorLine(ctlPut.stderr()),
          "etcdctl put without a leader");
      assertTrue(
          ctlMs >= REQ_TIMEOUT_MIN_MS && ctlMs <= REQ_TIMEOUT_MAX_MS, "etcdctl put failed after " + ctlMs + " ms");

      // A short client deadline: the client's or the server's answer, whichever is first.
      long shortNs = System.nanoTime();
      Etcdctl.Result shortPut =
          Etcdctl.run(survivor.endpoint(), List.of("--command-timeout", "1s", "put", "/ll/short", "x"));
      long shortMs = ClusterProcessTest.ms(shortNs);
      String shortError = ClusterProcessTest.errorLine(shortPut.stderr());
      assertTrue(ETCDCTL_SHORT_DEADLINE.contains(shortError), "etcdctl put --command-timeout=1s: " + shortPut);
      assertTrue(shortMs < 3_000, "etcdctl put --command-timeout=1s took " + shortMs + " ms");

      // The last write before quorum comes back: its client gives up after 1 s, so it must never be applied.
      Outcome side =
          timed(calls, () -> c.kvBlocking(survivor).withDeadlineAfter(1, TimeUnit.SECONDS).put(put("/ll/side", "x")))
              .get(10, TimeUnit.SECONDS);
      String sideText = side.error().getStatus().getCode() + " " + side.error().getStatus().getDescription();
      assertTrue(
          side.error().getStatus().getCode() == Status.Code.DEADLINE_EXCEEDED
              || sideText.equals("UNKNOWN " + CONTEXT_DEADLINE),
          "put with a 1 s deadline: " + sideText);
      ClusterProcessTest.measured(
          c.kind(),
          "quorum lost: require-leader calls " + requireLeaderMs + " ms; put " + put.millis() + " ms ("
              + put.error().getStatus().getCode() + "), get " + get.millis() + " ms, etcdctl put " + ctlMs
              + " ms; etcdctl 1s put '" + shortError + "'; gRPC 1s put " + sideText);
    } finally {
      for (EtcdProcess m : hung) {
        m.resume();
      }
    }
    c.awaitLeader(ELECTION_BOUND);
    RangeResponse after =
        c.kvBlocking(survivor)
            .withDeadlineAfter(10, TimeUnit.SECONDS)
            .range(RangeRequest.newBuilder().setKey(bs("/ll/")).setRangeEnd(bs("/ll0")).build());
    List<String> keys = new ArrayList<>();
    after.getKvsList().forEach(kv -> keys.add(kv.getKey().toStringUtf8()));
    // "/ll/lost-with-leader" may or may not exist: the hung leader may still have forwarded it after resuming.
    keys.remove("/ll/lost-with-leader");
    assertEquals(List.of("/ll/before"), keys, "writes that timed out without a leader must not be applied");
  }

  // ------------------------------------------------------------------ helpers

  static List<EtcdProcess> others(EtcdCluster c, EtcdProcess m) {
    List<EtcdProcess> others = new ArrayList<>(c.members());
    others.remove(m);
    return others;
  }

  static Channel requireLeader(Channel ch) {
    Metadata md = new Metadata();
    md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
    return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  static Future<Outcome> timed(ExecutorService calls, Callable<Object> call) {
    return calls.submit(
        () -> {
          long ns = System.nanoTime();
          Object result;
          try {
            result = call.call();
          } catch (StatusRuntimeException e) {
            result = e;
          }
          return new Outcome(result, ClusterProcessTest.ms(ns));
        });
  }

  static StatusRuntimeException expectError(Callable<Object> call) throws Exception {
    try {
      Object r = call.call();
      return fail("expected an error, got " + r);
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  static void assertStatus(Status.Code code, String description, StatusRuntimeException e, String what) {
    assertEquals(code + " " + description, e.getStatus().getCode() + " " + e.getStatus().getDescription(), what);
  }

  static void assertInReqTimeout(Outcome o, String what) {
    assertTrue(
        o.millis() >= REQ_TIMEOUT_MIN_MS && o.millis() <= REQ_TIMEOUT_MAX_MS,
        what + ": answered after " + o.millis() + " ms, expected about 7 s (ReqTimeout)");
  }

  static ByteString bs(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static PutRequest put(String key, String value) {
    return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
  }
}
