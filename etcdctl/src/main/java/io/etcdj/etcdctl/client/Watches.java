package io.etcdj.etcdctl.client;

import io.etcdj.api.etcdserverpb.WatchCancelRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchProgressRequest;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * clientv3's watcher over one Watch stream (clientv3/watch.go watchGrpcStream): watches are
 * created one at a time in request order, a created response is not delivered, events and
 * compactions go to their watch, a progress notify with watch id -1 goes to every watch, a watch
 * whose response carries an error (compacted, canceled) is closed after that response, a watch the
 * server cancels without compaction is closed without one. When the stream breaks with
 * Unavailable or Internal it is opened again after a backoff and every watch is created again from
 * the revision after the last it saw; any other error (or "no leader") closes every watch with a
 * canceled response carrying the error, as clientv3's closeErr does.
 *
 * <p>Watches opened with {@code requireLeader} send etcd's {@code hasleader} metadata (clientv3's
 * WithRequireLeader), so a member without a leader cancels them. State is guarded by this object's
 * lock; listeners are called on gRPC's threads, in stream order, and must not block.
 */
public final class Watches implements AutoCloseable {
  /** clientv3's InvalidWatchID. */
  static final long INVALID_ID = -1;
  /** clientv3's maxBackoff for a stream that reports Unavailable. */
  static final long BACKOFF_MAX_MS = 100;

  /** clientv3's WatchResponse as delivered on a watch channel. */
  public record Response(WatchResponse pb, String closeErr) {
    /** clientv3's Err(): the close error, a compaction, or the cancel reason. */
    public String err() {
      if (closeErr != null) {
        return closeErr;
      }
      if (pb.getCompactRevision() != 0) {
        return "etcdserver: mvcc: required revision has been compacted";
      }
      if (pb.getCanceled()) {
        return pb.getCancelReason().isEmpty() ? "etcdserver: mvcc: required revision is a future revision" : pb.getCancelReason();
      }
      return null;
    }

    /** clientv3's IsProgressNotify. */
    public boolean isProgressNotify() {
      return pb.getEventsCount() == 0 && !pb.getCanceled() && !pb.getCreated() && pb.getCompactRevision() == 0
          && pb.getHeader().getRevision() != 0;
    }
  }

  /** One watch's channel: responses, then closed. */
  public interface Listener {
    void onResponse(Response r);

    void onClosed();
  }

  private final Client client;
  private final boolean requireLeader;
  private final ScheduledExecutorService retries =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "etcdctl-watch-retry");
            t.setDaemon(true);
            return t;
          });
  private final ArrayDeque<Sub> creating = new ArrayDeque<>();
  private final Map<Long, Sub> byId = new HashMap<>();
  private final Set<Long> cancelSent = new HashSet<>();
  private StreamObserver<WatchRequest> requests;
  /** The open stream's observer; callbacks of a stream given up on are ignored. */
  private Observer observer;
  private long backoffMs = 1;
  private boolean closed;

  private static final class Sub {
    final WatchCreateRequest req;
    final Listener listener;
    long nextRev;
    boolean first = true;

    Sub(WatchCreateRequest req, Listener listener) {
      this.req = req;
      this.listener = listener;
      this.nextRev = req.getStartRevision();
    }
  }

  public Watches(Client client, boolean requireLeader) {
    this.client = client;
    this.requireLeader = requireLeader;
  }

  /** Starts a watch; it is created on the server after those requested before it. */
  public synchronized void watch(WatchCreateRequest req, Listener listener) throws InterruptedException {
    Sub s = new Sub(req, listener);
    creating.addLast(s);
    ensureStream();
    if (creating.size() == 1) {
      send(create(s));
    }
  }

  /** clientv3's RequestProgress: every watch on the stream gets a progress notify. */
  public synchronized void requestProgress() throws InterruptedException {
    ensureStream();
    send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
  }

  private void ensureStream() throws InterruptedException {
    if (requests != null || closed) {
      return;
    }
    Channel ch = client.channel(client.commandDeadline());
    WatchGrpc.WatchStub stub = WatchGrpc.newStub(ch).withWaitForReady();
    if (requireLeader) {
      Metadata md = new Metadata();
      md.put(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER), "true");
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(md));
    }
    observer = new Observer();
    requests = stub.watch(observer);
  }

  private WatchRequest create(Sub s) {
    WatchCreateRequest r = s.req.toBuilder().setStartRevision(s.nextRev).build();
    return WatchRequest.newBuilder().setCreateRequest(r).build();
  }

  private void send(WatchRequest r) {
    if (requests != null) {
      requests.onNext(r);
    }
  }

  private final class Observer implements StreamObserver<WatchResponse> {
    @Override
    public void onNext(WatchResponse r) {
      received(this, r);
    }

    @Override
    public void onError(Throwable t) {
      broken(this, Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      broken(this, null);
    }
  }

  private synchronized void received(Observer from, WatchResponse r) {
    if (closed || from != observer) {
      return;
    }
    if (r.getCreated()) {
      Sub s = creating.pollFirst();
      if (s != null) {
        byId.put(r.getWatchId(), s);
        if (s.first && s.req.getStartRevision() == 0) {
          s.nextRev = r.getHeader().getRevision();
        }
        s.first = false;
      }
      if (!creating.isEmpty()) {
        send(create(creating.peekFirst()));
      }
      return;
    }
    if (r.getCanceled() && r.getCompactRevision() == 0) {
      cancelSent.remove(r.getWatchId());
      Sub s = byId.remove(r.getWatchId());
      if (s != null) {
        s.listener.onClosed();
      }
      return;
    }
    Response resp = new Response(r, null);
    if (r.getWatchId() == INVALID_ID && resp.isProgressNotify()) {
      for (Sub s : byId.values()) {
        deliver(s, r.getWatchId(), resp);
      }
      return;
    }
    Sub s = byId.get(r.getWatchId());
    if (s == null) {
      if (cancelSent.add(r.getWatchId())) {
        send(cancel(r.getWatchId()));
      }
      return;
    }
    deliver(s, r.getWatchId(), resp);
  }

  private void deliver(Sub s, long id, Response resp) {
    WatchResponse r = resp.pb();
    if (r.getEventsCount() > 0) {
      List<Event> evs = r.getEventsList();
      s.nextRev = evs.get(evs.size() - 1).getKv().getModRevision() + 1;
    } else {
      s.nextRev = r.getHeader().getRevision();
    }
    s.listener.onResponse(resp);
    if (resp.err() != null) {
      byId.remove(id);
      cancelSent.add(id);
      send(cancel(id));
      s.listener.onClosed();
    }
  }

  private static WatchRequest cancel(long id) {
    return WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(id)).build();
  }

  private synchronized void broken(Observer from, Status s) {
    if (closed || from != observer) {
      return;
    }
    requests = null;
    observer = null;
    String desc = s == null ? "" : GoErrors.desc(s);
    boolean retry =
        s != null && (s.getCode() == Status.Code.UNAVAILABLE || s.getCode() == Status.Code.INTERNAL)
            && !desc.equals("etcdserver: no leader");
    if (!retry) {
      String err = s == null ? "EOF" : GoErrors.clientError(new StatusRuntimeException(s));
      List<Sub> all = new ArrayList<>(byId.values());
      all.addAll(creating);
      byId.clear();
      creating.clear();
      WatchResponse empty = WatchResponse.newBuilder().setCanceled(true).build();
      for (Sub sub : all) {
        sub.listener.onResponse(new Response(empty, err));
        sub.listener.onClosed();
      }
      return;
    }
    // Every watch is created again, in order, from where it got to.
    List<Sub> again = new ArrayList<>(byId.values());
    again.addAll(creating);
    byId.clear();
    creating.clear();
    creating.addAll(again);
    cancelSent.clear();
    long delay = s.getCode() == Status.Code.UNAVAILABLE ? backoffMs : 0;
    backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
    retries.schedule(this::reopen, delay, TimeUnit.MILLISECONDS);
  }

  private synchronized void reopen() {
    if (closed || requests != null) {
      return;
    }
    try {
      ensureStream();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (!creating.isEmpty()) {
      send(create(creating.peekFirst()));
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    retries.shutdownNow();
    if (requests != null) {
      try {
        requests.onCompleted();
      } catch (RuntimeException e) {
        // the stream is already gone
      }
      requests = null;
      observer = null;
    }
  }
}
