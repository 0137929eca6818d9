package io.etcdj.server.snapshot;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a finished snapshot file as etcd's Snapshot does: pieces of {@value #PIECE_BYTES} bytes,
 * each with the bytes still to come after it ({@code remaining_bytes}), then one last message of
 * the 32-byte sha256 of everything sent with {@code remaining_bytes} 0. No header, as 3.4.23.
 *
 * <p>Flow control: a step runs on the executor when gRPC says the client can take more ({@code
 * isReady}, woken by the on-ready handler) and sends until it cannot; so at most one piece is read
 * ahead of what the transport accepted, and no Netty thread touches the file. A cancelled call
 * stops the steps and closes the file (which was already unlinked, so nothing is left behind).
 */
public final class SnapshotStream {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotStream.class);
  /** etcd's snapshotSendBufferSize. */
  static final int PIECE_BYTES = 32 * 1024;

  private final ServerCallStreamObserver<SnapshotResponse> out;
  private final Executor executor;
  private final Runnable onEnd;
  private final Object lock = new Object();
  private FileChannel file; // guarded by lock; null until ready and after the end
  private long total;
  private long sent;
  private MessageDigest sha;
  private boolean scheduled;
  private boolean finished;
  private boolean ended;
  private long startNanos;

  /**
   * Takes over {@code out}'s ready and cancel handlers; call from the gRPC method itself.
   *
   * @param onEnd run once when the call ends, however it ends (completed, failed, cancelled)
   */
  public SnapshotStream(ServerCallStreamObserver<SnapshotResponse> out, Executor executor, Runnable onEnd) {
    this.out = out;
    this.executor = executor;
    this.onEnd = onEnd;
    out.setOnReadyHandler(this::schedule);
    out.setOnCancelHandler(this::cancelled);
  }

  /** Starts sending {@code ch}'s {@code totalBytes}; the stream closes the channel. */
  public void start(FileChannel ch, long totalBytes) {
    synchronized (lock) {
      if (finished) {
        closeQuietly(ch); // cancelled while the file was being written
        endOnce();
        return;
      }
      file = ch;
      total = totalBytes;
      sha = sha256();
      startNanos = System.nanoTime();
    }
    LOG.info("sending database snapshot to client: total-bytes {}", totalBytes);
    schedule();
  }

  /** Ends the call with {@code status} (the file could not be made); no-op once cancelled. */
  public void fail(Status status) {
    synchronized (lock) {
      if (finished) {
        endOnce(); // cancelled while the file was being written
        return;
      }
      finished = true;
      endOnce();
    }
    out.onError(status.asRuntimeException());
  }

  private void schedule() {
    synchronized (lock) {
      if (scheduled || finished || file == null) {
        return;
      }
      scheduled = true;
    }
    try {
      executor.execute(this::step);
    } catch (RejectedExecutionException e) {
      // The pool is shutting down with the server: end the call instead of leaving it open.
      end(Status.UNAVAILABLE.withDescription("etcdserver: server stopped"));
    }
  }

  private void step() {
    synchronized (lock) {
      scheduled = false;
      try {
        while (!finished && out.isReady()) {
          if (sent < total) {
            sendPiece();
          } else {
            byte[] digest = sha.digest();
            out.onNext(SnapshotResponse.newBuilder().setRemainingBytes(0).setBlob(ByteString.copyFrom(digest)).build());
            finished = true;
            closeQuietly(file);
            file = null;
            endOnce();
            out.onCompleted();
            LOG.info("successfully sent database snapshot to client: total-bytes {}, took {} ms", total, (System.nanoTime() - startNanos) / 1_000_000);
            return;
          }
        }
      } catch (IOException e) {
        LOG.warn("reading the snapshot file failed", e);
        finished = true;
        closeQuietly(file);
        file = null;
        endOnce();
        out.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
        return;
      }
    }
    // isReady may have turned true after the loop saw false and before the handler could see
    // scheduled == false: look once more so that wake-up is not lost.
    if (out.isReady()) {
      schedule();
    }
  }

  private void sendPiece() throws IOException {
    int n = (int) Math.min(PIECE_BYTES, total - sent);
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining()) {
      if (file.read(buf, sent + buf.position()) < 0) {
        throw new IOException("snapshot file ended after " + (sent + buf.position()) + " of " + total + " bytes");
      }
    }
    byte[] piece = buf.array();
    sha.update(piece);
    sent += n;
    out.onNext(SnapshotResponse.newBuilder().setRemainingBytes(total - sent).setBlob(ByteString.copyFrom(piece)).build());
  }

  private void end(Status status) {
    synchronized (lock) {
      if (finished) {
        return;
      }
      finished = true;
      closeQuietly(file);
      file = null;
      endOnce();
    }
    out.onError(status.asRuntimeException());
  }

  private void cancelled() {
    synchronized (lock) {
      boolean building = !finished && file == null;
      finished = true;
      closeQuietly(file);
      file = null;
      if (!building) {
        // While the file is being written, start() or fail() ends it once the writer is done.
        endOnce();
      }
    }
  }

  /** Runs onEnd the first time; guarded by lock. */
  private void endOnce() {
    if (!ended) {
      ended = true;
      onEnd.run();
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    if (ch == null) {
      return;
    }
    try {
      ch.close();
    } catch (IOException e) {
      // Read-only and already unlinked: nothing is lost.
    }
  }
}
