package io.etcdj.etcdctl.benchmark;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A KV and Watch service pair that behaves like etcd for the benchmark's purposes: each put gets the
 * next revision and sends one event to every watcher whose key (or [key, range_end)) holds the put
 * key, before answering the put. Watch ids count from 0 per stream. Thread-safe: a stream's
 * responses are sent under that stream's lock.
 */
final class FakeWatchKv {
  private static final Comparator<ByteString> ORDER = ByteString.unsignedLexicographicalComparator();

  final AtomicLong puts = new AtomicLong();
  final AtomicLong creates = new AtomicLong();
  final AtomicLong eventsSent = new AtomicLong();
  private final AtomicLong revision = new AtomicLong(1);
  private final List<Watcher> watchers = new CopyOnWriteArrayList<>();

  private record Watcher(Stream stream, long id, ByteString key, ByteString end) {
    boolean matches(ByteString k) {
      if (end.isEmpty()) {
        return key.equals(k);
      }
      return ORDER.compare(k, key) >= 0 && ORDER.compare(k, end) < 0;
    }
  }

  private final class Stream implements StreamObserver<WatchRequest> {
    private final StreamObserver<WatchResponse> out;
    private long nextId;
    private boolean closed;

    Stream(StreamObserver<WatchResponse> out) {
      this.out = out;
    }

    @Override
    public synchronized void onNext(WatchRequest request) {
      if (!request.hasCreateRequest()) {
        return;
      }
      creates.incrementAndGet();
      var create = request.getCreateRequest();
      long id = nextId++;
      watchers.add(new Watcher(this, id, create.getKey(), create.getRangeEnd()));
      out.onNext(WatchResponse.newBuilder().setWatchId(id).setCreated(true).build());
    }

    synchronized void send(WatchResponse response) {
      if (!closed) {
        out.onNext(response);
        eventsSent.addAndGet(response.getEventsCount());
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      closed = true;
      watchers.removeIf(w -> w.stream() == this);
    }

    @Override
    public synchronized void onCompleted() {
      onError(null);
      out.onCompleted();
    }
  }

  BindableService kv() {
    return new KVGrpc.KVImplBase() {
      @Override
      public void put(PutRequest request, StreamObserver<PutResponse> response) {
        puts.incrementAndGet();
        long rev;
        synchronized (FakeWatchKv.this) {
          // One writer at a time, as the apply loop: events leave in revision order.
          rev = revision.incrementAndGet();
          KeyValue kv =
              KeyValue.newBuilder()
                  .setKey(request.getKey())
                  .setValue(request.getValue())
                  .setModRevision(rev)
                  .build();
          for (Watcher w : watchers) {
            if (w.matches(request.getKey())) {
              w.stream()
                  .send(
                      WatchResponse.newBuilder()
                          .setWatchId(w.id())
                          .addEvents(Event.newBuilder().setType(Event.EventType.PUT).setKv(kv))
                          .build());
            }
          }
        }
        response.onNext(
            PutResponse.newBuilder()
                .setHeader(ResponseHeader.newBuilder().setRevision(rev))
                .build());
        response.onCompleted();
      }
    };
  }

  BindableService watch() {
    return new WatchGrpc.WatchImplBase() {
      @Override
      public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
        return new Stream(out);
      }
    };
  }
}
