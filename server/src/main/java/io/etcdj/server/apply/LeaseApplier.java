package io.etcdj.server.apply;

import io.etcdj.storage.failpoint.FailPoints;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.etcdj.api.etcdserverpb.LeaseCheckpoint;
import io.etcdj.api.etcdserverpb.LeaseCheckpointRequest;
import io.etcdj.api.etcdserverpb.LeaseCheckpointResponse;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.internal.LeaseRecord;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.lease.LeaseBackend;
import io.etcdj.lease.Lessor;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.RangeOptions;
import io.etcdj.storage.mvcc.RangeResult;
import io.etcdj.storage.mvcc.TxnRead;
import io.etcdj.storage.mvcc.TxnWrite;
import io.etcdj.storage.mvcc.WriteBatch;
import java.util.Arrays;
import java.util.List;

/**
 * The meaning of the lease entries of the log (etcd's {@code applierV3backend.LeaseGrant},
 * {@code LeaseRevoke}, {@code LeaseCheckpoint}) over the {@link Lessor} and the store, and the
 * bookkeeping of which key belongs to which lease. Apply thread only, except {@link #recover}
 * at start-up.
 */
public final class LeaseApplier {
  private static final byte[] NO_END = new byte[0];
  /** Live keys read per page while rebuilding the key → lease attachments. */
  private static final int RECOVER_PAGE_KEYS = 1_000;

  private final Lessor lessor;

  public LeaseApplier(Lessor lessor) {
    this.lessor = lessor;
  }

  public LeaseGrantResponse grant(WriteBatch batch, TxnWrite txn, LeaseGrantRequest r) {
    long ttl = lessor.grant(r.getID(), r.getTTL(), backend(batch));
    return LeaseGrantResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(txn.rev()))
        .setID(r.getID())
        .setTTL(ttl)
        .build();
  }

  /** Deletes the lease's keys inside {@code txn}: all in one revision. */
  public LeaseRevokeResponse revoke(WriteBatch batch, TxnWrite txn, LeaseRevokeRequest r) {
    FailPoints.hit(FailPoints.APPLY_BEFORE_LEASE_REVOKE);
    lessor.revoke(r.getID(), backend(batch), key -> txn.deleteRange(key.toByteArray(), NO_END));
    return LeaseRevokeResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(txn.rev()))
        .build();
  }

  public LeaseCheckpointResponse checkpoint(
      WriteBatch batch, TxnWrite txn, LeaseCheckpointRequest r) {
    LeaseBackend backend = backend(batch);
    for (LeaseCheckpoint cp : r.getCheckpointsList()) {
      lessor.checkpoint(cp.getID(), cp.getRemainingTTL(), backend);
    }
    return LeaseCheckpointResponse.newBuilder()
        .setHeader(ResponseHeader.newBuilder().setRevision(txn.rev()))
        .build();
  }

  /**
   * Moves keys between leases after a write txn (etcd's store does this inside put and delete):
   * a put attaches its key to the put's lease (none detaches it), a delete detaches.
   */
  public void keysChanged(List<KeyValue> changes) {
    for (int i = 0; i < changes.size(); i++) {
      KeyValue kv = changes.get(i);
      if (kv.getCreateRevision() == 0) {
        lessor.keyDeleted(kv.getKey());
      } else {
        lessor.keyPut(kv.getKey(), kv.getLease());
      }
    }
  }

  /**
   * Rebuilds the lessor from the store (etcd's lessor {@code initAndRecover} plus the store's
   * re-attachment on restore): every lease record, then every live key that names a lease.
   */
  public void recover(KV kv) {
    lessor.reset();
    kv.forEachLease(
        (id, record) -> {
          LeaseRecord rec = parse(id, record);
          lessor.restore(id, rec.getTTL(), rec.getRemainingTTL());
        });
    if (lessor.leaseCount() == 0) {
      // No lease, so no live key names one (a revoke deletes its keys in the same batch as the
      // record): spare a store without leases the scan of every live key at start-up.
      return;
    }
    try (TxnRead view = kv.read()) {
      byte[] from = {0};
      byte[] fromKeyEnd = {0}; // with an end of "\0" a range runs from the key to the last key
      while (true) {
        RangeResult page =
            view.range(from, fromKeyEnd, new RangeOptions(RECOVER_PAGE_KEYS, view.rev(), false));
        for (KeyValue kv1 : page.kvs()) {
          if (kv1.getLease() != 0) {
            lessor.keyPut(kv1.getKey(), kv1.getLease());
          }
        }
        if (page.kvs().size() < RECOVER_PAGE_KEYS) {
          break;
        }
        ByteString last = page.kvs().get(page.kvs().size() - 1).getKey();
        from = Arrays.copyOf(last.toByteArray(), last.size() + 1); // the next key after it
      }
    }
  }

  private static LeaseRecord parse(long id, byte[] record) {
    try {
      return LeaseRecord.parseFrom(record);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("undecodable record of lease " + Long.toHexString(id), e);
    }
  }

  private static LeaseBackend backend(WriteBatch batch) {
    return new LeaseBackend() {
      @Override
      public void saveLease(long leaseId, long ttlSeconds, long remainingTtlSeconds) {
        batch.putLease(
            leaseId,
            LeaseRecord.newBuilder()
                .setID(leaseId)
                .setTTL(ttlSeconds)
                .setRemainingTTL(remainingTtlSeconds)
                .build()
                .toByteArray());
      }

      @Override
      public void deleteLease(long leaseId) {
        batch.deleteLease(leaseId);
      }
    };
  }
}
