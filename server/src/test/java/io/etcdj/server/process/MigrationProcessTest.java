package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseLeasesRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseStatus;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveRequest;
import io.etcdj.api.etcdserverpb.LeaseTimeToLiveResponse;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Migration from a real etcd 3.4.23: fill it with history (versions, single and prefix deletes,
 * multi-op txns, a txn taking its else branch, leases attached, revoked and live, a value on
 * overflow pages, enough keys for branch pages), compact at a middle revision, save a snapshot with
 * stock etcdctl, restore it with stock etcdctl into a real etcd and with ours into etcdj. All three
 * must answer alike: the full range at every revision from the compacted one to the head, the
 * errors below and above that window, a watch replaying the history, the leases with their
 * granted TTL and keys, HashKV and the status revision; then a put after the restore. The source is
 * always a real etcd, whatever {@code etcdj.process.kinds} selects.
 */
@Tag("process")
class MigrationProcessTest {
  private static final String TOKEN = "migrated";
  /** Twice (before and after the compaction): 1,280 keys, so the key bucket has branch pages. */
  private static final int BULK_TXNS = 10;
  private static final int BULK_PUTS = 128; // etcd's --max-txn-ops
  private static final int BIG_VALUE_BYTES = 10_000; // > a 4 KiB page: the value lies on overflow pages
  private static final long LIVE_TTL_SECONDS = 600;
  private static final long SHORT_TTL_SECONDS = 300;
  /** Slack between a TTL measured on a restored server and the granted TTL it restarted from. */
  private static final long TTL_SLACK_SECONDS = 30;
  /** The member an alarm is raised for: any id, as etcd keeps alarms of members it does not know. */
  private static final long ALARM_MEMBER_ID = 0x1234;

  @TempDir Path tmp;

  @Test
  void etcdSnapshotRestoredIntoEtcdjAnswersAsTheSourceAndAsARestoredEtcd() throws Exception {
    Path snap = tmp.resolve("etcd.db");
    Map<String, List<String>> source;
    History h;
    try (EtcdProcess etcd = EtcdProcess.start(EtcdProcess.Kind.ETCD, "migration-source")) {
      ManagedChannel ch = channel(etcd);
      try {
        h = fill(ch);
        ok(Etcdctl.run(etcd.endpoint(), List.of("snapshot", "save", snap.toString())));
        source = observe(ch, h);
      } finally {
        ch.shutdownNow();
      }
    }
    assertSubstantial(source, h);
    Map<String, List<String>> restoredEtcd = restoreAndObserve(EtcdProcess.Kind.ETCD, snap, h);
    Map<String, List<String>> restoredEtcdj = restoreAndObserve(EtcdProcess.Kind.ETCDJ, snap, h);
    compare("restored etcd", restoredEtcd, "restored etcdj", restoredEtcdj);
    source.remove(AFTER_RESTORE);
    restoredEtcdj.remove(AFTER_RESTORE);
    compare("source etcd", source, "restored etcdj", restoredEtcdj);
  }

  @Test
  void etcdjSnapshotRestoredByStockEtcdctlIntoEtcdAnswersAsTheSource() throws Exception {
    Path snap = tmp.resolve("etcdj.db");
    Map<String, List<String>> source;
    History h;
    try (EtcdProcess etcdj = EtcdProcess.start(EtcdProcess.Kind.ETCDJ, "migration-back-source")) {
      ManagedChannel ch = channel(etcdj);
      try {
        h = fill(ch);
        ok(Etcdctl.run(etcdj.endpoint(), List.of("snapshot", "save", snap.toString())));
        source = observe(ch, h);
      } finally {
        ch.shutdownNow();
      }
    }
    assertSubstantial(source, h);
    Map<String, List<String>> restoredEtcd = restoreAndObserve(EtcdProcess.Kind.ETCD, snap, h);
    restoredEtcd.remove(AFTER_RESTORE);
    compare("source etcdj", source, "restored etcd", restoredEtcd);
  }

  /** What the fill left: the compacted and head revisions, the leases by name. */
  record History(long compactRev, long headRev, Map<String, Long> leases) {}

  private static final String AFTER_RESTORE = "put after the restore";

  private static History fill(ManagedChannel ch) {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
    LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(ch);
    Map<String, Long> leases = new LinkedHashMap<>();
    for (String name : List.of("live", "short", "revoked", "empty")) {
      long ttl = name.equals("short") ? SHORT_TTL_SECONDS : LIVE_TTL_SECONDS;
      leases.put(name, lease.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()).getID());
    }
    for (int v = 1; v <= 4; v++) {
      put(kv, "hist", "v" + v, 0);
    }
    for (int i = 0; i < 10; i++) {
      put(kv, "dir/" + i, "d" + i, 0);
    }
    put(kv, "gone", "soon", 0);
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("gone")).build());
    kv.deleteRange(DeleteRangeRequest.newBuilder().setKey(b("dir/")).setRangeEnd(b("dir0")).setPrevKv(true).build());
    bulk(kv, "first");
    put(kv, "big", "B".repeat(BIG_VALUE_BYTES), 0);
    put(kv, "leased/live/a", "1", leases.get("live"));
    put(kv, "leased/live/b", "2", leases.get("live"));
    put(kv, "leased/short", "3", leases.get("short"));
    put(kv, "leased/revoked/a", "4", leases.get("revoked"));
    put(kv, "leased/revoked/b", "5", leases.get("revoked"));
    put(kv, "hist", "v5", 0);
    long compactRev = put(kv, "middle", "m", 0).getHeader().getRevision();
    // Puts and deletes in one revision.
    kv.txn(
        TxnRequest.newBuilder()
            .addCompare(Compare.newBuilder().setKey(b("hist")).setTarget(Compare.CompareTarget.VALUE).setResult(Compare.CompareResult.EQUAL).setValue(b("v5")))
            .addSuccess(putOp("txn/a", "1", 0))
            .addSuccess(putOp("txn/b", "2", leases.get("live")))
            .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(b("bulk/00/")).setRangeEnd(b("bulk/00/010"))))
            .addSuccess(putOp("hist", "v6", 0))
            .addFailure(putOp("txn/wrong", "x", 0))
            .build());
    // A failing compare: the else branch writes.
    kv.txn(
        TxnRequest.newBuilder()
            .addCompare(Compare.newBuilder().setKey(b("hist")).setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.GREATER).setVersion(100))
            .addSuccess(putOp("txn/never", "x", 0))
            .addFailure(putOp("txn/else", "e", 0))
            .addFailure(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(b("txn/a"))))
            .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("hist"))))
            .build());
    // The short lease's key drops its lease; the big value changes.
    put(kv, "leased/short", "3b", 0);
    put(kv, "leased/short", "3c", leases.get("short"));
    put(kv, "big", "C".repeat(BIG_VALUE_BYTES + 1), 0);
    bulk(kv, "second"); // new versions, and new generations of the keys the txn above deleted
    lease.leaseRevoke(LeaseRevokeRequest.newBuilder().setID(leases.get("revoked")).build());
    kv.compact(CompactionRequest.newBuilder().setRevision(compactRev).setPhysical(true).build());
    put(kv, "hist", "v7", 0);
    long headRev = put(kv, "last", "z", 0).getHeader().getRevision();
    // An alarm raised for some member: it travels in the snapshot and blocks writes after the restore.
    MaintenanceGrpc.newBlockingStub(ch).alarm(alarm(AlarmRequest.AlarmAction.ACTIVATE));
    return new History(compactRev, headRev, leases);
  }

  /** {@link #BULK_TXNS} txns, each putting {@link #BULK_PUTS} keys in one revision. */
  private static void bulk(KVGrpc.KVBlockingStub kv, String round) {
    for (int t = 0; t < BULK_TXNS; t++) {
      TxnRequest.Builder txn = TxnRequest.newBuilder();
      for (int i = 0; i < BULK_PUTS; i++) {
        txn.addSuccess(putOp(String.format("bulk/%02d/%03d", t, i), round + "-" + t + "-" + i + "-" + "x".repeat(60), 0));
      }
      kv.txn(txn.build());
    }
  }

  /** Restores the snapshot with the kind's own etcdctl into a new member, starts it and observes it. */
  private Map<String, List<String>> restoreAndObserve(EtcdProcess.Kind kind, Path snap, History h) throws Exception {
    int[] ports = EtcdProcess.freePorts(2);
    String initial = "m1=http://127.0.0.1:" + ports[1];
    try (EtcdProcess m = EtcdProcess.member(kind, "migration-restored", "m1", ports[0], ports[1], initial, TOKEN, List.of())) {
      List<String> args =
          List.of(
              "snapshot", "restore", snap.toString(), "--name", "m1", "--data-dir", m.dataDir().toString(),
              "--initial-cluster", initial, "--initial-cluster-token", TOKEN, "--initial-advertise-peer-urls", m.peerUrl());
      ok(kind == EtcdProcess.Kind.ETCD ? Etcdctl.run(null, args) : OurEtcdctl.run(null, args));
      m.launch();
      m.awaitReady(m.readyTimeout());
      ManagedChannel ch = channel(m);
      try {
        Map<String, List<String>> seen = observe(ch, h);
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        List<String> after = new ArrayList<>();
        after.add("put with the alarm: " + error(() -> put(kv, "after", "alarm", 0)));
        AlarmResponse disarmed = MaintenanceGrpc.newBlockingStub(ch).alarm(alarm(AlarmRequest.AlarmAction.DEACTIVATE));
        after.add("disarm: " + TextFormat.printer().shortDebugString(disarmed.toBuilder().clearHeader().build()));
        after.add("put revision " + put(kv, "after", "restore", 0).getHeader().getRevision());
        after.add(kv(kv.range(RangeRequest.newBuilder().setKey(b("after")).build()).getKvs(0)));
        seen.put(AFTER_RESTORE, after);
        return seen;
      } finally {
        ch.shutdownNow();
      }
    }
  }

  /** Everything a client can ask about the history, as sections of printable lines. */
  private static Map<String, List<String>> observe(ManagedChannel ch, History h) throws InterruptedException {
    KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS);
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (long rev = h.compactRev(); rev <= h.headRev(); rev++) {
      RangeResponse all = kv.range(everything().setRevision(rev).build());
      List<String> lines = new ArrayList<>();
      lines.add("count " + all.getCount() + " more " + all.getMore() + " header revision " + all.getHeader().getRevision());
      for (KeyValue x : all.getKvsList()) {
        lines.add(kv(x));
      }
      out.put("range at " + rev, lines);
      RangeResponse limited = kv.range(everything().setRevision(rev).setLimit(3).setKeysOnly(true).build());
      out.put("range at " + rev + " limit 3 keys only", List.of(TextFormat.printer().shortDebugString(limited.toBuilder().clearHeader().build())));
      RangeResponse counted = kv.range(RangeRequest.newBuilder().setKey(b("bulk/")).setRangeEnd(b("bulk0")).setRevision(rev).setCountOnly(true).build());
      out.put("count bulk/ at " + rev, List.of(TextFormat.printer().shortDebugString(counted.toBuilder().clearHeader().build())));
    }
    out.put("range at head", List.of("header revision " + kv.range(everything().build()).getHeader().getRevision()));
    out.put("range below the compacted revision", List.of(error(() -> kv.range(everything().setRevision(h.compactRev() - 1).build()))));
    out.put("range above the head", List.of(error(() -> kv.range(everything().setRevision(h.headRev() + 1).build()))));
    out.put("compact at the compacted revision", List.of(error(() -> kv.compact(CompactionRequest.newBuilder().setRevision(h.compactRev()).build()))));
    out.put("compact below the compacted revision", List.of(error(() -> kv.compact(CompactionRequest.newBuilder().setRevision(h.compactRev() - 2).build()))));
    out.put("compact above the head", List.of(error(() -> kv.compact(CompactionRequest.newBuilder().setRevision(h.headRev() + 1).build()))));
    out.put("watch from compacted+1 with prev_kv", watch(ch, h, h.compactRev() + 1, true));
    out.put("watch from compacted+1", watch(ch, h, h.compactRev() + 1, false));
    out.put("watch from the compacted revision", watch(ch, h, h.compactRev(), false));
    out.put("leases", leases(ch, h));
    var hash = MaintenanceGrpc.newBlockingStub(ch).hashKV(HashKVRequest.newBuilder().build());
    out.put("hashkv", List.of("hash " + hash.getHash() + " compact_revision " + hash.getCompactRevision() + " header revision " + hash.getHeader().getRevision()));
    StatusResponse status = MaintenanceGrpc.newBlockingStub(ch).status(StatusRequest.getDefaultInstance());
    out.put("status", List.of("revision " + status.getHeader().getRevision() + " errors " + status.getErrorsList()));
    AlarmResponse alarms = MaintenanceGrpc.newBlockingStub(ch).alarm(AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.GET).build());
    out.put("alarms", List.of(TextFormat.printer().shortDebugString(alarms.toBuilder().clearHeader().build())));
    return out;
  }

  private static List<String> leases(ManagedChannel ch, History h) {
    LeaseGrpc.LeaseBlockingStub lease = LeaseGrpc.newBlockingStub(ch);
    List<String> out = new ArrayList<>();
    List<Long> ids = new ArrayList<>();
    for (LeaseStatus s : lease.leaseLeases(LeaseLeasesRequest.getDefaultInstance()).getLeasesList()) {
      ids.add(s.getID());
    }
    ids.sort(null);
    out.add("ids " + ids);
    for (Map.Entry<String, Long> e : h.leases().entrySet()) {
      LeaseTimeToLiveResponse r = lease.leaseTimeToLive(LeaseTimeToLiveRequest.newBuilder().setID(e.getValue()).setKeys(true).build());
      List<String> keys = new ArrayList<>();
      r.getKeysList().forEach(k -> keys.add(k.toStringUtf8()));
      keys.sort(null); // etcd collects a lease's keys in a Go map
      // The remaining TTL only has to be live and within the granted TTL (it restarts on restore).
      String ttl = r.getTTL() <= 0 ? "ttl " + r.getTTL() : r.getTTL() > r.getGrantedTTL() - TTL_SLACK_SECONDS && r.getTTL() <= r.getGrantedTTL() ? "ttl near granted" : "ttl " + r.getTTL();
      out.add(e.getKey() + " id " + (r.getID() == e.getValue()) + " granted " + r.getGrantedTTL() + " " + ttl + " keys " + keys);
    }
    return out;
  }

  /** The events of a watch on every key from {@code startRev} until the head, or its cancel. */
  private static List<String> watch(ManagedChannel ch, History h, long startRev, boolean prevKv) throws InterruptedException {
    LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests =
        WatchGrpc.newStub(ch)
            .watch(
                new StreamObserver<>() {
                  @Override
                  public void onNext(WatchResponse r) {
                    got.add(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    got.add("error " + t);
                  }

                  @Override
                  public void onCompleted() {
                    got.add("completed");
                  }
                });
    requests.onNext(
        WatchRequest.newBuilder()
            .setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0")).setStartRevision(startRev).setPrevKv(prevKv))
            .build());
    List<String> out = new ArrayList<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    try {
      while (System.nanoTime() < deadline) {
        Object o = got.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (!(o instanceof WatchResponse r)) {
          out.add(String.valueOf(o));
          return out;
        }
        if (r.getCreated() || r.getCanceled()) {
          out.add("created " + r.getCreated() + " canceled " + r.getCanceled() + " compact_revision " + r.getCompactRevision() + " reason " + r.getCancelReason());
          if (r.getCanceled()) {
            return out;
          }
        }
        for (Event e : r.getEventsList()) {
          out.add(e.getType() + " " + kv(e.getKv()) + (e.hasPrevKv() ? " prev " + kv(e.getPrevKv()) : ""));
          if (e.getKv().getModRevision() == h.headRev()) {
            return out;
          }
        }
      }
      out.add("timed out before revision " + h.headRev());
      return out;
    } finally {
      requests.onCompleted();
    }
  }

  private static String kv(KeyValue x) {
    String value = x.getValue().size() > 64 ? "<" + x.getValue().size() + " bytes, hash " + x.getValue().hashCode() + ">" : x.getValue().toStringUtf8();
    return x.getKey().toStringUtf8() + "=" + value + " create " + x.getCreateRevision() + " mod " + x.getModRevision() + " version " + x.getVersion() + " lease " + x.getLease();
  }

  private static String error(Supplier<?> call) {
    try {
      return "no error: " + call.get();
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
    }
  }

  private static AlarmRequest alarm(AlarmRequest.AlarmAction action) {
    return AlarmRequest.newBuilder().setAction(action).setMemberID(ALARM_MEMBER_ID).setAlarm(AlarmType.NOSPACE).build();
  }

  private static RangeRequest.Builder everything() {
    return RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0"));
  }

  private static PutResponse put(KVGrpc.KVBlockingStub kv, String key, String value, long lease) {
    return kv.put(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).setLease(lease).build());
  }

  private static RequestOp putOp(String key, String value, long lease) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(key)).setValue(b(value)).setLease(lease)).build();
  }

  private static ManagedChannel channel(EtcdProcess p) {
    return NettyChannelBuilder.forTarget(p.endpoint()).usePlaintext().maxInboundMessageSize(64 << 20).build();
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static Etcdctl.Result ok(Etcdctl.Result r) {
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r;
  }

  /** The source's answers hold what the fill meant to make, so equal answers mean something. */
  private static void assertSubstantial(Map<String, List<String>> source, History h) {
    assertTrue(h.headRev() - h.compactRev() >= BULK_TXNS + 5, h.toString());
    assertTrue(source.get("range at " + h.compactRev()).size() > BULK_TXNS * BULK_PUTS, "keys at the compacted revision");
    assertTrue(source.get("watch from compacted+1 with prev_kv").size() > BULK_TXNS * BULK_PUTS, "events after the compaction");
    assertTrue(source.get("alarms").get(0).contains("NOSPACE"), source.get("alarms").toString());
    assertTrue(source.get("leases").get(1).contains("keys [leased/live/a, leased/live/b, txn/b]"), source.get("leases").toString());
  }

  /** Fails with the first differing lines of each section that differs. */
  private static void compare(String wantLabel, Map<String, List<String>> want, String gotLabel, Map<String, List<String>> got) {
    assertEquals(want.keySet(), got.keySet());
    StringBuilder problems = new StringBuilder();
    int differing = 0;
    for (Map.Entry<String, List<String>> e : want.entrySet()) {
      List<String> a = e.getValue();
      List<String> b = got.get(e.getKey());
      if (a.equals(b)) {
        continue;
      }
      if (++differing > 8) {
        continue;
      }
      int i = 0;
      while (i < a.size() && i < b.size() && a.get(i).equals(b.get(i))) {
        i++;
      }
      problems.append("\n== ").append(e.getKey()).append(" (").append(a.size()).append(" vs ").append(b.size()).append(" lines), first difference at line ").append(i);
      for (int j = i; j < i + 3; j++) {
        problems.append("\n  ").append(wantLabel).append(": ").append(j < a.size() ? a.get(j) : "<end>");
        problems.append("\n  ").append(gotLabel).append(": ").append(j < b.size() ? b.get(j) : "<end>");
      }
    }
    if (differing > 0) {
      fail(differing + " of " + want.size() + " sections differ between " + wantLabel + " and " + gotLabel + ":" + problems);
    }
    assertTrue(want.size() > 10);
  }
}
