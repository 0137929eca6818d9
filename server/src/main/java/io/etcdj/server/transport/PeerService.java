package io.etcdj.server.transport;

import io.etcdj.api.internal.Message;
import io.etcdj.api.internal.MessageBatch;
import io.etcdj.api.internal.MessageType;
import io.etcdj.api.internal.PeerGrpc;
import io.etcdj.api.internal.SnapshotAck;
import io.etcdj.api.internal.SnapshotChunk;
import io.etcdj.api.internal.StreamAck;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The receiving side (etcd's {@code streamHandler} and {@code snapshotHandler} in
 * rafthttp/http.go): every message of an accepted stream goes to {@link RaftHandler#process};
 * snapshot chunks go to a temp file in {@link TransportConfig#snapshotDir()} that is handed over
 * whole.
 *
 * <p>Threads: gRPC serializes the callbacks of one call on the server's executor, so the messages
 * of one stream reach the handler in order; streams from different peers run concurrently. The next
 * message of a call is requested only after the handler returned, so a slow handler slows the
 * sender through gRPC flow control rather than buffering here. Snapshot file writes block the
 * executor thread of that call only.
 */
final class PeerService extends PeerGrpc.PeerImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(PeerService.class);

  private final TransportConfig config;
  private final RaftHandler handler;
  private final java.util.function.LongPredicate removedPeer;
  private final PeerTraffic traffic;
  private final java.util.function.LongConsumer peerDialledUs;
  final AtomicLong messagesReceived = new AtomicLong();
  final AtomicLong batchesReceived = new AtomicLong();
  final AtomicLong messagesRejected = new AtomicLong();
  final AtomicLong snapshotsReceived = new AtomicLong();

  PeerService(
      TransportConfig config,
      RaftHandler handler,
      java.util.function.LongPredicate removedPeer,
      PeerTraffic traffic,
      java.util.function.LongConsumer peerDialledUs) {
    this.traffic = traffic;
    this.peerDialledUs = peerDialledUs;
    this.config = config;
    this.handler = handler;
    this.removedPeer = removedPeer;
  }

  @Override
  public StreamObserver<MessageBatch> stream(StreamObserver<StreamAck> responses) {
    long from = PeerHeaders.SENDER.get();
    responses.onNext(
        StreamAck.newBuilder()
            .setClusterId(config.clusterId())
            .setMemberId(config.memberId())
            .build());
    LOG.debug("accepted peer stream from {}", PeerHeaders.hex(from));
    peerDialledUs.accept(from);
    return new StreamObserver<>() {
      private boolean closed;

      @Override
      public void onNext(MessageBatch batch) {
        if (closed) {
          return;
        }
        if (removedPeer.test(from)) {
          // Removed while its stream was open: drop what it sends (etcd refuses messages from
          // removed members) and end the stream with the reason, so that it stops.
          closed = true;
          messagesRejected.addAndGet(batch.getMessagesCount());
          responses.onError(PeerHeaders.removed(from).asRuntimeException());
          return;
        }
        batchesReceived.incrementAndGet();
        long receivedBytes = 0;
        for (int i = 0; i < batch.getMessagesCount(); i++) {
          Message m = batch.getMessages(i);
          if (m.getTo() != config.memberId() || (m.getFrom() != from && !relayed(m))) {
            // The headers were checked; a message contradicting them is a sender bug.
            messagesRejected.incrementAndGet();
            LOG.error(
                "dropped {} from stream of {}: from {} to {}",
                m.getType(),
                PeerHeaders.hex(from),
                PeerHeaders.hex(m.getFrom()),
                PeerHeaders.hex(m.getTo()));
            continue;
          }
          messagesReceived.incrementAndGet();
          receivedBytes += m.getSerializedSize(); // memoized by the parser's size check
          handler.process(m);
        }
        if (receivedBytes > 0) {
          traffic.received(from, receivedBytes);
        }
      }

      /**
       * A request raft relays for another member keeps that member as its sender (etcd's raft
       * stamps From only when unset): a proposal or read index that a follower sent to a leader
       * which has since stepped down goes on to the new leader from the old one, and a transfer
       * request goes to the leader from whichever member got it. Dropping these here lost every
       * proposal relayed that way, and its client waited out the request timeout.
       */
      private boolean relayed(Message m) {
        return switch (m.getType()) {
          case MSG_PROP, MSG_READ_INDEX, MSG_TRANSFER_LEADER ->
              m.getFrom() != 0 && !removedPeer.test(m.getFrom());
          default -> false;
        };
      }

      @Override
      public void onError(Throwable t) {
        LOG.debug("peer stream from {} ended: {}", PeerHeaders.hex(from), Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        responses.onCompleted();
      }
    };
  }

  @Override
  public StreamObserver<SnapshotChunk> sendSnapshot(StreamObserver<SnapshotAck> responses) {
    return new SnapshotReceiver(PeerHeaders.SENDER.get(), responses);
  }

  /** One incoming snapshot: chunks to a temp file, then hand-over. One call's thread at a time. */
  private final class SnapshotReceiver implements StreamObserver<SnapshotChunk> {
    private final long from;
    private final StreamObserver<SnapshotAck> responses;
    private Message msgSnap;
    private long totalBytes = -1;
    private long written;
    private Path file;
    private FileChannel out;
    private boolean failed;

    SnapshotReceiver(long from, StreamObserver<SnapshotAck> responses) {
      this.from = from;
      this.responses = responses;
    }

    @Override
    public void onNext(SnapshotChunk chunk) {
      if (failed) {
        return;
      }
      try {
        if (msgSnap == null) {
          begin(chunk);
        }
        if (chunk.getOffset() != written) {
          throw new SnapshotException(
              "chunk at offset " + chunk.getOffset() + ", expected " + written);
        }
        long limit = totalBytes >= 0 ? totalBytes : config.snapshotBytesMax();
        if (written + chunk.getData().size() > limit) {
          throw new SnapshotException("snapshot data exceeds " + limit + " bytes");
        }
        for (ByteBuffer b : chunk.getData().asReadOnlyByteBufferList()) {
          while (b.hasRemaining()) {
            written += out.write(b);
          }
        }
      } catch (SnapshotException e) {
        abort(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), e);
      } catch (IOException e) {
        abort(Status.INTERNAL.withDescription("cannot write snapshot: " + e.getMessage()), e);
      }
    }

    private void begin(SnapshotChunk chunk) throws IOException, SnapshotException {
      Message m = chunk.getMessage();
      if (!chunk.hasMessage() || m.getType() != MessageType.MSG_SNAP) {
        throw new SnapshotException("the first chunk must carry the MsgSnap");
      }
      if (m.getTo() != config.memberId() || m.getFrom() != from) {
        throw new SnapshotException(
            "MsgSnap from " + PeerHeaders.hex(m.getFrom()) + " to " + PeerHeaders.hex(m.getTo()));
      }
      if (chunk.hasTotalBytes()) {
        if (chunk.getTotalBytes() > config.snapshotBytesMax() || chunk.getTotalBytes() < 0) {
          throw new SnapshotException(
              "snapshot of "
                  + chunk.getTotalBytes()
                  + " bytes exceeds "
                  + config.snapshotBytesMax());
        }
        totalBytes = chunk.getTotalBytes();
      }
      msgSnap = m;
      Files.createDirectories(config.snapshotDir());
      long index = m.getSnapshot().getMetadata().getIndex();
      file =
          Files.createTempFile(
              config.snapshotDir(), String.format("recv-%016x-", index), ".snap.tmp");
      out = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      LOG.info("receiving snapshot at index {} from {}", index, PeerHeaders.hex(from));
    }

    @Override
    public void onError(Throwable t) {
      if (!failed) {
        failed = true;
        LOG.warn(
            "snapshot from {} aborted after {} bytes: {}",
            PeerHeaders.hex(from),
            written,
            Status.fromThrowable(t));
        discard();
      }
    }

    @Override
    public void onCompleted() {
      if (failed) {
        return;
      }
      try {
        if (msgSnap == null) {
          throw new SnapshotException("empty snapshot call");
        }
        if (totalBytes >= 0 && written != totalBytes) {
          throw new SnapshotException(
              "snapshot ended at " + written + " of " + totalBytes + " bytes");
        }
        out.force(true);
        out.close();
        out = null;
      } catch (SnapshotException e) {
        abort(Status.INVALID_ARGUMENT.withDescription(e.getMessage()), e);
        return;
      } catch (IOException e) {
        abort(Status.INTERNAL.withDescription("cannot sync snapshot: " + e.getMessage()), e);
        return;
      }
      snapshotsReceived.incrementAndGet();
      LOG.info(
          "received snapshot at index {} ({} bytes) from {}",
          msgSnap.getSnapshot().getMetadata().getIndex(),
          written,
          PeerHeaders.hex(from));
      // The handler owns the file from here; ack after it accepted it.
      try {
        handler.receiveSnapshot(msgSnap, file);
      } catch (RuntimeException e) {
        abort(Status.INTERNAL.withDescription("receiver did not take the snapshot: " + e), e);
        return;
      }
      responses.onNext(SnapshotAck.newBuilder().setReceivedBytes(written).build());
      responses.onCompleted();
    }

    private void abort(Status status, Exception cause) {
      failed = true;
      LOG.warn("rejected snapshot from {}: {}", PeerHeaders.hex(from), status.getDescription());
      discard();
      responses.onError(status.withCause(cause).asRuntimeException());
    }

    private void discard() {
      try {
        if (out != null) {
          out.close();
          out = null;
        }
        if (file != null) {
          Files.deleteIfExists(file);
        }
      } catch (IOException e) {
        LOG.warn("cannot delete partial snapshot {}: {}", file, e.getMessage());
      }
    }
  }

  /** A malformed snapshot call (the sender's fault). */
  private static final class SnapshotException extends Exception {
    SnapshotException(String message) {
      super(message);
    }
  }
}
