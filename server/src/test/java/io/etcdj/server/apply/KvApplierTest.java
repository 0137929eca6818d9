package io.etcdj.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeRequest.SortOrder;
import io.etcdj.api.etcdserverpb.RangeRequest.SortTarget;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import io.etcdj.storage.mvcc.CompactedException;
import io.etcdj.storage.mvcc.FutureRevisionException;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.TxnRead;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** KV semantics over the in-memory store; expectations checked against etcd 3.4.23. */
class KvApplierTest {
  private KV kv;
  private final KvApplier applier = new KvApplier(id -> id == 42);

  @BeforeEach
  void open() {
    kv = KvStores.openInMemory();
  }

  @AfterEach
  void close() {
    kv.close();
  }

  static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  <T> T write(Function<TxnWrite, T> f) {
    try (WriteBatch batch = kv.beginBatch()) {
      TxnWrite txn = batch.write();
      try {
        return f.apply(txn);
      } finally {
        txn.end();
        batch.commit();
      }
    }
  }

  PutResponse put(String k, String v) {
    return write(t -> applier.put(t, PutRequest.newBuilder().setKey(b(k)).setValue(b(v)).build()));
  }

  RangeResponse range(RangeRequest.Builder r) {
    try (TxnRead view = kv.read()) {
      return applier.range(view, r.build());
    }
  }

  static List<String> keys(RangeResponse r) {
    return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  @Test
  void revisionsOfPuts() {
    assertEquals(2, put("a", "1").getHeader().getRevision());
    assertEquals(3, put("a", "2").getHeader().getRevision());
    RangeResponse r = range(RangeRequest.newBuilder().setKey(b("a")));
    KeyValue kv0 = r.getKvs(0);
    assertEquals(2, kv0.getCreateRevision());
    assertEquals(3, kv0.getModRevision());
    assertEquals(2, kv0.getVersion());
    assertEquals(3, r.getHeader().getRevision());
  }

  void fiveKeys() {
    // values chosen so that VALUE order differs from KEY order
    put("a", "e");
    put("b", "d");
    put("c", "c");
    put("d", "b");
    put("e", "a");
    put("c", "c2"); // c: version 2, mod 7
  }

  @Test
  void limitMoreAndCount() {
    fiveKeys();
    RangeResponse r = range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).setLimit(2));
    assertEquals(List.of("a", "b"), keys(r));
    assertTrue(r.getMore());
    assertEquals(5, r.getCount());
    RangeResponse all = range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).setLimit(5));
    assertFalse(all.getMore());
  }

  static Stream<Arguments> sorts() {
    return Stream.of(
        Arguments.of(SortOrder.ASCEND, SortTarget.KEY, List.of("a", "b", "c", "d", "e")),
        Arguments.of(SortOrder.DESCEND, SortTarget.KEY, List.of("e", "d", "c", "b", "a")),
        Arguments.of(SortOrder.ASCEND, SortTarget.VALUE, List.of("e", "d", "c", "b", "a")),
        Arguments.of(SortOrder.DESCEND, SortTarget.VALUE, List.of("a", "b", "c", "d", "e")),
        Arguments.of(SortOrder.ASCEND, SortTarget.MOD, List.of("a", "b", "d", "e", "c")),
        Arguments.of(SortOrder.DESCEND, SortTarget.MOD, List.of("c", "e", "d", "b", "a")),
        Arguments.of(SortOrder.ASCEND, SortTarget.CREATE, List.of("a", "b", "c", "d", "e")),
        Arguments.of(SortOrder.DESCEND, SortTarget.CREATE, List.of("e", "d", "c", "b", "a")),
        // equal versions keep key order (etcd's sort is stable for small ranges)
        Arguments.of(SortOrder.ASCEND, SortTarget.VERSION, List.of("a", "b", "d", "e", "c")),
        Arguments.of(SortOrder.DESCEND, SortTarget.VERSION, List.of("c", "a", "b", "d", "e")),
        // a target other than KEY with order NONE sorts ascending
        Arguments.of(SortOrder.NONE, SortTarget.MOD, List.of("a", "b", "d", "e", "c")));
  }

  @ParameterizedTest
  @MethodSource("sorts")
  void sortOrders(SortOrder order, SortTarget target, List<String> expected) {
    fiveKeys();
    RangeResponse r =
        range(
            RangeRequest.newBuilder()
                .setKey(b("a"))
                .setRangeEnd(b("z"))
                .setSortOrder(order)
                .setSortTarget(target));
    assertEquals(expected, keys(r));
  }

  @Test
  void sortThenLimit() {
    fiveKeys();
    RangeResponse r =
        range(
            RangeRequest.newBuilder()
                .setKey(b("a"))
                .setRangeEnd(b("z"))
                .setSortOrder(SortOrder.DESCEND)
                .setLimit(2));
    assertEquals(List.of("e", "d"), keys(r));
    assertTrue(r.getMore());
    assertEquals(5, r.getCount());
  }

  @Test
  void modAndCreateFiltersDropAfterCounting() {
    fiveKeys();
    RangeResponse r =
        range(
            RangeRequest.newBuilder()
                .setKey(b("a"))
                .setRangeEnd(b("z"))
                .setMinModRevision(4)
                .setMaxModRevision(6));
    assertEquals(List.of("d", "e"), keys(r));
    assertEquals(5, r.getCount());
    RangeResponse c =
        range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).setMaxCreateRevision(3));
    assertEquals(List.of("a", "b"), keys(c));
    RangeResponse d =
        range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).setMinCreateRevision(5));
    assertEquals(List.of("d", "e"), keys(d));
  }

  @Test
  void keysOnlyAndCountOnly() {
    fiveKeys();
    RangeResponse k = range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).setKeysOnly(true));
    assertEquals(5, k.getKvsCount());
    assertTrue(k.getKvsList().stream().allMatch(kv -> kv.getValue().isEmpty()));
    RangeResponse c =
        range(RangeRequest.newBuilder().setKey(b("a")).setRangeEnd(b("z")).setCountOnly(true));
    assertEquals(0, c.getKvsCount());
    assertEquals(5, c.getCount());
  }

  @Test
  void fromKeyAndWholeKeyspace() {
    fiveKeys();
    assertEquals(
        List.of("c", "d", "e"), keys(range(RangeRequest.newBuilder().setKey(b("c")).setRangeEnd(b("\0")))));
    assertEquals(5, range(RangeRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0"))).getCount());
  }

  @Test
  void historicalReadsAndErrors() {
    put("a", "1");
    put("a", "2");
    RangeResponse old = range(RangeRequest.newBuilder().setKey(b("a")).setRevision(2));
    assertEquals("1", old.getKvs(0).getValue().toStringUtf8());
    assertEquals(3, old.getHeader().getRevision(), "header carries the current revision");
    assertThrows(
        FutureRevisionException.class,
        () -> range(RangeRequest.newBuilder().setKey(b("a")).setRevision(4)));
    try (WriteBatch batch = kv.beginBatch()) {
      batch.compact(3);
      batch.commit();
    }
    while (kv.compactionStep(1000)) {}
    assertThrows(
        CompactedException.class,
        () -> range(RangeRequest.newBuilder().setKey(b("a")).setRevision(2)));
    assertEquals(
        "2", range(RangeRequest.newBuilder().setKey(b("a")).setRevision(3)).getKvs(0).getValue().toStringUtf8());
  }

  @Test
  void putOptions() {
    put("k", "v1");
    PutResponse p =
        write(t -> applier.put(t, PutRequest.newBuilder().setKey(b("k")).setValue(b("v2")).setPrevKv(true).build()));
    assertEquals("v1", p.getPrevKv().getValue().toStringUtf8());
    write(t -> applier.put(t, PutRequest.newBuilder().setKey(b("k")).setIgnoreValue(true).build()));
    KeyValue now = range(RangeRequest.newBuilder().setKey(b("k"))).getKvs(0);
    assertEquals("v2", now.getValue().toStringUtf8());
    assertEquals(3, now.getVersion());
    EtcdException missing =
        assertThrows(
            EtcdException.class,
            () -> write(t -> applier.put(t, PutRequest.newBuilder().setKey(b("nope")).setIgnoreValue(true).build())));
    assertEquals(EtcdError.KEY_NOT_FOUND, missing.error());
    EtcdException lease =
        assertThrows(
            EtcdException.class,
            () -> write(t -> applier.put(t, PutRequest.newBuilder().setKey(b("k")).setLease(7).build())));
    assertEquals(EtcdError.LEASE_NOT_FOUND, lease.error());
    assertEquals(4, kv.rev(), "failed puts change nothing");
  }

  @Test
  void deleteRange() {
    fiveKeys();
    DeleteRangeResponse d =
        write(t -> applier.deleteRange(t, DeleteRangeRequest.newBuilder().setKey(b("b")).setRangeEnd(b("d")).setPrevKv(true).build()));
    assertEquals(2, d.getDeleted());
    assertEquals(2, d.getPrevKvsCount());
    assertEquals(8, d.getHeader().getRevision());
    DeleteRangeResponse none =
        write(t -> applier.deleteRange(t, DeleteRangeRequest.newBuilder().setKey(b("x")).build()));
    assertEquals(0, none.getDeleted());
    assertEquals(8, none.getHeader().getRevision(), "deleting nothing keeps the revision");
  }

  static Compare cmp(String key, Compare.CompareTarget target, Compare.CompareResult result, long n) {
    Compare.Builder c = Compare.newBuilder().setKey(b(key)).setTarget(target).setResult(result);
    switch (target) {
      case VERSION -> c.setVersion(n);
      case CREATE -> c.setCreateRevision(n);
      case MOD -> c.setModRevision(n);
      case LEASE -> c.setLease(n);
      default -> throw new IllegalArgumentException();
    }
    return c.build();
  }

  static RequestOp putOp(String k, String v) {
    return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b(k)).setValue(b(v))).build();
  }

  static RequestOp getOp(String k) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b(k))).build();
  }

  TxnResponse txn(TxnRequest r) {
    if (KvApplier.isReadOnly(r)) {
      try (TxnRead view = kv.read()) {
        return applier.txn(view, r);
      }
    }
    return write(t -> applier.txn(t, r));
  }

  @Test
  void createIfAbsentIdiom() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addCompare(cmp("k", Compare.CompareTarget.CREATE, Compare.CompareResult.EQUAL, 0))
            .addSuccess(putOp("k", "first"))
            .addFailure(getOp("k"))
            .build();
    TxnResponse first = txn(t);
    assertTrue(first.getSucceeded());
    assertEquals(2, first.getHeader().getRevision());
    assertEquals(2, first.getResponses(0).getResponsePut().getHeader().getRevision());
    TxnResponse second = txn(t);
    assertFalse(second.getSucceeded());
    assertEquals("first", second.getResponses(0).getResponseRange().getKvs(0).getValue().toStringUtf8());
    assertEquals(2, second.getHeader().getRevision());
  }

  @Test
  void valueCompareOnMissingKeyFails() {
    TxnRequest t =
        TxnRequest.newBuilder()
            .addCompare(
                Compare.newBuilder()
                    .setKey(b("missing"))
                    .setTarget(Compare.CompareTarget.VALUE)
                    .setResult(Compare.CompareResult.NOT_EQUAL)
                    .setValue(b("x")))
            .build();
    assertFalse(txn(t).getSucceeded());
  }

  @Test
  void rangeCompareMustHoldForEveryKey() {
    fiveKeys();
    Compare allVersion1 =
        cmp("a", Compare.CompareTarget.VERSION, Compare.CompareResult.EQUAL, 1).toBuilder().setRangeEnd(b("z")).build();
    assertFalse(txn(TxnRequest.newBuilder().addCompare(allVersion1).build()).getSucceeded());
    Compare someVersion1 = allVersion1.toBuilder().setRangeEnd(b("c")).build();
    assertTrue(txn(TxnRequest.newBuilder().addCompare(someVersion1).build()).getSucceeded());
  }

  @Test
  void opsInATxnShareOneRevisionAndSeeEarlierOps() {
    TxnRequest t =
        TxnRequest.newBuilder().addSuccess(putOp("a", "1")).addSuccess(putOp("b", "2")).addSuccess(getOp("a")).build();
    TxnResponse r = txn(t);
    assertEquals(2, r.getHeader().getRevision());
    assertEquals("1", r.getResponses(2).getResponseRange().getKvs(0).getValue().toStringUtf8());
    assertEquals(2, r.getResponses(2).getResponseRange().getHeader().getRevision());
    assertEquals(2, kv.rev());
  }

  @Test
  void nestedTxnAndEmptyTxn() {
    assertTrue(txn(TxnRequest.getDefaultInstance()).getSucceeded());
    TxnRequest inner = TxnRequest.newBuilder().addCompare(cmp("x", Compare.CompareTarget.VERSION, Compare.CompareResult.GREATER, 0)).addFailure(putOp("y", "1")).build();
    TxnRequest outer = TxnRequest.newBuilder().addSuccess(RequestOp.newBuilder().setRequestTxn(inner)).build();
    TxnResponse r = txn(outer);
    TxnResponse nested = r.getResponses(0).getResponseTxn();
    assertFalse(nested.getSucceeded());
    assertTrue(nested.hasHeader());
    assertEquals(0, nested.getHeader().getRevision());
    assertEquals(2, r.getHeader().getRevision());
  }

  @Test
  void failingCheckChangesNothing() {
    put("a", "1");
    TxnRequest t =
        TxnRequest.newBuilder()
            .addSuccess(putOp("b", "1"))
            .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(b("c")).setLease(9)))
            .build();
    EtcdException e = assertThrows(EtcdException.class, () -> txn(t));
    assertEquals(EtcdError.LEASE_NOT_FOUND, e.error());
    assertEquals(2, kv.rev());
    TxnRequest future =
        TxnRequest.newBuilder()
            .addSuccess(putOp("b", "1"))
            .addSuccess(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(b("a")).setRevision(99)))
            .build();
    assertThrows(FutureRevisionException.class, () -> txn(future));
    assertEquals(2, kv.rev());
  }

  @Test
  void knownLeaseIsAccepted() {
    PutResponse p = write(t -> applier.put(t, PutRequest.newBuilder().setKey(b("k")).setLease(42).build()));
    assertEquals(2, p.getHeader().getRevision());
    assertEquals(42, range(RangeRequest.newBuilder().setKey(b("k"))).getKvs(0).getLease());
  }
}
