package io.etcdj.server.grpc;

import io.etcdj.storage.failpoint.FailPoints;
import com.google.protobuf.CodedOutputStream;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.storage.mvcc.CompactedException;
import io.etcdj.storage.mvcc.KV;
import io.etcdj.storage.mvcc.RangeOptions;
import io.etcdj.storage.mvcc.RangeResult;
import io.etcdj.storage.mvcc.TxnRead;
import io.etcdj.watch.WatchResponse;
import io.etcdj.watch.WatchSink;
import io.etcdj.watch.WatchSpec;
import io.etcdj.watch.WatchStream;
import io.etcdj.watch.WatchableStore;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.function.LongFunction;

/**
 * One Watch gRPC stream (etcd's {@code serverWatchStream}): reads requests, keeps one {@link
 * WatchStream} of watchers, and sends their messages in order.
 *
 * <p>Bounds and back-pressure: watcher messages wait in one queue per stream; event messages are
 * held to {@link #EVENTS_QUEUED_MAX} (etcd's 128-entry channel), beyond which the watch module makes
 * the watcher a victim instead of queueing more. The queue is drained only while gRPC's flow
 * control says the client is reading ({@code isReady}), so a client that stops reading stops the
 * drain, fills the queue, and from then on costs one kept message per watcher. Control messages
 * (created, canceled, progress) are answers to the client's own requests: once {@link
 * #CONTROL_QUEUED_MAX} wait, the session stops reading requests (manual inbound flow control) until
 * the drain has caught up, as etcd's receive loop blocks on its full control channel.
 *
 * <p>Threads: requests arrive on the transport thread; watcher messages are queued by whoever holds
 * the store's lock (apply thread, sync thread, transport thread); the drain runs on the stream's
 * drain executor (its Netty event loop, see {@code WatchService}), at most one task per session at
 * a time, and is the only caller of {@code onNext}. It builds the wire messages there (prev_kv
 * reads, fragmenting), off the apply thread.
 */
final class WatchSession implements StreamObserver<WatchRequest>, WatchSink {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WatchSession.class);
  /** etcd's {@code chanBufLen}: event messages queued per stream before watchers become victims. */
  static final int EVENTS_QUEUED_MAX = 128;
  /** etcd's {@code ctrlStreamBufLen}: control messages queued before requests are no longer read. */
  static final int CONTROL_QUEUED_MAX = 16;

  private final ServerCallStreamObserver<io.etcdj.api.etcdserverpb.WatchResponse> out;
  private final KV kv;
  private final LongFunction<ResponseHeader> header;
  /** A message at least this large with two or more events is fragmented, if asked for. */
  private final long fragmentBytes;
  private final Executor sendExecutor;
  private final WatchStream stream;

  // Guarded by this.
  private final ArrayDeque<WatchResponse> queue = new ArrayDeque<>();
  private int eventsQueued;
  private int controlQueued;
  private boolean draining;
  private boolean readingPaused;
  private boolean closed;

  WatchSession(
      ServerCallStreamObserver<io.etcdj.api.etcdserverpb.WatchResponse> out,
      WatchableStore store,
      KV kv,
      LongFunction<ResponseHeader> header,
      long fragmentBytes,
      Executor sendExecutor) {
    this.out = out;
    this.kv = kv;
    this.header = header;
    this.fragmentBytes = fragmentBytes;
    this.sendExecutor = sendExecutor;
    this.stream = store.newStream(this);
  }

  // ---------------------------------------------------------------- requests (transport thread)

  @Override
  public void onNext(WatchRequest request) {
    switch (request.getRequestUnionCase()) {
      case CREATE_REQUEST -> stream.watch(spec(request.getCreateRequest()));
      case CANCEL_REQUEST -> stream.cancel(request.getCancelRequest().getWatchId());
      case PROGRESS_REQUEST -> stream.requestProgress();
      default -> {} // etcd ignores a request it does not know rather than ending the stream
    }
    boolean more;
    synchronized (this) {
      more = controlQueued < CONTROL_QUEUED_MAX;
      readingPaused = !more;
    }
    if (more) {
      out.request(1);
    }
  }

  /** etcd's normalisation in {@code recvLoop}: empty key is "\0"; range end "\0" is "every key ≥". */
  static WatchSpec spec(WatchCreateRequest r) {
    byte[] key = r.getKey().isEmpty() ? new byte[] {0} : r.getKey().toByteArray();
    byte[] end;
    if (r.getRangeEnd().isEmpty()) {
      end = null;
    } else if (r.getRangeEnd().size() == 1 && r.getRangeEnd().byteAt(0) == 0) {
      end = new byte[0];
    } else {
      end = r.getRangeEnd().toByteArray();
    }
    boolean noPut = false;
    boolean noDelete = false;
    for (WatchCreateRequest.FilterType f : r.getFiltersList()) {
      if (f == WatchCreateRequest.FilterType.NOPUT) {
        noPut = true;
      } else if (f == WatchCreateRequest.FilterType.NODELETE) {
        noDelete = true;
      }
    }
    return new WatchSpec(
        key,
        end,
        r.getStartRevision(),
        r.getWatchId(),
        noPut,
        noDelete,
        r.getProgressNotify(),
        r.getPrevKv(),
        r.getFragment());
  }

  @Override
  public void onError(Throwable t) {
    close();
  }

  /** A half-close leaves the stream open, as in etcd: the client may still be reading events. */
  @Override
  public void onCompleted() {}

  /** The call ended (cancelled, closed, or its leader lost): drop every watcher. */
  void close() {
    synchronized (this) {
      closed = true;
      queue.clear();
    }
    stream.close();
  }

  // ---------------------------------------------------------------- sink (store lock held)

  @Override
  public boolean offer(WatchResponse response) {
    synchronized (this) {
      if (closed) {
        return true; // nobody to send to: dropping is delivering
      }
      if (eventsQueued >= EVENTS_QUEUED_MAX) {
        return false;
      }
      eventsQueued++;
      queue.add(response);
      scheduleDrain();
    }
    return true;
  }

  @Override
  public void control(WatchResponse response) {
    synchronized (this) {
      if (closed) {
        return;
      }
      controlQueued++;
      queue.add(response);
      scheduleDrain();
    }
  }

  /** Lock held. */
  private void scheduleDrain() {
    if (!draining) {
      draining = true;
      sendExecutor.execute(this::drain);
    }
  }

  /** gRPC's onReady: the client reads again. */
  void onReady() {
    synchronized (this) {
      if (!queue.isEmpty() && !closed) {
        scheduleDrain();
      }
    }
  }

  // ---------------------------------------------------------------- drain (send executor)

  private void drain() {
    while (true) {
      WatchResponse next;
      boolean resumeReading = false;
      synchronized (this) {
        if (closed || queue.isEmpty() || !out.isReady()) {
          draining = false;
          return;
        }
        next = queue.poll();
        if (next.kind() == WatchResponse.Kind.EVENTS
            || (next.kind() == WatchResponse.Kind.PROGRESS && next.watchId() >= 0)) {
          eventsQueued--;
        } else {
          controlQueued--;
          if (readingPaused && controlQueued < CONTROL_QUEUED_MAX) {
            readingPaused = false;
            resumeReading = true;
          }
        }
      }
      try {
        if (resumeReading) {
          out.request(1);
        }
        send(next);
      } catch (RuntimeException e) {
        // The call is gone, or a store read failed: end this stream only, never the pool thread.
        LOG.warn("watch stream send failed; closing the stream: {}", e.toString());
        synchronized (this) {
          draining = false;
        }
        close();
        try {
          out.onError(ErrorMapping.toStatus(e));
        } catch (RuntimeException alreadyClosed) {
          // the call had already ended: nothing to tell the client
        }
        return;
      }
    }
  }

  private void send(WatchResponse r) {
    FailPoints.hit(FailPoints.WATCH_BEFORE_SEND);
    io.etcdj.api.etcdserverpb.WatchResponse.Builder b =
        io.etcdj.api.etcdserverpb.WatchResponse.newBuilder()
            .setHeader(header.apply(r.revision()))
            .setWatchId(r.watchId());
    switch (r.kind()) {
      case CREATED -> b.setCreated(true);
      case REFUSED -> b.setCreated(true).setCanceled(true).setCancelReason(r.cancelReason());
      case CANCELED -> b.setCanceled(true);
      case COMPACTED -> b.setCanceled(true).setCompactRevision(r.compactRevision());
      case PROGRESS -> {}
      case EVENTS -> {
        List<Event> events = r.spec().prevKv() ? withPrevKv(r.events()) : r.events();
        if (r.spec().fragment()) {
          sendFragments(b, events);
          return;
        }
        b.addAllEvents(events);
      }
    }
    out.onNext(b.build());
  }

  /** etcd's sendLoop: each event's previous version, read at its revision − 1 if not compacted. */
  private List<Event> withPrevKv(List<Event> events) {
    List<Event> out = new ArrayList<>(events.size());
    try (TxnRead read = kv.read()) {
      for (Event e : events) {
        Event.Builder eb = e.toBuilder();
        try {
          RangeResult prev =
              read.range(
                  e.getKv().getKey().toByteArray(),
                  null,
                  new RangeOptions(1, e.getKv().getModRevision() - 1, false));
          if (!prev.kvs().isEmpty()) {
            eb.setPrevKv(prev.kvs().get(0));
          }
        } catch (CompactedException gone) {
          // compacted meanwhile: the event goes without its previous version, as in etcd
        }
        out.add(eb.build());
      }
    }
    return out;
  }

  /**
   * etcd's {@code sendFragments}: a message of at least {@code fragmentBytes} with two or more events
   * goes as several, each as full as fits (at least one event), all but the last marked fragment.
   */
  private void sendFragments(io.etcdj.api.etcdserverpb.WatchResponse.Builder b, List<Event> events) {
    int total = b.build().getSerializedSize();
    for (Event e : events) {
      total += eventBytes(e);
    }
    if (total < fragmentBytes || events.size() < 2) {
      out.onNext(b.addAllEvents(events).build());
      return;
    }
    int base = b.build().getSerializedSize() + 2; // + the fragment flag
    int i = 0;
    while (i < events.size()) {
      io.etcdj.api.etcdserverpb.WatchResponse.Builder part = b.clone();
      long size = base;
      int start = i;
      while (i < events.size()) {
        int bytes = eventBytes(events.get(i));
        if (i > start && size + bytes >= fragmentBytes) {
          break;
        }
        size += bytes;
        part.addEvents(events.get(i));
        i++;
      }
      part.setFragment(i < events.size());
      out.onNext(part.build());
    }
  }

  private static int eventBytes(Event e) {
    return CodedOutputStream.computeMessageSize(
        io.etcdj.api.etcdserverpb.WatchResponse.EVENTS_FIELD_NUMBER, e);
  }
}
