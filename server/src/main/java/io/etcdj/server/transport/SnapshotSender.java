package io.etcdj.server.transport;

import com.google.protobuf.ByteString;
import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.PeerGrpc;
import io.etcdj.api.internal.SnapshotAck;
import io.etcdj.api.internal.SnapshotChunk;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams snapshots to peers in chunks (etcd's {@code snapshot_sender.go}), one {@code
 * Peer.SendSnapshot} call per snapshot, at most one in flight per peer and {@link
 * TransportConfig#snapshotSendersMax()} in all, each on a thread of a small pool because reading
 * the data blocks.
 *
 * <p>Flow control: a chunk is written only while the call {@code isReady()}, so a slow receiver
 * holds back the reader instead of buffering the snapshot in memory; no progress for {@link
 * TransportConfig#snapshotStallTimeoutMillis()} fails the snapshot.
 *
 * <p>Outcome: {@link RaftHandler#reportSnapshot} exactly once per snapshot, plus {@link
 * RaftHandler#reportUnreachable} on failure, then the caller's future.
 */
final class SnapshotSender {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotSender.class);
  private static final int QUEUED_MAX = 64;

  private final TransportConfig config;
  private final RaftHandler handler;
  private final ThreadPoolExecutor pool;

  SnapshotSender(TransportConfig config, RaftHandler handler) {
    this.config = config;
    this.handler = handler;
    AtomicInteger n = new AtomicInteger();
    this.pool =
        new ThreadPoolExecutor(
            config.snapshotSendersMax(),
            config.snapshotSendersMax(),
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUED_MAX),
            r -> {
              Thread t = new Thread(r, "etcdj-snapshot-sender-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    this.pool.allowCoreThreadTimeOut(true);
  }

  /**
   * Caller's thread: hands the work to the pool; never blocks. A snapshot that cannot start
   * (unknown peer, one already in flight, pool full or stopped) is reported on the caller's thread
   * before this returns, as etcd reports a full pipeline inline; queueing that report behind a long
   * transfer would leave raft waiting for it. {@code peer} null: unknown.
   */
  CompletableFuture<Boolean> send(PeerSender peer, Message msgSnap, SnapshotSource data) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    long to = msgSnap.getTo();
    if (peer == null) {
      LOG.warn("snapshot to unknown peer {} dropped", PeerHeaders.hex(to));
      finish(to, null, false, done);
      return done;
    }
    if (!peer.snapshotInFlight.compareAndSet(false, true)) {
      LOG.warn("snapshot to {} dropped: another one is in flight", PeerHeaders.hex(to));
      finish(to, peer, false, done);
      return done;
    }
    Task task = new Task(peer, msgSnap, data, done);
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      // The pool is shut down or QUEUED_MAX snapshots wait: fail on the caller's thread.
      task.fail();
    }
    return done;
  }

  /** One queued snapshot; {@link #fail} ends it when it never got to run. */
  private final class Task extends Job {
    private final PeerSender peer;
    private final Message msgSnap;
    private final SnapshotSource data;
    private final CompletableFuture<Boolean> done;

    Task(PeerSender peer, Message msgSnap, SnapshotSource data, CompletableFuture<Boolean> done) {
      this.peer = peer;
      this.msgSnap = msgSnap;
      this.data = data;
      this.done = done;
    }

    @Override
    public void run() {
      boolean ok = false;
      try {
        ok = transfer(peer, msgSnap, data);
      } finally {
        peer.snapshotInFlight.set(false);
        finish(peer.id, peer, ok, done);
      }
    }

    @Override
    void fail() {
      peer.snapshotInFlight.set(false);
      finish(peer.id, peer, false, done);
    }
  }

  /** Work on the pool that must still report when it never runs. */
  private abstract static class Job implements Runnable {
    abstract void fail();
  }

  private void finish(long to, PeerSender peer, boolean ok, CompletableFuture<Boolean> done) {
    if (peer != null) {
      (ok ? peer.snapshotsSent : peer.snapshotsFailed).incrementAndGet();
    }
    try {
      if (!ok) {
        handler.reportUnreachable(to);
      }
      handler.reportSnapshot(to, ok);
    } finally {
      done.complete(ok);
    }
  }

  private boolean transfer(PeerSender peer, Message msgSnap, SnapshotSource data) {
    String to = PeerHeaders.hex(peer.id);
    ManagedChannel ch = peer.channel();
    if (ch == null) {
      return false;
    }
    Message head =
        msgSnap.toBuilder().setSnapshot(msgSnap.getSnapshot().toBuilder().clearData()).build();
    long total = data.sizeBytes();
    Call call = new Call();
    long offset = 0;
    try (InputStream in = data.open()) {
      PeerGrpc.newStub(ch).withInterceptors(peer.headers()).sendSnapshot(call);
      byte[] buf = new byte[config.snapshotChunkBytes()];
      boolean first = true;
      while (true) {
        int n = in.readNBytes(buf, 0, buf.length);
        if (n == 0 && !first) {
          break;
        }
        if (offset + n > config.snapshotBytesMax()) {
          throw new IOException("snapshot larger than " + config.snapshotBytesMax() + " bytes");
        }
        call.awaitReady(config.snapshotStallTimeoutMillis());
        SnapshotChunk.Builder chunk =
            SnapshotChunk.newBuilder().setOffset(offset).setData(ByteString.copyFrom(buf, 0, n));
        if (first) {
          chunk.setMessage(head);
          if (total >= 0) {
            chunk.setTotalBytes(total);
          }
        }
        call.requests.onNext(chunk.build());
        offset += n;
        first = false;
        if (n < buf.length) {
          break; // readNBytes fills the buffer unless the data ended
        }
      }
      if (total >= 0 && offset != total) {
        throw new IOException("snapshot source gave " + offset + " bytes, announced " + total);
      }
      call.requests.onCompleted();
      SnapshotAck ack = call.awaitAck(config.snapshotAckTimeoutMillis());
      if (ack.getReceivedBytes() != offset) {
        throw new IOException(
            "peer acknowledged " + ack.getReceivedBytes() + " of " + offset + " bytes");
      }
      LOG.info(
          "sent snapshot at index {} ({} bytes) to {}",
          msgSnap.getSnapshot().getMetadata().getIndex(),
          offset,
          to);
      return true;
    } catch (IOException | StatusException e) {
      call.cancel(e);
      LOG.warn("snapshot to {} failed after {} bytes: {}", to, offset, e.getMessage());
      return false;
    } catch (InterruptedException e) {
      call.cancel(e);
      Thread.currentThread().interrupt();
      return false;
    } catch (RuntimeException e) {
      call.cancel(e);
      LOG.warn("snapshot to {} failed after {} bytes", to, offset, e);
      return false;
    }
  }

  /** Interrupts running snapshots (they fail) and fails the queued ones: each is reported once. */
  void stop() {
    for (Runnable r : pool.shutdownNow()) {
      if (r instanceof Job t) {
        t.fail();
      }
    }
    try {
      if (!pool.awaitTermination(5, TimeUnit.SECONDS)) {
        LOG.warn("snapshot senders did not stop within 5 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One snapshot call; callbacks run on Netty threads, waits on the sender thread. */
  private static final class Call implements ClientResponseObserver<SnapshotChunk, SnapshotAck> {
    volatile ClientCallStreamObserver<SnapshotChunk> requests;
    private SnapshotAck ack; // guarded by this
    private Status failure; // guarded by this
    private boolean completed; // guarded by this

    @Override
    public void beforeStart(ClientCallStreamObserver<SnapshotChunk> r) {
      requests = r;
      r.setOnReadyHandler(this::wake);
    }

    private synchronized void wake() {
      notifyAll();
    }

    @Override
    public synchronized void onNext(SnapshotAck a) {
      ack = a;
      notifyAll();
    }

    @Override
    public synchronized void onError(Throwable t) {
      failure = Status.fromThrowable(t);
      notifyAll();
    }

    @Override
    public synchronized void onCompleted() {
      completed = true;
      notifyAll();
    }

    synchronized void awaitReady(long timeoutMillis) throws StatusException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (failure == null && !requests.isReady()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw Status.DEADLINE_EXCEEDED
              .withDescription("peer accepted no snapshot data for " + timeoutMillis + " ms")
              .asException();
        }
        // Bounded slices: onReady may fire between isReady() and wait().
        TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
      if (failure != null) {
        throw failure.asException();
      }
    }

    synchronized SnapshotAck awaitAck(long timeoutMillis)
        throws StatusException, InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
      while (failure == null && !(completed && ack != null)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw Status.DEADLINE_EXCEEDED
              .withDescription("no snapshot ack within " + timeoutMillis + " ms")
              .asException();
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      if (failure != null) {
        throw failure.asException();
      }
      return ack;
    }

    void cancel(Throwable cause) {
      ClientCallStreamObserver<SnapshotChunk> r = requests;
      if (r != null) {
        r.cancel("snapshot send failed", cause);
      }
    }
  }
}
