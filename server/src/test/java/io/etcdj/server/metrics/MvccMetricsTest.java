package io.etcdj.server.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.server.apply.KvApplier;
import io.etcdj.server.apply.Leases;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.TxnRead;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The mvcc counters count as etcd 3.4's metricsTxnWrite over its applier: per range/put/deleteRange
 * call, a txn only when one store txn made more than one call, and a writing Txn's compares in a
 * read txn of their own.
 */
class MvccMetricsTest {
  private final KvApplier applier = new KvApplier(Leases.NONE);
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram commits =
      Histogram.builder()
          .name("commits")
          .help("test")
          .classicUpperBounds(Metrics.DISK_BUCKETS)
          .classicOnly()
          .register(registry);
  private final MvccMetrics metrics = new MvccMetrics(registry, commits);
  private KV kv;

  @BeforeEach
  void open() {
    kv = KvStores.openInMemory();
    write(txn -> txn.put(bytes("a"), bytes("1"), 0)); // before the observer: not counted
    kv.observeTxns(metrics);
  }

  @AfterEach
  void close() throws Exception {
    kv.close();
  }

  @Test
  void plainPutIsOnePutAndNoTxn() {
    write(txn -> applier.put(txn, put("k")));
    assertCounts(0, 1, 0, 0);
  }

  @Test
  void putWithPrevKvReadsFirstSoItIsATxn() {
    write(txn -> applier.put(txn, put("k").toBuilder().setPrevKv(true).build()));
    assertCounts(1, 1, 0, 1);
  }

  @Test
  void deleteWithPrevKvReadsFirstSoItIsATxn() {
    write(
        txn ->
            applier.deleteRange(
                txn, DeleteRangeRequest.newBuilder().setKey(key("a")).setPrevKv(true).build()));
    assertCounts(1, 0, 1, 1);
  }

  @Test
  void txnWithTwoPutsAndARangeCountsEachOpAndOneTxn() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("x")))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("y")))
            .addSuccess(RequestOp.newBuilder().setRequestRange(range("a")))
            .build();
    write(txn -> applier.txn(txn, t));
    assertCounts(1, 2, 0, 1);
  }

  @Test
  void writingTxnCountsItsComparesAsASeparateReadTxn() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addCompare(versionIs("a", 1))
            .addCompare(versionIs("b", 0))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("x")))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("y")))
            .build();
    write(txn -> applier.txn(txn, t));
    assertCounts(2, 2, 0, 2); // compares: 2 ranges, a txn; writes: 2 puts, a txn
  }

  @Test
  void oneCompareAndOnePutAreTwoTxnsOfOneCallEach() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addCompare(versionIs("a", 1))
            .addSuccess(RequestOp.newBuilder().setRequestPut(put("x")))
            .build();
    write(txn -> applier.txn(txn, t));
    assertCounts(1, 1, 0, 0);
  }

  @Test
  void comparesStopAtTheFirstFalseOne() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addCompare(versionIs("a", 5))
            .addCompare(versionIs("b", 0))
            .addFailure(RequestOp.newBuilder().setRequestPut(put("x")))
            .build();
    write(txn -> applier.txn(txn, t));
    assertCounts(1, 1, 0, 0);
  }

  @Test
  void readOnlyTxnIsOneTxnWithItsComparesAndRanges() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addCompare(versionIs("a", 1))
            .addCompare(versionIs("b", 0))
            .addSuccess(RequestOp.newBuilder().setRequestRange(range("a")))
            .build();
    try (TxnRead view = kv.read()) {
      applier.txn(view, t);
    }
    assertCounts(3, 0, 0, 1);
  }

  @Test
  void plainRangeIsOneRangeAndNoTxn() {
    try (TxnRead view = kv.read()) {
      applier.range(view, range("a"));
    }
    assertCounts(1, 0, 0, 0);
  }

  @Test
  void eachCommitIsTimedOnce() {
    write(txn -> applier.put(txn, put("k")));
    write(txn -> applier.put(txn, put("l")));
    assertEquals(2, commits.collect().getDataPoints().get(0).getCount());
  }

  private void assertCounts(long ranges, long puts, long deletes, long txns) {
    assertEquals(
        java.util.List.of(ranges, puts, deletes, txns),
        java.util.List.of(metrics.ranges(), metrics.puts(), metrics.deletes(), metrics.txns()),
        "ranges, puts, deletes, txns");
  }

  private void write(Consumer<TxnWrite> op) {
    try (WriteBatch batch = kv.beginBatch()) {
      TxnWrite txn = batch.write();
      try {
        op.accept(txn);
      } finally {
        txn.end();
      }
      batch.commit();
    }
  }

  private static Compare versionIs(String k, long version) {
    return Compare.newBuilder()
        .setKey(key(k))
        .setTarget(Compare.CompareTarget.VERSION)
        .setResult(Compare.CompareResult.EQUAL)
        .setVersion(version)
        .build();
  }

  private static PutRequest put(String k) {
    return PutRequest.newBuilder().setKey(key(k)).setValue(key("v")).build();
  }

  private static RangeRequest range(String k) {
    return RangeRequest.newBuilder().setKey(key(k)).build();
  }

  private static ByteString key(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }
}
