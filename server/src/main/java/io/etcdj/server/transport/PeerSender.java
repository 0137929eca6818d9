package io.etcdj.server.transport;

import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageBatch;
import io.etcdj.api.internal.PeerGrpc;
import io.etcdj.api.internal.StreamAck;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.netty.channel.ChannelOption;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One remote member as seen by the sender (etcd's {@code peer} with its {@code streamWriter}): a
 * bounded outbound queue, one long-lived {@code Peer.Stream} call, and the writer thread that
 * dials, batches the queue into {@link MessageBatch}es and redials with backoff.
 *
 * <p>States of the writer: <em>connecting</em> (a call is started and waits for the receiver's
 * {@link StreamAck}; messages queue), <em>active</em> (messages are written as soon as gRPC is
 * ready for more), <em>down</em> (between a failure and the next dial; {@link #offer} drops at
 * once, so a dead peer costs the raft loop nothing but a counter).
 *
 * <p>Bounds: the queue holds at most {@link TransportConfig#queueMessagesMax()} messages; the
 * writer takes a batch only while the call {@code isReady()}, so at most one batch beyond gRPC's
 * own ready threshold is buffered per peer however slow the peer reads.
 *
 * <p>Threads: {@link #offer} and {@link #endSend} run on the raft loop, the writer loop on its own
 * thread (the only one that touches the call), gRPC callbacks on Netty threads (they only set
 * fields under {@link #lock} and signal). Everything marked "guarded" is guarded by {@link #lock}.
 */
final class PeerSender {
  private static final Logger LOG = LoggerFactory.getLogger(PeerSender.class);

  /** Upper bound of every wait, so that a lost signal costs at most this much. */
  private static final long WAIT_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private static final long DROP_LOG_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final int ACK_BYTES_MAX = 4096;

  final long id;
  private final TransportConfig config;
  private final PeerTraffic traffic;
  private final RaftHandler handler;
  private final ClientInterceptor headers;
  private final Backoff backoff;
  private final Thread writer;

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /**
   * Held while taking a batch off the queue and writing it, by the writer thread or by the raft
   * loop's fast path (see {@link #endSend}): gRPC allows one caller of onNext at a time, and taking
   * and writing under one lock keeps messages in queue order. Never held while waiting.
   */
  private final ReentrantLock writeLock = new ReentrantLock();
  /** The healthy stream the writer is pumping, or null; changed only under {@link #writeLock}. */
  private volatile StreamCall pumping;
  private final ArrayDeque<Message> queue; // guarded
  private List<URI> urls; // guarded
  private int urlIndex; // guarded
  private boolean urlsChanged; // guarded
  private boolean peerSeenUp; // guarded: the peer dialled us while we waited out a backoff
  private boolean down; // guarded
  private boolean stopped; // guarded
  private ManagedChannel channel; // guarded

  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  final AtomicLong snapshotsSent = new AtomicLong();
  final AtomicLong snapshotsFailed = new AtomicLong();
  final AtomicBoolean snapshotInFlight = new AtomicBoolean();
  private volatile long activeSinceMillis;
  private volatile String lastError;

  // Confined to the thread calling Transport.send.
  long sendEpoch;
  int dropsThisSend;
  private long lastDropLogNanos;

  PeerSender(
      long id, List<URI> urls, TransportConfig config, RaftHandler handler, PeerTraffic traffic) {
    this.id = id;
    this.traffic = traffic;
    this.urls = List.copyOf(urls);
    this.config = config;
    this.handler = handler;
    this.headers = PeerHeaders.forPeer(config.clusterId(), config.memberId(), id);
    this.backoff =
        new Backoff(
            config.backoffInitialMillis(), config.backoffMaxMillis(), config.memberId() ^ id);
    this.queue = new ArrayDeque<>(Math.min(config.queueMessagesMax(), 1024));
    this.writer = new Thread(this::run, "etcdj-peer-" + PeerHeaders.hex(id));
    this.writer.setDaemon(true);
  }

  void start() {
    writer.start();
  }

  // ------------------------------------------------------------------ raft-loop side

  /**
   * Queues {@code m}; false (and counted as dropped) when full, down or stopped. Never blocks on
   * I/O.
   */
  boolean offer(Message m) {
    lock.lock();
    try {
      if (down || stopped || queue.size() >= config.queueMessagesMax()) {
        dropped.incrementAndGet();
        return false;
      }
      queue.addLast(m);
      return true;
    } finally {
      lock.unlock();
    }
  }

  void dropOversized(Message m, int sizeBytes) {
    dropped.incrementAndGet();
    LOG.error(
        "dropped {} to {}: {} bytes exceed the peer message limit of {} bytes",
        m.getType(),
        PeerHeaders.hex(id),
        sizeBytes,
        config.messageBytesMax());
  }

  /**
   * End of one {@code Transport.send}: write what was queued right here when the stream is healthy,
   * ready and not being written by the writer thread (saving a thread wake-up on every message,
   * twice on the path of each write); otherwise, or for what flow control held back, wake the
   * writer. Report drops once.
   */
  void endSend() {
    StreamCall c = pumping;
    if (c != null && writeLock.tryLock()) {
      try {
        if (pumping == c) {
          writeReady(c);
        }
      } finally {
        writeLock.unlock();
      }
    }
    if (hasQueued()) {
      signal();
    }
    if (dropsThisSend > 0) {
      long now = System.nanoTime();
      if (now - lastDropLogNanos > DROP_LOG_INTERVAL_NANOS) {
        lastDropLogNanos = now;
        LOG.warn(
            "dropped {} message(s) to {}: {} (total dropped {})",
            dropsThisSend,
            PeerHeaders.hex(id),
            activeSinceMillis == 0 ? "stream is down" : "sending buffer is full",
            dropped.get());
      }
      dropsThisSend = 0;
      handler.reportUnreachable(id);
    }
  }

  List<URI> urls() {
    lock.lock();
    try {
      return urls;
    } finally {
      lock.unlock();
    }
  }

  void updateUrls(List<URI> newUrls) {
    lock.lock();
    try {
      urls = List.copyOf(newUrls);
      urlIndex = 0;
      urlsChanged = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Ends the writer and drops the queue; in-flight calls on the channel are cancelled. */
  void stop() {
    ManagedChannel old;
    lock.lock();
    try {
      stopped = true;
      dropped.addAndGet(queue.size());
      queue.clear();
      old = channel;
      channel = null;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    if (old != null) {
      old.shutdownNow();
    }
  }

  boolean awaitStopped(long millis) throws InterruptedException {
    if (writer.getState() == Thread.State.NEW) {
      return true;
    }
    writer.join(millis);
    return !writer.isAlive();
  }

  long activeSinceMillis() {
    return activeSinceMillis;
  }

  PeerStats stats() {
    int queued;
    lock.lock();
    try {
      queued = queue.size();
    } finally {
      lock.unlock();
    }
    return new PeerStats(
        sent.get(),
        dropped.get(),
        batches.get(),
        bytes.get(),
        queued,
        snapshotsSent.get(),
        snapshotsFailed.get(),
        activeSinceMillis,
        lastError);
  }

  /**
   * The peer just opened a stream to us, so it is up: a dial waiting out its backoff goes now. A
   * restarted member dials its peers at once; without this, their streams back to it waited for
   * their next redial (up to the backoff ceiling), and so did its first heartbeat from the leader.
   * etcd gets the same effect from its streams being dialled by the receiving side.
   */
  void peerDialledUs() {
    lock.lock();
    try {
      peerSeenUp = true;
      backoff.reset();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The channel to the peer's current URL (created on demand), or null once stopped. */
  ManagedChannel channel() {
    lock.lock();
    try {
      return stopped ? null : channelLocked();
    } finally {
      lock.unlock();
    }
  }

  ClientInterceptor headers() {
    return headers;
  }

  // ------------------------------------------------------------------ writer thread

  private void run() {
    try {
      while (true) {
        StreamCall c = dial();
        if (c == null) {
          return;
        }
        boolean accepted = awaitAccepted(c);
        if (accepted) {
          backoff.reset();
          activeSinceMillis = System.currentTimeMillis();
          lastError = null;
          LOG.info("peer stream to {} is active", PeerHeaders.hex(id));
          pump(c);
          activeSinceMillis = 0;
        }
        c.cancel();
        int droppedNow = goDown();
        boolean urlChange;
        lock.lock();
        try {
          if (stopped) {
            return;
          }
          urlChange = urlsChanged;
          urlsChanged = false;
        } finally {
          lock.unlock();
        }
        if (!urlChange) {
          noteFailure(c, accepted);
        }
        resetChannel(!accepted && !urlChange);
        if (accepted || droppedNow > 0) {
          handler.reportUnreachable(id);
        }
        if (!urlChange) {
          waitBackoff(backoff.nextDelayMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      LOG.error("peer writer for {} failed", PeerHeaders.hex(id), e);
      throw e;
    } finally {
      activeSinceMillis = 0;
      stop();
    }
  }

  /** Starts a call, or returns null when stopped. Messages queue from here on. */
  private StreamCall dial() {
    ManagedChannel ch;
    lock.lock();
    try {
      if (stopped) {
        return null;
      }
      down = false;
      peerSeenUp = false;
      ch = channelLocked();
    } finally {
      lock.unlock();
    }
    StreamCall c = new StreamCall();
    try {
      PeerGrpc.newStub(ch).withInterceptors(headers).stream(c);
    } catch (RuntimeException e) {
      // A channel shut down by stop() between the lock and here.
      c.onError(e);
    }
    return c;
  }

  private boolean awaitAccepted(StreamCall c) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.dialTimeoutMillis());
    lock.lock();
    try {
      while (true) {
        if (stopped || urlsChanged || c.failure != null) {
          return false;
        }
        if (c.accepted) {
          return true;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          c.failure =
              Status.DEADLINE_EXCEEDED.withDescription(
                  "no answer within " + config.dialTimeoutMillis() + " ms");
          return false;
        }
        changed.awaitNanos(Math.min(left, WAIT_SLICE_NANOS));
      }
    } finally {
      lock.unlock();
    }
  }

  private boolean hasQueued() {
    lock.lock();
    try {
      return !queue.isEmpty();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Writes batches while the stream is healthy; returns when it broke, or on stop/URL change. The
   * raft loop may write on the same stream meanwhile (see {@link #endSend}).
   */
  private void pump(StreamCall c) throws InterruptedException {
    writeLock.lock();
    pumping = c;
    writeLock.unlock();
    try {
      while (true) {
        lock.lock();
        try {
          while (true) {
            if (stopped || urlsChanged || c.failure != null) {
              return;
            }
            if (!queue.isEmpty() && c.requests.isReady()) {
              break;
            }
            changed.awaitNanos(WAIT_SLICE_NANOS);
          }
        } finally {
          lock.unlock();
        }
        writeLock.lock();
        try {
          writeReady(c);
        } finally {
          writeLock.unlock();
        }
      }
    } finally {
      writeLock.lock();
      pumping = null;
      writeLock.unlock();
    }
  }

  /**
   * Takes batches off the queue and writes them while the stream is healthy and ready. Caller
   * holds {@link #writeLock}. A failed write marks the stream failed (the writer then redials).
   */
  private void writeReady(StreamCall c) {
    MessageBatch.Builder batch = MessageBatch.newBuilder();
    while (true) {
      int n = 0;
      long size = 0;
      lock.lock();
      try {
        if (stopped || urlsChanged || c.failure != null || queue.isEmpty() || !c.requests.isReady()) {
          return;
        }
        while (n < config.batchMessagesMax()) {
          Message m = queue.peekFirst();
          if (m == null) {
            break;
          }
          int s = m.getSerializedSize(); // memoized: computed once in GrpcTransport.send
          if (n > 0 && size + s > config.batchBytesMax()) {
            break;
          }
          queue.pollFirst();
          batch.addMessages(m);
          size += s;
          n++;
        }
      } finally {
        lock.unlock();
      }
      assert n > 0;
      try {
        c.requests.onNext(batch.build());
      } catch (RuntimeException e) {
        dropped.addAndGet(n);
        c.onError(e);
        return;
      } finally {
        batch.clear();
      }
      sent.addAndGet(n);
      batches.incrementAndGet();
      bytes.addAndGet(size);
      traffic.sent(id, size);
    }
  }

  /** Marks the peer down and drops the queue; returns how many messages were dropped. */
  private int goDown() {
    lock.lock();
    try {
      down = true;
      int n = queue.size();
      queue.clear();
      dropped.addAndGet(n);
      return n;
    } finally {
      lock.unlock();
    }
  }

  private void noteFailure(StreamCall c, boolean wasActive) {
    Status s;
    lock.lock();
    try {
      s = c.failure != null ? c.failure : Status.UNKNOWN.withDescription("stream ended");
    } finally {
      lock.unlock();
    }
    String error = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    String previous = lastError;
    lastError = error;
    if (PeerHeaders.isRemoved(s)) {
      if (!error.equals(previous)) {
        LOG.error("peer {} says this member was removed: {}", PeerHeaders.hex(id), error);
      }
      handler.reportSelfRemoved();
    } else if (s.getCode() == Status.Code.FAILED_PRECONDITION || s.getCode() == Status.Code.NOT_FOUND) {
      if (!error.equals(previous)) {
        LOG.error("peer {} rejected the stream: {}", PeerHeaders.hex(id), error);
      }
    } else if (wasActive) {
      LOG.warn("peer stream to {} broke: {}", PeerHeaders.hex(id), error);
    } else if (!error.equals(previous)) {
      LOG.debug("cannot reach peer {}: {}", PeerHeaders.hex(id), error);
    }
  }

  /**
   * Drops the channel so the next dial makes a fresh connection: a gRPC channel in transient
   * failure would otherwise wait out its own (up to 2 min) reconnect backoff instead of ours.
   */
  private void resetChannel(boolean rotateUrl) {
    ManagedChannel old;
    lock.lock();
    try {
      old = channel;
      channel = null;
      if (rotateUrl) {
        urlIndex = (urlIndex + 1) % urls.size();
      }
    } finally {
      lock.unlock();
    }
    if (old != null) {
      old.shutdown(); // graceful: a snapshot in flight on it may still finish
    }
  }

  private void waitBackoff(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    lock.lock();
    try {
      while (!stopped && !urlsChanged && !peerSeenUp) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        changed.awaitNanos(left);
      }
    } finally {
      lock.unlock();
    }
  }

  private ManagedChannel channelLocked() {
    assert lock.isHeldByCurrentThread();
    if (channel == null) {
      URI u = urls.get(urlIndex);
      channel =
          PeerChannels.builder(u)
              .directExecutor()
              .withOption(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.dialTimeoutMillis())
              .keepAliveTime(10, TimeUnit.SECONDS)
              .keepAliveTimeout(5, TimeUnit.SECONDS)
              .maxInboundMessageSize(ACK_BYTES_MAX)
              .disableRetry()
              .build();
    }
    return channel;
  }

  private void signal() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** One dial: the call and what its callbacks reported. */
  private final class StreamCall implements ClientResponseObserver<MessageBatch, StreamAck> {
    /** Set in beforeStart, on the writer thread, before the stub returns. */
    ClientCallStreamObserver<MessageBatch> requests;

    /** When the dial started: the handshake's round trip ends at the peer's StreamAck. */
    final long dialNanos = System.nanoTime();

    boolean accepted; // guarded
    Status failure; // guarded

    @Override
    public void beforeStart(ClientCallStreamObserver<MessageBatch> r) {
      requests = r;
      r.setOnReadyHandler(PeerSender.this::signal);
    }

    @Override
    public void onNext(StreamAck ack) {
      lock.lock();
      try {
        if (ack.getClusterId() != config.clusterId() || ack.getMemberId() != id) {
          failure =
              Status.FAILED_PRECONDITION.withDescription(
                  "peer answered as member "
                      + PeerHeaders.hex(ack.getMemberId())
                      + " of cluster "
                      + PeerHeaders.hex(ack.getClusterId()));
        } else {
          accepted = true;
          traffic.roundTrip(id, System.nanoTime() - dialNanos);
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    @Override
    public void onError(Throwable t) {
      fail(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      fail(Status.UNAVAILABLE.withDescription("peer ended the stream"));
    }

    private void fail(Status s) {
      lock.lock();
      try {
        if (failure == null) {
          failure = s;
        }
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** Writer thread only. */
    void cancel() {
      if (requests != null) {
        requests.cancel("etcdj peer writer closed the stream", null);
      }
    }
  }
}
