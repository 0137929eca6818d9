package io.etcdj.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.LeaseCheckpoint;
import io.etcdj.api.etcdserverpb.LeaseCheckpointRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.lease.LeaseException;
import io.etcdj.lease.LeaseStatus;
import io.etcdj.lease.Lessor;
import io.etcdj.lease.LessorConfig;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.KvStores;
import io.etcdj.storage.mvcc.RangeOptions;
import io.etcdj.storage.mvcc.TxnRead;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lease entries applied to a real (in-memory) store: the lease bucket and the keys change in one
 * batch, a revoke deletes every key at one revision, and a lessor rebuilt from the store (as at
 * start-up or after a snapshot install) has the same leases, TTLs, checkpoints and attachments,
 * across more live keys than one recovery page holds.
 */
class LeaseApplierTest {
  private final KV kv = KvStores.openInMemory();
  private long now = 1_000_000_000_000L;

  @AfterEach
  void close() {
    kv.close();
  }

  private Lessor lessor() {
    return new Lessor(LessorConfig.of(1_000, true), () -> now);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Applies one write txn in its own batch, with the lessor told of its changes. */
  private interface TxnBody {
    void run(WriteBatch batch, TxnWrite txn);
  }

  private void apply(LeaseApplier applier, TxnBody body) {
    try (WriteBatch batch = kv.beginBatch()) {
      TxnWrite txn = batch.write();
      body.run(batch, txn);
      List<KeyValue> changes = txn.changes();
      applier.keysChanged(changes);
      txn.end();
      batch.commit();
    }
  }

  @Test
  void revokeDeletesEveryKeyInOneRevisionAndRecoveryRebuildsEverything() {
    Lessor lessor = lessor();
    LeaseApplier applier = new LeaseApplier(lessor);
    apply(applier, (batch, txn) -> applier.grant(batch, txn, grant(7, 600)));
    apply(applier, (batch, txn) -> applier.grant(batch, txn, grant(8, 60)));
    // 2,500 keys, more than two recovery pages: every third on lease 7, key "k1000" on 8.
    for (int i = 0; i < 2_500; i++) {
      String key = String.format("k%04d", i);
      long lease = key.equals("k1000") ? 8 : (i % 3 == 0 ? 7 : 0);
      apply(applier, (batch, txn) -> txn.put(b(key), b("v"), lease));
    }
    apply(
        applier,
        (batch, txn) ->
            applier.checkpoint(
                batch,
                txn,
                LeaseCheckpointRequest.newBuilder()
                    .addCheckpoints(LeaseCheckpoint.newBuilder().setID(8).setRemainingTTL(42))
                    .build()));

    Lessor rebuilt = lessor();
    new LeaseApplier(rebuilt).recover(kv);
    assertEquals(List.of(7L, 8L), List.of(rebuilt.leaseIds()[0], rebuilt.leaseIds()[1]));
    LeaseStatus seven = rebuilt.timeToLive(7);
    assertEquals(600, seven.grantedTtlSeconds());
    assertEquals(lessor.timeToLive(7).keys(), seven.keys());
    assertEquals(834, seven.keys().size()); // i % 3 == 0 for i in 0..2499 (1000 % 3 != 0)
    assertEquals(List.of(ByteString.copyFromUtf8("k1000")), rebuilt.timeToLive(8).keys());
    rebuilt.promote(0);
    assertEquals(42, rebuilt.timeToLive(8).remainingSeconds(), "the checkpoint was stored");

    long before = kv.rev();
    LeaseApplier onRebuilt = new LeaseApplier(rebuilt);
    apply(onRebuilt, (batch, txn) -> onRebuilt.revoke(batch, txn, revoke(7)));
    assertEquals(before + 1, kv.rev(), "one revision for all 834 deletes");
    try (TxnRead view = kv.read()) {
      assertEquals(2_500 - 834, view.range(b("k"), b("l"), RangeOptions.LATEST).kvs().size());
    }
    assertNull(rebuilt.timeToLive(7));
    assertFalse(rebuilt.exists(7));
    LeaseException e =
        assertThrows(
            LeaseException.class,
            () -> apply(onRebuilt, (batch, txn) -> onRebuilt.revoke(batch, txn, revoke(7))));
    assertEquals(LeaseException.Kind.NOT_FOUND, e.kind());

    Lessor again = lessor();
    new LeaseApplier(again).recover(kv);
    List<Long> ids = new ArrayList<>();
    for (long id : again.leaseIds()) {
      ids.add(id);
    }
    assertEquals(List.of(8L), ids, "the revoke removed the lease record in the same batch");
  }

  private static LeaseGrantRequest grant(long id, long ttl) {
    return LeaseGrantRequest.newBuilder().setID(id).setTTL(ttl).build();
  }

  private static LeaseRevokeRequest revoke(long id) {
    return LeaseRevokeRequest.newBuilder().setID(id).build();
  }
}
