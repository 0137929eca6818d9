package io.etcdj.server.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.ClusterGrpc;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.CompactionResponse;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.MemberListRequest;
import io.etcdj.api.etcdserverpb.MemberListResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link MemberGuard} in front of stand-in services on an in-process gRPC server: the learner and
 * "require leader" rules of etcd 3.4's interceptors, per RPC, and the cut-off of streams that
 * required a leader. The member state is a pair of fields the test flips; the leader monitor is
 * driven by calling {@link MemberGuard#checkLeader} directly, so nothing here sleeps.
 */
class MemberGuardTest {
  static final long LEADER = 0x42;

  /** The member state the guard reads; flipped by the tests. */
  static final class FakeMember implements MemberGuard.MemberState {
    volatile long leader = LEADER;
    volatile boolean learner;

    @Override
    public long leaderId() {
      return leader;
    }

    @Override
    public boolean isLearner() {
      return learner;
    }
  }

  private final FakeMember member = new FakeMember();
  private final MemberGuard guard = new MemberGuard(member);
  /** How many calls reached a stand-in handler. */
  private final AtomicInteger handled = new AtomicInteger();
  /** Contexts of watch streams as their handler saw them. */
  private final BlockingQueue<Context> watchContexts = new LinkedBlockingQueue<>();
  private Server server;
  private ManagedChannel channel;

  @BeforeEach
  void startServer() throws IOException {
    String name = "member-guard-" + System.nanoTime();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .intercept(guard)
            .addService(new Kv())
            .addService(new Maintenance())
            .addService(new Cluster())
            .addService(new Watch())
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterEach
  void stopServer() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  // ------------------------------------------------------------------ unary calls

  /** One unary RPC through a channel, and whether etcd 3.4 lets a learner serve it. */
  record Rpc(String name, Function<Channel, Object> call, boolean learnerMayServe) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Rpc> rpcs() {
    return Stream.of(
        new Rpc("Status", ch -> MaintenanceGrpc.newBlockingStub(ch).status(StatusRequest.getDefaultInstance()), true),
        new Rpc(
            "Range serializable",
            ch -> KVGrpc.newBlockingStub(ch).range(RangeRequest.newBuilder().setKey(b("k")).setSerializable(true).build()),
            true),
        new Rpc(
            "Range linearizable",
            ch -> KVGrpc.newBlockingStub(ch).range(RangeRequest.newBuilder().setKey(b("k")).build()),
            false),
        new Rpc("Put", ch -> KVGrpc.newBlockingStub(ch).put(PutRequest.newBuilder().setKey(b("k")).build()), false),
        new Rpc(
            "DeleteRange",
            ch -> KVGrpc.newBlockingStub(ch).deleteRange(DeleteRangeRequest.newBuilder().setKey(b("k")).build()),
            false),
        // etcd 3.4 lets a learner serve no Txn, not even a serializable read-only one.
        new Rpc(
            "Txn serializable read-only",
            ch ->
                KVGrpc.newBlockingStub(ch)
                    .txn(
                        TxnRequest.newBuilder()
                            .addSuccess(
                                RequestOp.newBuilder()
                                    .setRequestRange(RangeRequest.newBuilder().setKey(b("k")).setSerializable(true)))
                            .build()),
            false),
        new Rpc("Compact", ch -> KVGrpc.newBlockingStub(ch).compact(CompactionRequest.getDefaultInstance()), false),
        new Rpc("HashKV", ch -> MaintenanceGrpc.newBlockingStub(ch).hashKV(HashKVRequest.getDefaultInstance()), false),
        new Rpc("Alarm", ch -> MaintenanceGrpc.newBlockingStub(ch).alarm(AlarmRequest.getDefaultInstance()), false),
        new Rpc(
            "MemberList", ch -> ClusterGrpc.newBlockingStub(ch).memberList(MemberListRequest.getDefaultInstance()), false));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void withALeaderEveryCallIsServedWithOrWithoutRequireLeader(Rpc rpc) {
    assertNotNull(rpc.call().apply(channel));
    assertNotNull(rpc.call().apply(requireLeader(channel, "true")));
    assertEquals(2, handled.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void withoutALeaderRequireLeaderFailsEveryCallAndOthersAreServed(Rpc rpc) {
    member.leader = 0;
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rpc.call().apply(requireLeader(channel, "true")));
    assertStatus(Status.Code.UNAVAILABLE, "etcdserver: no leader", e);
    assertEquals(0, handled.get(), "the handler must not run");
    // Without the metadata (or with another value) the call reaches the handler, as in etcd.
    assertNotNull(rpc.call().apply(channel));
    assertNotNull(rpc.call().apply(requireLeader(channel, "false")));
    assertEquals(2, handled.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void aLearnerServesOnlyStatusAndSerializableRange(Rpc rpc) {
    member.learner = true;
    if (rpc.learnerMayServe()) {
      assertNotNull(rpc.call().apply(channel));
      assertEquals(1, handled.get());
      return;
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rpc.call().apply(channel));
    assertStatus(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner", e);
    assertEquals(0, handled.get(), "the handler must not run");
  }

  /** etcd checks the learner rule first: a learner without a leader refuses a Put as a learner. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("rpcs")
  void aLearnerWithoutALeaderGivesTheLearnerErrorFirst(Rpc rpc) {
    member.learner = true;
    member.leader = 0;
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> rpc.call().apply(requireLeader(channel, "true")));
    if (rpc.learnerMayServe()) {
      assertStatus(Status.Code.UNAVAILABLE, "etcdserver: no leader", e);
    } else {
      assertStatus(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner", e);
    }
  }

  /**
   * The client port hands interceptors a request's bytes (RequestDecoding): a learner must still
   * serve Status and serializable Ranges (CI's learner test failed when the rule only knew typed
   * requests, and a learner refused everything).
   */
  @Test
  void aLearnerJudgesRequestsGivenAsBytes() {
    String status = io.etcdj.api.etcdserverpb.MaintenanceGrpc.getStatusMethod().getFullMethodName();
    String range = io.etcdj.api.etcdserverpb.KVGrpc.getRangeMethod().getFullMethodName();
    String put = io.etcdj.api.etcdserverpb.KVGrpc.getPutMethod().getFullMethodName();
    byte[] serializable =
        io.etcdj.api.etcdserverpb.RangeRequest.newBuilder()
            .setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
            .setSerializable(true)
            .build()
            .toByteArray();
    byte[] linearizable =
        io.etcdj.api.etcdserverpb.RangeRequest.newBuilder()
            .setKey(com.google.protobuf.ByteString.copyFromUtf8("k"))
            .build()
            .toByteArray();
    assertTrue(MemberGuard.supportedForLearner(status, new byte[0]));
    assertTrue(MemberGuard.supportedForLearner(range, serializable));
    assertFalse(MemberGuard.supportedForLearner(range, linearizable));
    assertFalse(MemberGuard.supportedForLearner(put, new byte[] {10, 1, 107}));
    assertTrue(MemberGuard.supportedForLearner(range, new byte[] {10, 5}), "unparsable: the decoder answers");
  }

  @Test
  void onlyTheFirstHasLeaderValueCounts() {
    Metadata first = new Metadata();
    first.put(MemberGuard.REQUIRE_LEADER, "true");
    first.put(MemberGuard.REQUIRE_LEADER, "false");
    Metadata second = new Metadata();
    second.put(MemberGuard.REQUIRE_LEADER, "false");
    second.put(MemberGuard.REQUIRE_LEADER, "true");
    assertTrue(MemberGuard.requiresLeader(first));
    assertFalse(MemberGuard.requiresLeader(second));
    assertFalse(MemberGuard.requiresLeader(new Metadata()));
  }

  // ------------------------------------------------------------------ streams

  @Test
  void aLearnerRefusesEveryStream() throws Exception {
    member.learner = true;
    WatchClient w = openWatch(channel);
    assertStatus(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner", w.awaitError());
    assertTrue(watchContexts.isEmpty(), "the watch handler must not run");
  }

  @Test
  void aStreamRequiringALeaderIsRefusedWithoutOne() throws Exception {
    member.leader = 0;
    WatchClient w = openWatch(requireLeader(channel, "true"));
    assertStatus(Status.Code.UNAVAILABLE, "etcdserver: no leader", w.awaitError());
    assertTrue(watchContexts.isEmpty(), "the watch handler must not run");
    assertEquals(0, guard.guardedStreams());
  }

  /**
   * etcd's monitorLeader: a stream that required a leader survives two election timeouts without
   * one, and is closed with "etcdserver: no leader" at the third; its context is cancelled.
   */
  @Test
  void aStreamRequiringALeaderIsClosedAfterThreeChecksWithoutOne() throws Exception {
    WatchClient guarded = openWatch(requireLeader(channel, "true"));
    WatchClient plain = openWatch(channel);
    guarded.send();
    plain.send();
    assertTrue(guarded.responses.take().getCreated());
    assertTrue(plain.responses.take().getCreated());
    Context guardedContext = watchContexts.take();
    Context plainContext = watchContexts.take();
    assertEquals(1, guard.guardedStreams());

    member.leader = 0;
    guard.checkLeader();
    guard.checkLeader();
    assertNull(guarded.error.poll(), "closed before three checks without a leader");
    assertFalse(guardedContext.isCancelled());
    guard.checkLeader();

    assertStatus(Status.Code.UNAVAILABLE, "etcdserver: no leader", guarded.awaitError());
    assertTrue(guardedContext.isCancelled(), "the handler's context is cancelled");
    assertEquals(0, guard.guardedStreams());
    // A stream that did not ask for a leader stays open.
    assertFalse(plainContext.isCancelled());
    plain.send();
    assertTrue(plain.responses.take().getCreated());
    plain.requests.onCompleted();
  }

  @Test
  void aLeaderBackInTimeResetsTheCount() throws Exception {
    WatchClient w = openWatch(requireLeader(channel, "true"));
    w.send();
    assertTrue(w.responses.take().getCreated());
    member.leader = 0;
    guard.checkLeader();
    guard.checkLeader();
    member.leader = LEADER;
    guard.checkLeader();
    member.leader = 0;
    guard.checkLeader();
    guard.checkLeader();
    assertNull(w.error.poll(), "the leader came back in between: two checks only");
    w.send();
    assertTrue(w.responses.take().getCreated());
    w.requests.onCompleted();
    assertNull(w.awaitError(), "completed normally");
    assertEquals(0, guard.guardedStreams(), "a finished stream is no longer guarded");
  }

  // ------------------------------------------------------------------ helpers

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static Channel requireLeader(Channel ch, String value) {
    Metadata md = new Metadata();
    md.put(MemberGuard.REQUIRE_LEADER, value);
    return ClientInterceptors.intercept(ch, MetadataUtils.newAttachHeadersInterceptor(md));
  }

  static void assertStatus(Status.Code code, String description, Throwable t) {
    assertTrue(t instanceof StatusRuntimeException, "not a gRPC status: " + t);
    Status s = ((StatusRuntimeException) t).getStatus();
    assertEquals(code, s.getCode(), s.toString());
    assertEquals(description, s.getDescription());
  }

  /** The client end of one watch stream. */
  static final class WatchClient {
    final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
    /** Holds the stream's end: the error, or a marker for a normal completion. */
    final BlockingQueue<Object> error = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests;

    void send() {
      requests.onNext(
          WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("k"))).build());
    }

    /** The error that ended the stream, or null when it completed normally. */
    Throwable awaitError() throws InterruptedException {
      Object end = error.poll(5, TimeUnit.SECONDS);
      assertNotNull(end, "the stream did not end");
      return end instanceof Throwable t ? t : null;
    }
  }

  static WatchClient openWatch(Channel ch) {
    WatchClient w = new WatchClient();
    w.requests =
        WatchGrpc.newStub(ch)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse value) {
                    w.responses.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    w.error.add(t);
                  }

                  @Override
                  public void onCompleted() {
                    w.error.add("completed");
                  }
                });
    return w;
  }

  // ------------------------------------------------------------------ stand-in services

  private final class Kv extends KVGrpc.KVImplBase {
    @Override
    public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
      answer(RangeResponse.getDefaultInstance(), out);
    }

    @Override
    public void put(PutRequest request, StreamObserver<PutResponse> out) {
      answer(PutResponse.getDefaultInstance(), out);
    }

    @Override
    public void deleteRange(DeleteRangeRequest request, StreamObserver<DeleteRangeResponse> out) {
      answer(DeleteRangeResponse.getDefaultInstance(), out);
    }

    @Override
    public void txn(TxnRequest request, StreamObserver<TxnResponse> out) {
      answer(TxnResponse.getDefaultInstance(), out);
    }

    @Override
    public void compact(CompactionRequest request, StreamObserver<CompactionResponse> out) {
      answer(CompactionResponse.getDefaultInstance(), out);
    }
  }

  private final class Maintenance extends MaintenanceGrpc.MaintenanceImplBase {
    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
      answer(StatusResponse.getDefaultInstance(), out);
    }

    @Override
    public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
      answer(HashKVResponse.getDefaultInstance(), out);
    }

    @Override
    public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
      answer(AlarmResponse.getDefaultInstance(), out);
    }
  }

  private final class Cluster extends ClusterGrpc.ClusterImplBase {
    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> out) {
      answer(MemberListResponse.getDefaultInstance(), out);
    }
  }

  /** Answers each create request with {@code created}; remembers the context it ran in. */
  private final class Watch extends WatchGrpc.WatchImplBase {
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
      watchContexts.add(Context.current());
      return new StreamObserver<>() {
        @Override
        public void onNext(WatchRequest value) {
          out.onNext(WatchResponse.newBuilder().setCreated(true).build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  private <T> void answer(T response, StreamObserver<T> out) {
    handled.incrementAndGet();
    out.onNext(response);
    out.onCompleted();
  }
}
