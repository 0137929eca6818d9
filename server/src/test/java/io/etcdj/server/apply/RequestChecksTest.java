package io.etcdj.server.apply;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.errors.EtcdException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class RequestChecksTest {

  static RequestOp put(String k) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(k)))
        .build();
  }

  static RequestOp del(String k, String end) {
    return RequestOp.newBuilder()
        .setRequestDeleteRange(
            DeleteRangeRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(k))
                .setRangeEnd(ByteString.copyFromUtf8(end)))
        .build();
  }

  static RequestOp txn(List<RequestOp> success, List<RequestOp> failure) {
    return RequestOp.newBuilder()
        .setRequestTxn(TxnRequest.newBuilder().addAllSuccess(success).addAllFailure(failure))
        .build();
  }

  static TxnRequest success(RequestOp... ops) {
    return TxnRequest.newBuilder().addAllSuccess(List.of(ops)).build();
  }

  static void assertError(EtcdError expected, Executable e) {
    assertEquals(expected, assertThrows(EtcdException.class, e).error());
  }

  @Test
  void emptyKeys() {
    assertError(EtcdError.EMPTY_KEY, () -> RequestChecks.checkRange(RangeRequest.getDefaultInstance()));
    assertError(EtcdError.EMPTY_KEY, () -> RequestChecks.checkPut(PutRequest.getDefaultInstance()));
    assertError(
        EtcdError.EMPTY_KEY, () -> RequestChecks.checkDelete(DeleteRangeRequest.getDefaultInstance()));
    assertError(
        EtcdError.EMPTY_KEY,
        () ->
            RequestChecks.checkTxn(
                TxnRequest.newBuilder().addCompare(Compare.getDefaultInstance()).build(), 128));
  }

  @Test
  void ignoreFlagsWithValues() {
    ByteString k = ByteString.copyFromUtf8("k");
    assertError(
        EtcdError.VALUE_PROVIDED,
        () ->
            RequestChecks.checkPut(
                PutRequest.newBuilder()
                    .setKey(k)
                    .setIgnoreValue(true)
                    .setValue(ByteString.copyFromUtf8("v"))
                    .build()));
    assertError(
        EtcdError.LEASE_PROVIDED,
        () ->
            RequestChecks.checkPut(
                PutRequest.newBuilder().setKey(k).setIgnoreLease(true).setLease(5).build()));
  }

  @Test
  void tooManyOpsCountsTheLargestList() {
    TxnRequest.Builder b = TxnRequest.newBuilder();
    for (int i = 0; i < 3; i++) {
      b.addSuccess(put("k" + i));
    }
    assertDoesNotThrow(() -> RequestChecks.checkTxn(b.build(), 3));
    assertError(EtcdError.TOO_MANY_OPS, () -> RequestChecks.checkTxn(b.build(), 2));
  }

  @Test
  void nestedTxnsSpendTheParentsBudget() {
    TxnRequest t = success(put("k"));
    for (int level = 1; level <= 127; level++) {
      t = success(RequestOp.newBuilder().setRequestTxn(t).build());
    }
    TxnRequest levels127 = t;
    assertDoesNotThrow(() -> RequestChecks.checkTxn(levels127, 128));
    TxnRequest levels128 = success(RequestOp.newBuilder().setRequestTxn(t).build());
    assertError(EtcdError.TOO_MANY_OPS, () -> RequestChecks.checkTxn(levels128, 128));
    // Two ops at the top leave 126 for the level below.
    TxnRequest wide = success(put("a"), RequestOp.newBuilder().setRequestTxn(TxnRequest.newBuilder().addAllSuccess(java.util.Collections.nCopies(127, put("b")))).build());
    assertError(EtcdError.TOO_MANY_OPS, () -> RequestChecks.checkTxn(wide, 128));
  }

  @Test
  void emptyOpIsKeyNotFound() {
    assertError(
        EtcdError.KEY_NOT_FOUND,
        () -> RequestChecks.checkTxn(success(RequestOp.getDefaultInstance()), 128));
  }

  @Test
  void duplicatePutsInOneBranch() {
    assertError(EtcdError.DUPLICATE_KEY, () -> RequestChecks.checkTxn(success(put("a"), put("a")), 128));
  }

  @Test
  void putInsideDeletedRange() {
    assertError(
        EtcdError.DUPLICATE_KEY, () -> RequestChecks.checkTxn(success(del("a", "c"), put("b")), 128));
    assertError(EtcdError.DUPLICATE_KEY, () -> RequestChecks.checkTxn(success(del("b", ""), put("b")), 128));
    assertDoesNotThrow(() -> RequestChecks.checkTxn(success(del("a", "c"), put("c")), 128));
  }

  @Test
  void fromKeyDeleteDoesNotConflictAsInEtcd() {
    // etcd's interval for range_end "\0" is empty, so it never intersects a put.
    assertDoesNotThrow(() -> RequestChecks.checkTxn(success(del("a", "\0"), put("b")), 128));
  }

  @Test
  void putsOnBothBranchesOfANestedTxnAreFine() {
    assertDoesNotThrow(
        () -> RequestChecks.checkTxn(success(txn(List.of(put("a")), List.of(put("a")))), 128));
  }

  @Test
  void nestedPutConflictsWithOuterPut() {
    assertError(
        EtcdError.DUPLICATE_KEY,
        () -> RequestChecks.checkTxn(success(txn(List.of(put("a")), List.of()), put("a")), 128));
    assertError(
        EtcdError.DUPLICATE_KEY,
        () -> RequestChecks.checkTxn(success(txn(List.of(del("a", "")), List.of()), put("a")), 128));
  }

  @Test
  void branchesAreCheckedSeparately() {
    TxnRequest t = TxnRequest.newBuilder().addSuccess(put("a")).addFailure(put("a")).build();
    assertDoesNotThrow(() -> RequestChecks.checkTxn(t, 128));
  }
}
