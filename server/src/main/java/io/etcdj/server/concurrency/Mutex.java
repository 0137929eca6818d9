package io.etcdj.server.concurrency;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.Context;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A distributed lock (etcd 3.4's {@code concurrency.Mutex}). Each holder owns the key {@code
 * <name>/<lease hex>} under the prefix {@code <name>/}; the holder whose key has the lowest create
 * revision owns the lock, and every other waits for the key created just before its own to go
 * (see {@link KeyWait#waitDeletes}). A second lock with the same lease finds its key already there
 * and shares that place in the queue: one acquisition, as in etcd.
 *
 * <p>Immutable; {@link #lock} may run concurrently for different mutexes.
 */
public final class Mutex {
  private final Session session;
  private final ByteString prefix;
  private final ByteString key;

  public Mutex(Session session, ByteString name) {
    this.session = session;
    this.prefix = name.concat(Ops.SLASH);
    this.key = Ops.ownKey(prefix, session.leaseId());
  }

  /** The ownership key, {@code <name>/<lease hex>}. */
  public ByteString key() {
    return key;
  }

  /**
   * Completes with a response header once this session holds the lock: the header of the txn that
   * queued it when the lock was free, else of the read that found no earlier holder left.
   *
   * <p>Waiting ends early when {@code ctx} is cancelled or a watch fails; the key is then deleted
   * (etcd's cleanup, done after the caller has gone, so not under {@code ctx}) and the future fails
   * with the wait's error once the delete is answered.
   */
  public CompletableFuture<ResponseHeader> lock(Context ctx) {
    V3Client client = session.client();
    TxnRequest queue =
        TxnRequest.newBuilder()
            .addCompare(Ops.createRevisionIs(key, 0))
            .addSuccess(Ops.put(key, ByteString.EMPTY, session.leaseId()))
            .addSuccess(Ops.range(Ops.firstCreated(prefix)))
            .addFailure(Ops.get(key))
            .addFailure(Ops.range(Ops.firstCreated(prefix)))
            .build();
    return client.txn(ctx, queue).thenCompose(resp -> afterQueued(client, ctx, resp));
  }

  private CompletableFuture<ResponseHeader> afterQueued(
      V3Client client, Context ctx, TxnResponse resp) {
    long myRev = myCreateRevision(resp);
    List<KeyValue> owner = resp.getResponses(1).getResponseRange().getKvsList();
    if (owner.isEmpty() || owner.get(0).getCreateRevision() == myRev) {
      return CompletableFuture.completedFuture(resp.getHeader());
    }
    CompletableFuture<ResponseHeader> held = new CompletableFuture<>();
    KeyWait.waitDeletes(client, ctx, prefix, myRev - 1)
        .whenComplete(
            (header, err) -> {
              if (err == null) {
                held.complete(header);
                return;
              }
              // etcd ignores the outcome of this delete and reports the wait's error.
              client
                  .deleteDetached(DeleteRangeRequest.newBuilder().setKey(key).build())
                  .whenComplete((d, derr) -> held.completeExceptionally(err));
            });
    return held;
  }

  /** The create revision of our key: just made by the txn, or found there by it. */
  private static long myCreateRevision(TxnResponse resp) {
    if (resp.getResponsesCount() != 2) {
      throw new IllegalStateException("lock txn answered " + resp.getResponsesCount() + " ops, sent 2");
    }
    if (resp.getSucceeded()) {
      return resp.getHeader().getRevision();
    }
    RangeResponse mine = resp.getResponses(0).getResponseRange();
    if (mine.getKvsCount() != 1) {
      // The compare failed, so the key existed in the txn's own revision.
      throw new IllegalStateException("lock txn found " + mine.getKvsCount() + " kvs for an existing key");
    }
    return mine.getKvs(0).getCreateRevision();
  }

  /** Releases a lock by deleting its ownership key (etcd's Unlock is exactly this delete). */
  public static CompletableFuture<DeleteRangeResponse> unlock(
      V3Client client, Context ctx, ByteString key) {
    return client.delete(ctx, DeleteRangeRequest.newBuilder().setKey(key).build());
  }
}
