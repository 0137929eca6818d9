package io.etcdj.server.concurrency;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.Context;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One observation of an election (etcd 3.4's {@code Election.observe}), as a state machine:
 *
 * <ol>
 *   <li>read the leader (first key by create revision under the prefix);
 *   <li>if there is none, watch the prefix from the read's revision and take the first put;
 *   <li>deliver that leader, then watch its key from the next revision, delivering each put, until
 *       the key is deleted; then start again at 1.
 * </ol>
 *
 * <p>Any failed read or watch ends the observation ({@link LeaderSink#onEnd}), as it closes
 * etcd's channel. Threading: one step at a time, each started by the callback of the step
 * before (the client's executor) or by the sink's resume; the fields are only the immutable inputs.
 */
final class LeaderObserver {
  private final V3Client client;
  private final Context ctx;
  private final ByteString prefix;
  private final LeaderSink sink;
  private final AtomicBoolean ended = new AtomicBoolean();

  LeaderObserver(V3Client client, Context ctx, ByteString prefix, LeaderSink sink) {
    this.client = client;
    this.ctx = ctx;
    this.prefix = prefix;
    this.sink = sink;
  }

  void start() {
    readLeader();
  }

  private void readLeader() {
    client
        .range(ctx, Ops.firstCreated(prefix))
        .whenComplete(
            (resp, err) -> {
              if (err != null) {
                end(err);
              } else if (resp.getKvsCount() == 0) {
                awaitFirstPut(resp.getHeader().getRevision());
              } else {
                deliverThenFollow(resp.getHeader(), resp.getKvs(0));
              }
            });
  }

  /** No leader: the first key put under the prefix is the next one. Deletes are skipped. */
  private void awaitFirstPut(long fromRevision) {
    client.watch(
        ctx,
        Ops.watchPrefix(prefix, fromRevision),
        new WatchStream.Listener() {
          @Override
          public void onResponse(WatchStream stream, WatchResponse response) {
            if (response.getCanceled()) {
              stream.close();
              end(KeyWait.cancelError(response));
              return;
            }
            for (Event ev : response.getEventsList()) {
              if (ev.getType() == Event.EventType.PUT) {
                stream.close();
                KeyValue kv = ev.getKv();
                // The response may cover several revisions; etcd reports the put's own.
                ResponseHeader header =
                    response.getHeader().toBuilder().setRevision(kv.getModRevision()).build();
                deliverThenFollow(header, kv);
                return;
              }
            }
            stream.request();
          }

          @Override
          public void onEnd(Throwable error) {
            end(KeyWait.endError(ctx, error));
          }
        });
  }

  private void deliverThenFollow(ResponseHeader header, KeyValue kv) {
    sink.whenReady(
        () -> {
          if (ended.get()) {
            return;
          }
          sink.onLeader(header, kv);
          follow(kv.getKey(), header.getRevision() + 1);
        });
  }

  /** Delivers each later put of the leader key; at its delete, reads the new leader. */
  private void follow(ByteString key, long fromRevision) {
    client.watch(
        ctx,
        Ops.watchKey(key, fromRevision),
        new WatchStream.Listener() {
          @Override
          public void onResponse(WatchStream stream, WatchResponse response) {
            List<KeyValue> puts = new ArrayList<>();
            boolean deleted = false;
            for (Event ev : response.getEventsList()) {
              if (ev.getType() == Event.EventType.DELETE) {
                deleted = true;
                break; // etcd looks no further in this response
              }
              puts.add(ev.getKv());
            }
            if (deleted || response.getCanceled()) {
              stream.close();
            }
            boolean leaderGone = deleted;
            boolean watchGone = response.getCanceled() && !deleted;
            // etcd sends the puts before the delete one by one, waiting for each send.
            sink.whenReady(
                () -> {
                  if (ended.get()) {
                    return;
                  }
                  for (KeyValue kv : puts) {
                    sink.onLeader(response.getHeader(), kv);
                  }
                  if (leaderGone) {
                    readLeader();
                  } else if (watchGone) {
                    end(KeyWait.cancelError(response));
                  } else {
                    stream.request();
                  }
                });
          }

          @Override
          public void onEnd(Throwable error) {
            end(KeyWait.endError(ctx, error));
          }
        });
  }

  private void end(Throwable cause) {
    if (ended.compareAndSet(false, true)) {
      sink.onEnd(cause);
    }
  }
}
