package io.etcdj.server.robustness;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.Event.EventType;
import io.etcdj.server.robustness.WatchRecord.Event;
import io.etcdj.server.robustness.WatchRecord.Request;
import io.etcdj.server.robustness.WatchRecord.Response;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records watch streams for {@link WatchChecker} during a robustness run, over the raw
 * etcdserverpb Watch stub (one gRPC channel per member, one stream per watch), so every response
 * is kept as sent: the created response, progress notifications, compaction cancels. A stream that
 * breaks (its member was killed) ends its {@link WatchRecord}; with {@code resume} the watch is
 * re-opened, as clientv3 does, as a new record on the next member from the revision after the last
 * one the stream vouched for, which is what the checker's "resumable" rule holds it to.
 *
 * <p>Every header's raft term goes to the run's {@link TermLog}. Threads: the gRPC callbacks
 * append to each stream's own record under its lock; re-opening runs on one scheduler thread.
 */
public final class WatchRecorder implements AutoCloseable {
  private static final long RESUME_BACKOFF_MS = 200;
  /**
   * Bounds the streams one watch (with its resumptions) may open: re-opens fail every {@link
   * #RESUME_BACKOFF_MS} while the next member is down, and an hour-long run with a fault every 5 s
   * breaks a watch hundreds of times. Reaching it is a harness error ({@link #overflow}), never a
   * silent end of the watch: a 500-stream total once ended the log watch three quarters into an
   * hour's run.
   */
  private static final int STREAMS_PER_WATCH_MAX = 20_000;

  private final List<String> endpoints;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final TermLog terms;
  private final List<Stream> streams = new ArrayList<>(); // guarded by itself
  private final ScheduledExecutorService resumer = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "watch-resume"));
  private final AtomicLong headSeen = new AtomicLong();
  private final Map<String, Integer> streamsPerWatch = new java.util.HashMap<>(); // guarded by streams
  private volatile String overflow;
  private volatile boolean stopping;

  public WatchRecorder(List<String> endpoints, TermLog terms) {
    this(endpoints, terms, Duration.ZERO);
  }

  /**
   * As above; with a positive {@code progressRequests}, every live stream also sends a
   * RequestProgress that often (as etcd's robustness clients do), whose answer must bound every
   * event the stream has sent and will send. Not for etcd 3.4.23, which answers before its
   * watchers caught up (etcd issue 15220; see {@link WatchRecord}).
   */
  public WatchRecorder(List<String> endpoints, TermLog terms, Duration progressRequests) {
    this.endpoints = List.copyOf(endpoints);
    this.terms = terms;
    for (String ep : endpoints) {
      URI u = URI.create(ep);
      channels.add(NettyChannelBuilder.forAddress(u.getHost(), u.getPort()).usePlaintext().build());
    }
    if (progressRequests.compareTo(Duration.ZERO) > 0) {
      resumer.scheduleAtFixedRate(
          this::requestProgress, progressRequests.toMillis(), progressRequests.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private static final WatchRequest PROGRESS_REQUEST =
      WatchRequest.newBuilder().setProgressRequest(io.etcdj.api.etcdserverpb.WatchProgressRequest.getDefaultInstance()).build();

  /** One RequestProgress on every stream whose watch was created and has not ended. */
  private void requestProgress() {
    for (Stream s : snapshot()) {
      s.requestProgress();
    }
  }

  /** Why a watch stopped being resumed (a harness limit), or null. */
  public String overflow() {
    return overflow;
  }

  /** The highest header revision any stream has reported so far (a "recent" revision to watch from). */
  public long headSeen() {
    return headSeen.get();
  }

  /** Opens one watch on member {@code member}; {@code name} prefixes its records' names. */
  public void open(String name, int member, Request request, boolean resume) {
    start(name, 0, member, request, resume);
  }

  private void start(String name, int generation, int member, Request request, boolean resume) {
    Stream s = new Stream(generation == 0 ? name : name + " resumed " + generation, name, generation, member, request, resume);
    synchronized (streams) {
      if (stopping) {
        return;
      }
      int n = streamsPerWatch.merge(name, 1, Integer::sum);
      if (n > STREAMS_PER_WATCH_MAX) {
        overflow = "watch " + name + " was re-opened more than " + STREAMS_PER_WATCH_MAX + " times";
        return;
      }
      streams.add(s);
    }
    synchronized (s) { // a stream's requests go out one at a time (see Stream.requestProgress)
      s.requests = WatchGrpc.newStub(channels.get(member)).watch(s);
      s.requests.onNext(WatchRequest.newBuilder().setCreateRequest(create(request)).build());
    }
  }

  private static WatchCreateRequest create(Request r) {
    WatchCreateRequest.Builder b =
        WatchCreateRequest.newBuilder().setKey(bytes(r.key())).setStartRevision(r.startRevision()).setPrevKv(r.prevKv()).setProgressNotify(r.progressNotify());
    if (r.rangeEnd() != null) {
      b.setRangeEnd(bytes(r.rangeEnd()));
    }
    if (r.noPut()) {
      b.addFilters(WatchCreateRequest.FilterType.NOPUT);
    }
    if (r.noDelete()) {
      b.addFilters(WatchCreateRequest.FilterType.NODELETE);
    }
    return b.build();
  }

  /**
   * Waits until every watch still streaming has covered the last revision of {@code log} it wants
   * (by an event, a progress notification or its created header); returns one line per watch that
   * did not within {@code timeout}: etcd delivers every committed event to a live watcher, so a
   * watch stuck behind the head is a "reliable" violation the per-stream checks cannot see.
   */
  public List<String> awaitCaughtUp(WriteLog log, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<String> behind = new ArrayList<>();
      for (Stream s : snapshot()) {
        long want = lastWanted(s.request, log);
        long covered = s.covered();
        if (!s.ended() && covered < want) {
          behind.add(s.name + " on " + endpoints.get(s.member) + ": covers revision " + covered + ", the log's last event it wants is at " + want);
        }
      }
      if (behind.isEmpty() || System.nanoTime() > deadline) {
        return behind;
      }
      Thread.sleep(50);
    }
  }

  /** The highest revision the watch named {@code name} (with its resumptions) has told about. */
  public long covered(String name) {
    long covered = 0;
    for (Stream s : snapshot()) {
      if (s.chain.equals(name)) {
        covered = Math.max(covered, s.covered());
      }
    }
    return covered;
  }

  /**
   * The write log as the watch named {@code name} (with its resumptions) delivered it: for a watch
   * on every key the run writes, from revision 1, this is the committed log, recorded live, so it
   * survives a compaction that a read from revision 1 after the run would not. Each resumption
   * contributes its events from its own start revision on (an event below it is the watch
   * checker's to name, not the log's).
   */
  public WriteLog log(String name) {
    WriteLog log = new WriteLog();
    for (Stream s : snapshot()) {
      if (!s.chain.equals(name)) {
        continue;
      }
      WatchRecord r = s.record();
      for (Response x : r.responses()) {
        for (Event e : x.events()) {
          if (e.revision() >= r.request().startRevision()) {
            boolean put = e.type() == WatchRecord.EventType.PUT;
            log.add(new WriteLog.Event(e.revision(), e.key(), put ? e.kv().value() : null, put ? e.kv().lease() : 0));
          }
        }
      }
    }
    return log;
  }

  /** Stops every stream and returns what each recorded, in the order they were opened. */
  public List<WatchRecord> stop() {
    stopping = true;
    resumer.shutdownNow();
    List<WatchRecord> out = new ArrayList<>();
    for (Stream s : snapshot()) {
      s.cancel();
      out.add(s.record());
    }
    return out;
  }

  private List<Stream> snapshot() {
    synchronized (streams) {
      return new ArrayList<>(streams);
    }
  }

  private static long lastWanted(Request r, WriteLog log) {
    long last = 0;
    for (Map.Entry<Long, List<WriteLog.Event>> rev : log.byRevision().entrySet()) {
      for (WriteLog.Event e : rev.getValue()) {
        if (r.inRange(e.key()) && !(e.isPut() ? r.noPut() : r.noDelete()) && rev.getKey() >= r.startRevision()) {
          last = rev.getKey();
        }
      }
    }
    return last;
  }

  @Override
  public void close() {
    stop();
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
  }

  /** One Watch stream carrying one watch: its record, filled by the gRPC thread. */
  private final class Stream implements StreamObserver<WatchResponse> {
    final String name;
    final String chain;
    final int generation;
    final int member;
    final Request request;
    final boolean resume;
    final long requested = System.nanoTime();
    private final List<Response> responses = new ArrayList<>(); // guarded by this
    private boolean ended; // guarded by this
    /** clientv3's resume point so far, kept as responses come (a scan was O(n) per call). */
    private long next; // guarded by this
    volatile StreamObserver<WatchRequest> requests;

    Stream(String name, String chain, int generation, int member, Request request, boolean resume) {
      this.name = name;
      this.chain = chain;
      this.generation = generation;
      this.member = member;
      this.request = request;
      this.resume = resume;
      this.next = request.startRevision();
    }

    @Override
    public void onNext(WatchResponse r) {
      long now = System.nanoTime();
      terms.saw(r.getHeader().getRaftTerm(), now);
      headSeen.accumulateAndGet(r.getHeader().getRevision(), Math::max);
      List<Event> events = new ArrayList<>(r.getEventsCount());
      for (io.etcdj.api.mvccpb.Event e : r.getEventsList()) {
        KeyValue prev = e.hasPrevKv() ? kv(e.getPrevKv()) : null;
        events.add(new Event(e.getType() == EventType.PUT ? WatchRecord.EventType.PUT : WatchRecord.EventType.DELETE, kv(e.getKv()), prev));
      }
      synchronized (this) {
        if (ended) {
          return;
        }
        Response x = new Response(now, r.getHeader().getRevision(), events, r.getCreated(), r.getCanceled(), r.getCompactRevision());
        responses.add(x);
        if (x.created() && request.startRevision() == 0 || x.isProgressNotify()) {
          next = Math.max(next, x.headerRevision() + 1);
        }
        for (Event e : events) {
          next = Math.max(next, e.revision() + 1);
        }
        if (r.getCanceled()) {
          ended = true; // the server ended this watch; a compaction cancel is final for a client too
        }
      }
      if (r.getCanceled()) {
        requests.onCompleted();
      }
    }

    @Override
    public void onError(Throwable t) {
      broke();
    }

    @Override
    public void onCompleted() {
      broke();
    }

    /** The stream ended under the watch: record its end and, if asked, resume elsewhere. */
    private void broke() {
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
      }
      if (resume && !stopping) {
        long from = nextRevision();
        int next = (member + 1) % channels.size();
        try {
          resumer.schedule(() -> start(chain, generation + 1, next, request.from(from), true), RESUME_BACKOFF_MS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopped) {
          // the recorder is stopping
        }
      }
    }

    synchronized boolean ended() {
      return ended;
    }

    /** clientv3's resume point: the revision after the last one the stream vouched for. */
    synchronized long nextRevision() {
      return next;
    }

    /** The highest revision the stream has told about: an event, a progress notification or its creation. */
    synchronized long covered() {
      return nextRevision() - 1;
    }

    /** Sends a RequestProgress once the watch is created, unless it has ended. */
    synchronized void requestProgress() {
      if (ended || responses.isEmpty() || !responses.get(0).created() || requests == null) {
        return;
      }
      try {
        requests.onNext(PROGRESS_REQUEST);
      } catch (RuntimeException e) {
        // the stream is breaking: its onError ends the record and resumes the watch
      }
    }

    void cancel() {
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
      }
      StreamObserver<WatchRequest> q = requests;
      if (q != null) {
        q.onError(Status.CANCELLED.withDescription("the run is over").asRuntimeException());
      }
    }

    synchronized WatchRecord record() {
      return new WatchRecord(name, endpoints.get(member), requested, request, responses);
    }
  }

  private static KeyValue kv(io.etcdj.api.mvccpb.KeyValue kv) {
    return new KeyValue(
        kv.getKey().toString(StandardCharsets.UTF_8), kv.getValue().toString(StandardCharsets.UTF_8), kv.getCreateRevision(), kv.getModRevision(), kv.getVersion(), kv.getLease());
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
