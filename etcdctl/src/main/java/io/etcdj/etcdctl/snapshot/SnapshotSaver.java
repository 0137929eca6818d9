package io.etcdj.etcdctl.snapshot;

import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.SnapshotRequest;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.etcdctl.client.GoErrors;
import io.etcdj.etcdctl.print.Humanize;
import io.etcdj.etcdctl.print.Zap;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Status;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.UnaryOperator;

/**
 * etcd's snapshot Save (v3_snapshot.go) over clientv3's Maintenance.Snapshot reader
 * (maintenance.go): the stream's blobs go into {@code <path>.part} (mode 0600, removed whatever
 * happens), which is fsynced and renamed to {@code path} once the stream ends with a size that
 * carries the trailing sha256; each step logs the zap line etcdctl logs.
 *
 * <p>The gRPC listener only queues events; the command's thread writes the file and asks for the
 * next message after each blob, so at most one blob is in flight and the queue stays bounded.
 */
public final class SnapshotSaver {
  /** A snapshot ends with its sha256; bbolt files are whole 512-byte sectors (hasChecksum). */
  static final int SHA256_BYTES = 32;
  static final int SECTOR_BYTES = 512;

  private static final String CALLER_SAVE = "snapshot/v3_snapshot.go:";
  private static final String CALLER_STREAM = "clientv3/maintenance.go:";

  /** Why Save failed: the error text etcdctl prints. */
  public static final class SaveException extends Exception {
    private static final long serialVersionUID = 1L;

    SaveException(String text) {
      super(text, null, false, false);
    }
  }

  private sealed interface Event permits Ready, Blob, Closed, Interrupted {}

  private record Ready() implements Event {}

  private record Blob(byte[] bytes) implements Event {}

  private record Closed(Status status) implements Event {}

  private record Interrupted() implements Event {}

  /**
   * The stack clientv3's retry interceptor logs when the snapshot stream cannot be created: stock
   * etcdctl 3.4.23's own, printed as it prints it so the line is the same.
   */
  private static final String STREAM_FAILED_STACK =
      "go.etcd.io/etcd/clientv3.(*Client).streamClientInterceptor.func1\n\tgo.etcd.io/etcd/clientv3/retry_interceptor.go:129\n"
          + "google.golang.org/grpc.(*ClientConn).NewStream\n\tgoogle.golang.org/grpc/stream.go:148\n"
          + "google.golang.org/grpc.NewClientStream\n\tgoogle.golang.org/grpc/stream.go:155\n"
          + "go.etcd.io/etcd/etcdserver/etcdserverpb.(*maintenanceClient).Snapshot\n\tgo.etcd.io/etcd/etcdserver/etcdserverpb/rpc.pb.go:4296\n"
          + "go.etcd.io/etcd/clientv3.(*retryMaintenanceClient).Snapshot\n\tgo.etcd.io/etcd/clientv3/retry.go:214\n"
          + "go.etcd.io/etcd/clientv3.(*maintenance).Snapshot\n\tgo.etcd.io/etcd/clientv3/maintenance.go:195\n"
          + "go.etcd.io/etcd/clientv3/snapshot.(*v3Manager).Save\n\tgo.etcd.io/etcd/clientv3/snapshot/v3_snapshot.go:123\n"
          + "go.etcd.io/etcd/etcdctl/ctlv3/command.snapshotSaveCommandFunc\n\tgo.etcd.io/etcd/etcdctl/ctlv3/command/snapshot_command.go:113\n"
          + "github.com/spf13/cobra.(*Command).execute\n\tgithub.com/spf13/cobra/command.go:920\n"
          + "github.com/spf13/cobra.(*Command).ExecuteC\n\tgithub.com/spf13/cobra/command.go:1044\n"
          + "github.com/spf13/cobra.(*Command).Execute\n\tgithub.com/spf13/cobra/command.go:968\n"
          + "go.etcd.io/etcd/etcdctl/ctlv3.Start\n\tgo.etcd.io/etcd/etcdctl/ctlv3/ctl_nocov.go:26\n"
          + "main.main\n\tgo.etcd.io/etcd/etcdctl/main.go:35\n"
          + "runtime.main\n\truntime/proc.go:250";

  private final PrintStream err;
  private final UnaryOperator<Status> goStatus;

  /** @param goStatus turns grpc-java's connection errors into grpc-go's texts ({@code Client#goStatus}) */
  public SnapshotSaver(PrintStream err, UnaryOperator<Status> goStatus) {
    this.err = err;
    this.goStatus = goStatus;
  }

  /**
   * Saves the snapshot of {@code endpoint}, reached through {@code channel}, to {@code path}.
   *
   * @param deadline null for none (etcdctl sets one only when --command-timeout was given)
   * @param interrupt completes on Ctrl-C: the stream is cancelled and the part file removed
   */
  public void save(String endpoint, Channel channel, Deadline deadline, String path, CompletableFuture<Void> interrupt)
      throws SaveException, InterruptedException {
    String partPath = path + ".part";
    Path part = Path.of(partPath);
    try {
      FileChannel f;
      try {
        f = FileChannel.open(part, java.util.Set.of(StandardOpenOption.WRITE, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (IOException e) {
        throw new SaveException("could not open " + partPath + " (" + GoOsError.text("open", partPath, e) + ")");
      }
      try (f) {
        log(Zap.production("info", CALLER_SAVE + "119", "created temporary db file").string("path", partPath));
        long startNanos = System.nanoTime();
        long size = fetch(channel, deadline, endpoint, f, interrupt);
        if (size % SECTOR_BYTES != SHA256_BYTES) {
          throw new SaveException("sha256 checksum not found [bytes: " + size + "]");
        }
        try {
          f.force(true);
        } catch (IOException e) {
          throw new SaveException(GoOsError.text("sync", partPath, e));
        }
        log(Zap.production("info", CALLER_SAVE + "142", "fetched snapshot")
            .string("endpoint", endpoint)
            .string("size", Humanize.bytes(size))
            .seconds("took", System.nanoTime() - startNanos));
      } catch (IOException e) {
        throw new SaveException(GoOsError.text("close", partPath, e));
      }
      try {
        Files.move(part, Path.of(path), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new SaveException("could not rename " + partPath + " to " + path + " (rename " + partPath + " " + path + ": invalid cross-device link)");
      } catch (IOException e) {
        throw new SaveException("could not rename " + partPath + " to " + path + " (rename " + partPath + " " + path + ": " + GoOsError.errno(e) + ")");
      }
      log(Zap.production("info", CALLER_SAVE + "152", "saved").string("path", path));
    } finally {
      try {
        Files.deleteIfExists(part);
      } catch (IOException e) {
        // etcd's deferred os.RemoveAll ignores its error too.
      }
    }
  }

  /** Streams the snapshot into {@code f}; returns its size in bytes. */
  private long fetch(Channel channel, Deadline deadline, String endpoint, FileChannel f, CompletableFuture<Void> interrupt)
      throws SaveException, InterruptedException {
    BlockingQueue<Event> events = new LinkedBlockingQueue<>();
    CallOptions opts = CallOptions.DEFAULT.withWaitForReady();
    if (deadline != null) {
      opts = opts.withDeadline(deadline);
    }
    ClientCall<SnapshotRequest, SnapshotResponse> call = channel.newCall(MaintenanceGrpc.getSnapshotMethod(), opts);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onReady() {
            events.add(new Ready());
          }

          @Override
          public void onHeaders(Metadata headers) {
            events.add(new Ready());
          }

          @Override
          public void onMessage(SnapshotResponse m) {
            events.add(new Blob(m.getBlob().toByteArray()));
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            events.add(new Closed(status));
          }
        },
        new Metadata());
    call.sendMessage(SnapshotRequest.getDefaultInstance());
    call.halfClose();
    call.request(1);
    interrupt.thenRun(() -> events.add(new Interrupted()));
    boolean opened = false;
    long size = 0;
    while (true) {
      Event e = events.take();
      if (e instanceof Interrupted) {
        call.cancel("interrupted", null);
        throw new SaveException("context canceled");
      }
      if (!opened) {
        // grpc-go creates the stream once connected; only a wait for that which ran out fails
        // Snapshot() itself, before anything was logged.
        if (e instanceof Closed && !streamEverOpened(((Closed) e).status())) {
          Status s = ((Closed) e).status();
          err.println(
              Zap.clientv3("error", "clientv3/retry_interceptor.go:129", "streamer failed to create ClientStream")
                  .string("error", GoErrors.rpcError(goStatus.apply(s)))
                  .string("stacktrace", STREAM_FAILED_STACK)
                  .line());
          throw new SaveException(GoErrors.clientError(s.asRuntimeException()));
        }
        opened = true;
        log(Zap.clientv3("info", CALLER_STREAM + "200", "opened snapshot stream; downloading"));
        log(Zap.production("info", CALLER_SAVE + "127", "fetching snapshot").string("endpoint", endpoint));
      }
      if (e instanceof Blob) {
        byte[] b = ((Blob) e).bytes();
        write(f, b);
        size += b.length;
        call.request(1);
      } else if (e instanceof Closed) {
        Status s = ((Closed) e).status();
        if (s.isOk()) {
          log(Zap.clientv3("info", CALLER_STREAM + "208", "completed snapshot read; closing"));
          return size;
        }
        log(Zap.clientv3("warn", CALLER_STREAM + "210", "failed to receive from snapshot stream; closing")
            .string("error", GoErrors.rpcError(s)));
        throw new SaveException(GoErrors.clientError(s.asRuntimeException()));
      }
    }
  }

  private static boolean streamEverOpened(Status s) {
    return s.getCode() != Status.Code.DEADLINE_EXCEEDED && s.getCode() != Status.Code.CANCELLED;
  }

  private static void write(FileChannel f, byte[] b) throws SaveException {
    ByteBuffer buf = ByteBuffer.wrap(b);
    try {
      while (buf.hasRemaining()) {
        f.write(buf);
      }
    } catch (IOException e) {
      throw new SaveException("write: " + GoOsError.errno(e));
    }
  }

  private void log(Zap line) {
    err.println(line.line());
  }
}
