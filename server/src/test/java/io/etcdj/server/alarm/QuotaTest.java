package io.etcdj.server.alarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.AlarmType;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.internal.InternalRaftRequest;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.WriteBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.helpers.NOPLogger;

/** etcd's quota (quota.go), its apply-time check and the capped and corrupt appliers (apply.go). */
class QuotaTest {
  static PutRequest put(String key, int valueBytes) {
    return PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).setValue(ByteString.copyFrom(new byte[valueBytes])).build();
  }

  static RequestOp op(PutRequest p) {
    return RequestOp.newBuilder().setRequestPut(p).build();
  }

  @ParameterizedTest(name = "flag {0}")
  @CsvSource({
    "0, 2147483648, 2147483648", // 0: etcd's default of 2 GiB
    "-1, -1, -1", // negative: no quota
    "-5, -1, -5",
    "1000, 1000, 1000",
    "17179869184, 17179869184, 17179869184", // above the 8 GiB recommendation: kept, only warned about
  })
  void flagGivesEtcdsQuota(long flag, long limit, long gauge) {
    BackendQuota q = BackendQuota.of(flag, NOPLogger.NOP_LOGGER);
    assertEquals(limit, q.limitBytes());
    assertEquals(gauge, q.gaugeBytes());
    assertEquals(limit != BackendQuota.NONE, q.enabled());
  }

  @Test
  void costsAreEtcds() {
    assertEquals(256 + 3 + 10, BackendQuota.cost(put("abc", 10)));
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addSuccess(op(put("a", 100)))
            .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("r"))))
            .addFailure(op(put("b", 10)))
            .build();
    assertEquals(256 + 1 + 100, BackendQuota.cost(txn), "the costlier branch");
    TxnRequest nested =
        TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addSuccess(op(put("n", 1))))).build();
    assertEquals(0, BackendQuota.cost(nested), "etcd does not count puts of nested txns");
    assertEquals(64, QuotaApplier.cost(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setTTL(5)).build()));
    assertEquals(0, QuotaApplier.cost(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.getDefaultInstance()).build()));
  }

  @Test
  void availableMeansSizePlusCostBelowTheQuota() {
    BackendQuota q = BackendQuota.of(1000, NOPLogger.NOP_LOGGER);
    assertTrue(q.available(100, 899));
    assertFalse(q.available(100, 900), "etcd: size + cost must stay strictly below");
    assertTrue(q.available(0, 5000), "a request that costs nothing always fits");
    assertTrue(BackendQuota.of(-1, NOPLogger.NOP_LOGGER).available(1 << 30, Long.MAX_VALUE / 2));
  }

  // ------------------------------------------------------------------ alarms refusing entries

  private final KV kv = KvStores.openInMemory();
  private final AlarmStore store = new AlarmStore();

  private void activate(AlarmType type) {
    try (WriteBatch b = kv.beginBatch()) {
      store.apply(b, AlarmRequest.newBuilder().setAction(AlarmRequest.AlarmAction.ACTIVATE).setMemberID(1).setAlarm(type).build());
      b.commit();
    }
  }

  static InternalRaftRequest putEntry() {
    return InternalRaftRequest.newBuilder().setPut(put("k", 1)).build();
  }

  static List<InternalRaftRequest> entries() {
    List<InternalRaftRequest> all = new ArrayList<>();
    all.add(putEntry());
    all.add(InternalRaftRequest.newBuilder().setRange(RangeRequest.getDefaultInstance()).build());
    all.add(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.getDefaultInstance()).build());
    all.add(InternalRaftRequest.newBuilder().setTxn(TxnRequest.newBuilder().addFailure(op(put("k", 1)))).build());
    all.add(InternalRaftRequest.newBuilder().setTxn(TxnRequest.getDefaultInstance()).build());
    all.add(InternalRaftRequest.newBuilder().setCompaction(CompactionRequest.getDefaultInstance()).build());
    all.add(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.getDefaultInstance()).build());
    all.add(InternalRaftRequest.newBuilder().setLeaseRevoke(LeaseRevokeRequest.getDefaultInstance()).build());
    all.add(InternalRaftRequest.newBuilder().setAlarm(AlarmRequest.getDefaultInstance()).build());
    return all;
  }

  @Test
  void noAlarmRefusesNothing() {
    for (InternalRaftRequest r : entries()) {
      assertNull(AlarmGate.refusal(store, r), r.getRequestCase().toString());
    }
  }

  @Test
  void noSpaceRefusesWhatEtcdsCappedApplierRefuses() {
    activate(AlarmType.NOSPACE);
    List<EtcdError> expected =
        java.util.Arrays.asList(EtcdError.NO_SPACE, null, null, EtcdError.NO_SPACE, null, null, EtcdError.NO_SPACE, null, null);
    List<EtcdError> actual = new ArrayList<>();
    for (InternalRaftRequest r : entries()) {
      actual.add(AlarmGate.refusal(store, r));
    }
    assertEquals(expected, actual, "put, range, delete, txn with a put, txn without, compaction, grant, revoke, alarm");
  }

  @Test
  void corruptRefusesWhatEtcdsCorruptApplierRefusesAndComesFirst() {
    activate(AlarmType.NOSPACE);
    activate(AlarmType.CORRUPT);
    List<EtcdError> expected =
        java.util.Arrays.asList(
            EtcdError.CORRUPT, EtcdError.CORRUPT, EtcdError.CORRUPT, EtcdError.CORRUPT, EtcdError.CORRUPT,
            EtcdError.CORRUPT, EtcdError.CORRUPT, EtcdError.CORRUPT, null);
    List<EtcdError> actual = new ArrayList<>();
    for (InternalRaftRequest r : entries()) {
      actual.add(AlarmGate.refusal(store, r));
    }
    assertEquals(expected, actual);
  }

  // ------------------------------------------------------------------ the apply-time quota

  @Test
  void applyTimeQuotaRaisesOnceForABurstAndAnswersAfterTheRaise() {
    AtomicLong size = new AtomicLong(990);
    List<CompletableFuture<Object>> raises = new ArrayList<>();
    QuotaApplier q =
        new QuotaApplier(BackendQuota.of(1000, NOPLogger.NOP_LOGGER), size::get, store, () -> {
          CompletableFuture<Object> f = new CompletableFuture<>();
          raises.add(f);
          return f;
        });
    assertFalse(q.fits(putEntry()));
    assertTrue(q.fits(InternalRaftRequest.newBuilder().setDeleteRange(DeleteRangeRequest.getDefaultInstance()).build()));
    QuotaApplier.AfterRaise first = assertInstanceOf(QuotaApplier.AfterRaise.class, q.exceeded(true));
    QuotaApplier.AfterRaise second = assertInstanceOf(QuotaApplier.AfterRaise.class, q.exceeded(true));
    assertEquals(1, raises.size(), "one raise in flight serves the burst");
    assertSame(first.raised(), second.raised());
    assertEquals(EtcdError.NO_SPACE, ((EtcdException) first.answer()).error());
    raises.get(0).complete(null);
    activate(AlarmType.NOSPACE);
    assertInstanceOf(EtcdException.class, q.exceeded(true), "with NOSPACE active the answer comes at once");
    assertEquals(1, raises.size());
  }

  @Test
  void aCrossingDuringReplayRaisesOnceProposalsWork() {
    List<Object> raises = new ArrayList<>();
    QuotaApplier q =
        new QuotaApplier(BackendQuota.of(1000, NOPLogger.NOP_LOGGER), () -> 2000, store, () -> {
          raises.add("raise");
          return new CompletableFuture<>();
        });
    assertInstanceOf(EtcdException.class, q.exceeded(false));
    assertEquals(0, raises.size(), "no proposal while replaying");
    q.raiseIfPending();
    assertEquals(1, raises.size());
    q.raiseIfPending();
    assertEquals(1, raises.size());
  }
}
