package io.etcdj.server.concurrency;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.server.errors.EtcdError;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * Waiting for keys to be deleted (etcd's {@code concurrency/key.go}): how a Lock or Campaign waits
 * for the holders that queued before it. Each wait is a chain of callbacks; nothing blocks.
 *
 * <p>Failures are what clientv3 reports: a cancelled caller gets its context's status, a watch
 * cancelled by the server gets etcd's compaction or future-revision error (or its cancel reason),
 * and a watch that ends quietly gets "lost watcher waiting for delete".
 */
final class KeyWait {
  private KeyWait() {}

  /**
   * Completes once no key under {@code prefix} has a create revision at or below {@code
   * maxCreateRev}, with the header of the read that found none. Waits for the newest such key,
   * then looks again, so a queue of waiters is walked one holder at a time and a waiter whose
   * predecessor gave up (its key deleted early) moves on to the next one.
   */
  static CompletableFuture<ResponseHeader> waitDeletes(
      V3Client client, Context ctx, ByteString prefix, long maxCreateRev) {
    CompletableFuture<ResponseHeader> done = new CompletableFuture<>();
    nextDelete(client, ctx, prefix, maxCreateRev, done);
    return done;
  }

  private static void nextDelete(
      V3Client client,
      Context ctx,
      ByteString prefix,
      long maxCreateRev,
      CompletableFuture<ResponseHeader> done) {
    client
        .range(ctx, Ops.lastCreatedUpTo(prefix, maxCreateRev))
        .whenComplete(
            (RangeResponse resp, Throwable err) -> {
              if (err != null) {
                done.completeExceptionally(err);
                return;
              }
              if (resp.getKvsCount() == 0) {
                done.complete(resp.getHeader());
                return;
              }
              ByteString last = resp.getKvs(0).getKey();
              waitDelete(client, ctx, last, resp.getHeader().getRevision())
                  .whenComplete(
                      (v, werr) -> {
                        if (werr != null) {
                          done.completeExceptionally(werr);
                        } else {
                          nextDelete(client, ctx, prefix, maxCreateRev, done);
                        }
                      });
            });
  }

  /** Completes at the first delete of {@code key} at or after {@code fromRevision}. */
  static CompletableFuture<Void> waitDelete(
      V3Client client, Context ctx, ByteString key, long fromRevision) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    client.watch(
        ctx,
        Ops.watchKey(key, fromRevision),
        new WatchStream.Listener() {
          @Override
          public void onResponse(WatchStream stream, WatchResponse response) {
            for (Event ev : response.getEventsList()) {
              if (ev.getType() == Event.EventType.DELETE) {
                stream.close();
                done.complete(null);
                return;
              }
            }
            if (response.getCanceled()) {
              stream.close();
              done.completeExceptionally(cancelError(response));
              return;
            }
            stream.request();
          }

          @Override
          public void onEnd(Throwable error) {
            done.completeExceptionally(endError(ctx, error));
          }
        });
    return done;
  }

  /** clientv3's {@code WatchResponse.Err} for a watch the server cancelled. */
  static Throwable cancelError(WatchResponse response) {
    if (response.getCompactRevision() != 0) {
      return EtcdError.COMPACTED.exception();
    }
    if (!response.getCancelReason().isEmpty()) {
      return Status.FAILED_PRECONDITION
          .withDescription(response.getCancelReason())
          .asRuntimeException();
    }
    return EtcdError.FUTURE_REV.exception();
  }

  /** Why a watch stream ended without the event its waiter wanted. */
  static Throwable endError(Context ctx, Throwable streamError) {
    if (ctx.isCancelled()) {
      return Contexts.statusFromCancelled(ctx).asRuntimeException();
    }
    return streamError != null ? streamError : EtcdError.LOST_WATCHER.exception();
  }
}
