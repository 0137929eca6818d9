package io.etcdj.server.concurrency;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.server.errors.EtcdError;
import io.grpc.Context;
import java.util.concurrent.CompletableFuture;

/**
 * Leader election (etcd 3.4's {@code concurrency.Election}). A campaigner owns the key {@code
 * <name>/<lease hex>} holding its value; the key with the lowest create revision under {@code
 * <name>/} is the leader, and a leadership is named by its key and that create revision (etcd's
 * {@code LeaderKey}), so Proclaim and Resign act only while that very key still exists.
 *
 * <p>Stateless: every method is a chain of callbacks on the session's client; nothing blocks.
 */
public final class Election {

  /** A won campaign: the leader key, its create revision, and the header etcd answers with. */
  public record Elected(ByteString key, long createRevision, ResponseHeader header) {}

  private Election() {}

  /**
   * Completes once the session's key leads the election {@code name}. A session that already
   * campaigns keeps its place, and its value is proclaimed when it differs. The header is that of
   * the first txn, as etcd's (its Campaign overwrites the header of any proclaim and wait).
   *
   * <p>When {@code ctx} is cancelled while waiting, the key is deleted if it is still ours (etcd's
   * cleanup); when the wait fails otherwise, the key stays, as in etcd.
   */
  public static CompletableFuture<Elected> campaign(
      Session session, Context ctx, ByteString name, ByteString value) {
    V3Client client = session.client();
    ByteString prefix = name.concat(Ops.SLASH);
    ByteString key = Ops.ownKey(prefix, session.leaseId());
    TxnRequest enter =
        TxnRequest.newBuilder()
            .addCompare(Ops.createRevisionIs(key, 0))
            .addSuccess(Ops.put(key, value, session.leaseId()))
            .addFailure(Ops.get(key))
            .build();
    return client
        .txn(ctx, enter)
        .thenCompose(resp -> afterEntered(session, ctx, prefix, key, value, resp));
  }

  private static CompletableFuture<Elected> afterEntered(
      Session session,
      Context ctx,
      ByteString prefix,
      ByteString key,
      ByteString value,
      TxnResponse resp) {
    V3Client client = session.client();
    long rev = resp.getHeader().getRevision();
    CompletableFuture<Void> entered = CompletableFuture.completedFuture(null);
    if (!resp.getSucceeded()) {
      RangeResponse found = resp.getResponses(0).getResponseRange();
      if (found.getKvsCount() != 1) {
        throw new IllegalStateException("campaign txn found " + found.getKvsCount() + " kvs for an existing key");
      }
      KeyValue kv = found.getKvs(0);
      rev = kv.getCreateRevision();
      if (!kv.getValue().equals(value)) {
        entered = reproclaim(session, ctx, key, rev, value);
      }
    }
    long createRevision = rev;
    CompletableFuture<Elected> elected = new CompletableFuture<>();
    entered
        .thenCompose(v -> KeyWait.waitDeletes(client, ctx, prefix, createRevision - 1))
        .whenComplete(
            (header, err) -> {
              if (err == null) {
                elected.complete(new Elected(key, createRevision, resp.getHeader()));
              } else if (ctx.isCancelled()) {
                // etcd ignores the outcome of this resign and reports the wait's error.
                resignDetached(client, key, createRevision)
                    .whenComplete((r, rerr) -> elected.completeExceptionally(err));
              } else {
                elected.completeExceptionally(err);
              }
            });
    return elected;
  }

  /** The proclaim of a re-entered campaign; on failure etcd resigns (under the caller's ctx). */
  private static CompletableFuture<Void> reproclaim(
      Session session, Context ctx, ByteString key, long rev, ByteString value) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    proclaim(session, ctx, key, rev, value)
        .whenComplete(
            (header, err) -> {
              if (err == null) {
                done.complete(null);
                return;
              }
              resign(session.client(), ctx, key, rev)
                  .whenComplete((r, rerr) -> done.completeExceptionally(err));
            });
    return done;
  }

  /**
   * Sets the leader's value while {@code key} still has create revision {@code rev}; otherwise
   * fails with "election: not leader". The put carries the session's lease.
   */
  public static CompletableFuture<ResponseHeader> proclaim(
      Session session, Context ctx, ByteString key, long rev, ByteString value) {
    TxnRequest txn =
        TxnRequest.newBuilder()
            .addCompare(Ops.createRevisionIs(key, rev))
            .addSuccess(Ops.put(key, value, session.leaseId()))
            .build();
    return session
        .client()
        .txn(ctx, txn)
        .thenApply(
            resp -> {
              if (!resp.getSucceeded()) {
                throw EtcdError.ELECTION_NOT_LEADER.exception();
              }
              return resp.getHeader();
            });
  }

  /** Deletes {@code key} if it still has create revision {@code rev}; no error when it has not. */
  public static CompletableFuture<ResponseHeader> resign(
      V3Client client, Context ctx, ByteString key, long rev) {
    return client.txn(ctx, resignTxn(key, rev)).thenApply(TxnResponse::getHeader);
  }

  private static CompletableFuture<ResponseHeader> resignDetached(
      V3Client client, ByteString key, long rev) {
    return client.txnDetached(resignTxn(key, rev)).thenApply(TxnResponse::getHeader);
  }

  private static TxnRequest resignTxn(ByteString key, long rev) {
    return TxnRequest.newBuilder()
        .addCompare(Ops.createRevisionIs(key, rev))
        .addSuccess(Ops.delete(key))
        .build();
  }

  /**
   * The range whose single key-value is the leader of election {@code name}; fails with
   * "election: no leader" when nobody campaigns.
   */
  public static CompletableFuture<RangeResponse> leader(
      V3Client client, Context ctx, ByteString name) {
    return client
        .range(ctx, Ops.firstCreated(name.concat(Ops.SLASH)))
        .thenApply(
            resp -> {
              if (resp.getKvsCount() == 0) {
                throw EtcdError.ELECTION_NO_LEADER.exception();
              }
              return resp;
            });
  }

  /**
   * Reports the leader of election {@code name} and each later change of leader or value to
   * {@code sink} until {@code ctx} is cancelled or a read or watch fails; see {@link
   * LeaderObserver}.
   */
  public static void observe(V3Client client, Context ctx, ByteString name, LeaderSink sink) {
    new LeaderObserver(client, ctx, name.concat(Ops.SLASH), sink).start();
  }
}
