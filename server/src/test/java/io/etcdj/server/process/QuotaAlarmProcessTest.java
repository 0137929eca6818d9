package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code --quota-backend-bytes} and the NOSPACE alarm, run the same way against real etcd 3.4.23 and etcdj: fill a
 * small quota until writes fail, check what fails (put, txn with a put, lease grant: ResourceExhausted "etcdserver:
 * mvcc: database space exceeded") and what keeps working (range, read-only txn, delete, compact, defrag), what
 * {@code etcdctl alarm list} and {@code endpoint status} print, and that compact + defrag + {@code alarm disarm} lets
 * writes through again. A three-member run checks that the alarm raised through one member is listed by every member
 * and refuses writes sent to any of them.
 */
@Tag("process")
class QuotaAlarmProcessTest {
  /** A few hundred KiB: fills with ~100 values of 2 KB on both backends. */
  static final long QUOTA_BYTES = 400_000;

  static final String NO_SPACE = "etcdserver: mvcc: database space exceeded";
  static final int FILL_PUTS_MAX = 1_000;
  static final ByteString VALUE = ByteString.copyFromUtf8("x".repeat(2_000));

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void fillUntilNoSpaceThenRecover(EtcdProcess.Kind kind) throws Exception {
    try (EtcdProcess server =
            EtcdProcess.start(kind, "quota", List.of("--quota-backend-bytes", Long.toString(QUOTA_BYTES)));
        Channel ch = new Channel(server)) {
      String ep = server.endpoint();
      String alarmLine = "memberID:" + Long.toUnsignedString(server.memberId()) + " alarm:NOSPACE \n";
      int puts = fill(ch.kv());
      assertTrue(puts > 20 && puts < 300, kind + ": puts before NOSPACE " + puts);

      assertNoSpace(() -> ch.kv().put(put("another")));
      assertNoSpace(() -> ch.kv().txn(TxnRequest.newBuilder().addFailure(op(put("t"))).build()));
      assertNoSpace(() -> LeaseGrpc.newBlockingStub(ch.channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()));
      Etcdctl.Result put = Etcdctl.run(ep, List.of("put", "k", "v"));
      assertEquals(1, put.exitCode());
      assertTrue(put.stderr().endsWith("Error: " + NO_SPACE + "\n"), put.stderr());
      assertEquals(alarmLine, Etcdctl.run(ep, List.of("alarm", "list")).stdout());
      // /health reports the alarm unless it is excluded, as etcd 3.4's.
      Curl.Answer health = Curl.get(server.clientUrl() + "/health");
      assertEquals(503, health.status(), kind + ": /health with NOSPACE");
      assertEquals("{\"health\":\"false\"}", health.body().strip());
      Curl.Answer excluded = Curl.get(server.clientUrl() + "/health?exclude=NOSPACE");
      assertEquals(200, excluded.status(), kind + ": /health?exclude=NOSPACE");
      assertEquals("{\"health\":\"true\"}", excluded.body().strip());
      String status = Etcdctl.run(ep, List.of("endpoint", "status", "-w", "json")).stdout();
      assertTrue(status.contains("\"errors\":[\"" + alarmLine.strip() + " \"]"), status);

      // Reads, read-only txns, deletes and compaction keep working.
      assertEquals(puts, ch.kv().range(RangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).setCountOnly(true).build()).getCount());
      ch.kv().txn(TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("k0")))).build());
      assertEquals(puts, ch.kv().deleteRange(DeleteRangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).build()).getDeleted());
      long rev = ch.kv().range(RangeRequest.newBuilder().setKey(b("k0")).build()).getHeader().getRevision();
      ch.kv().compact(CompactionRequest.newBuilder().setRevision(rev).setPhysical(true).build());
      assertEquals("Finished defragmenting etcd member[" + ep + "]\n", Etcdctl.run(ep, List.of("defrag")).stdout());
      // The alarm still refuses writes until it is disarmed, even with the space back.
      assertNoSpace(() -> ch.kv().put(put("early")));

      assertEquals(alarmLine, Etcdctl.run(ep, List.of("alarm", "disarm")).stdout());
      assertEquals("", Etcdctl.run(ep, List.of("alarm", "list")).stdout());
      assertEquals("", Etcdctl.run(ep, List.of("alarm", "disarm")).stdout(), "nothing left to disarm");
      assertEquals("OK\n", Etcdctl.run(ep, List.of("put", "k", "v")).stdout());
      assertTrue(LeaseGrpc.newBlockingStub(ch.channel).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(60).build()).getID() != 0);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.etcdj.server.process.EtcdProcess#selectedKinds")
  void noSpaceRaisedThroughOneMemberIsSeenByAll(EtcdProcess.Kind kind) throws Exception {
    EtcdCluster.Options options =
        new EtcdCluster.Options(3, 100, 1_000, 0, List.of("--quota-backend-bytes", Long.toString(QUOTA_BYTES)));
    try (EtcdCluster c = EtcdCluster.start(kind, "quota3", options)) {
      fill(c.kvBlocking(c.member(0)));
      // Every member checks each applied write against its own backend too, and the first that crosses its quota
      // raises NOSPACE for itself (asynchronously), so which members are listed depends on timing: wait until all
      // members list the same alarms, then check each is a NOSPACE of a member.
      List<String> alarms = convergedAlarms(c);
      assertTrue(!alarms.isEmpty(), "no alarm listed");
      List<String> possible = new java.util.ArrayList<>();
      for (EtcdProcess m : c.members()) {
        possible.add("memberID:" + Long.toUnsignedString(c.memberId(m)) + " alarm:NOSPACE ");
      }
      assertTrue(possible.containsAll(alarms), "alarms " + alarms + " of members " + possible);
      for (EtcdProcess m : c.members()) {
        assertEquals(alarms, c.status(m).errors().stream().sorted().toList(), "status of " + m);
      }
      // Every member refuses writes (the applied alarm caps them all; a member's own quota check may add its alarm).
      for (EtcdProcess m : c.members()) {
        assertNoSpace(() -> c.kvBlocking(m).withDeadlineAfter(10, TimeUnit.SECONDS).put(put("more")));
      }
      alarms = convergedAlarms(c);
      assertEquals(alarms, lines(Etcdctl.run(c.member(2).endpoint(), List.of("alarm", "disarm")).stdout()));
      for (EtcdProcess m : c.members()) {
        assertEquals("", Etcdctl.run(m.endpoint(), List.of("alarm", "list")).stdout(), "alarm list via " + m);
      }
    }
  }

  /** The alarms once every member lists the same ones (raises are asynchronous), sorted. */
  static List<String> convergedAlarms(EtcdCluster c) {
    List<String> lists = alarmLists(c);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (lists.stream().distinct().count() != 1 && System.nanoTime() < deadline) {
      EtcdProcess.sleepMs(200);
      lists = alarmLists(c);
    }
    assertEquals(1, lists.stream().distinct().count(), "alarm lists " + lists);
    return lines(lists.get(0));
  }

  /** What {@code alarm list} prints through each member, lines sorted (etcd lists alarms in map order). */
  static List<String> alarmLists(EtcdCluster c) {
    List<String> out = new java.util.ArrayList<>();
    for (EtcdProcess m : c.members()) {
      out.add(String.join("\n", lines(Etcdctl.run(m.endpoint(), List.of("alarm", "list")).stdout())));
    }
    return out;
  }

  static List<String> lines(String out) {
    return out.isEmpty() ? List.of() : java.util.Arrays.stream(out.split("\n")).sorted().toList();
  }

  /** Puts 2 KB values under k000, k001, ... until the quota refuses one; returns the puts that succeeded. */
  static int fill(KVGrpc.KVBlockingStub kv) {
    for (int i = 0; i < FILL_PUTS_MAX; i++) {
      try {
        kv.withDeadlineAfter(10, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(b(String.format("k%03d", i))).setValue(VALUE).build());
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        assertEquals(NO_SPACE, e.getStatus().getDescription());
        return i;
      }
    }
    throw new AssertionError("no NOSPACE after " + FILL_PUTS_MAX + " puts of 2 KB");
  }

  static void assertNoSpace(org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
    assertEquals(NO_SPACE, e.getStatus().getDescription());
  }

  static PutRequest put(String key) {
    return PutRequest.newBuilder().setKey(b(key)).setValue(b("v")).build();
  }

  static RequestOp op(PutRequest p) {
    return RequestOp.newBuilder().setRequestPut(p).build();
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** A plaintext channel to one server, closed with the test. */
  static final class Channel implements AutoCloseable {
    final ManagedChannel channel;

    Channel(EtcdProcess server) {
      channel = NettyChannelBuilder.forTarget(server.endpoint()).usePlaintext().build();
    }

    KVGrpc.KVBlockingStub kv() {
      return KVGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
