package io.etcdj.server.grpc;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.etcdj.api.etcdserverpb.AlarmRequest;
import io.etcdj.api.etcdserverpb.DefragmentRequest;
import io.etcdj.api.etcdserverpb.DefragmentResponse;
import io.etcdj.api.etcdserverpb.AlarmResponse;
import io.etcdj.api.etcdserverpb.HashKVRequest;
import io.etcdj.api.etcdserverpb.HashKVResponse;
import io.etcdj.api.etcdserverpb.HashRequest;
import io.etcdj.api.etcdserverpb.HashResponse;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.SnapshotRequest;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.api.etcdserverpb.StatusRequest;
import io.etcdj.api.etcdserverpb.StatusResponse;
import io.etcdj.server.EtcdServer;
import io.etcdj.server.alarm.AlarmStore;
import io.etcdj.server.errors.ErrorMapping;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.server.snapshot.EtcdBackendFile;
import io.etcdj.server.snapshot.SnapshotStream;
import io.etcdj.storage.mvcc.HashResult;
import io.etcdj.storage.mvcc.StoreSnapshot;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code etcdserverpb.Maintenance} (etcd's {@code v3rpc/maintenance.go}): Status, Hash, HashKV,
 * MoveLeader, Snapshot, Alarm and Defragment. Downgrade comes with a later issue; until then the
 * client port leaves it out ({@link RequestDecoding}) and answers it as etcd 3.4 does, an unknown
 * method.
 *
 * <p>Hash and HashKV scan the whole backend or key bucket, so they run on the read pool, never on
 * the calling event loop. Like etcd, they answer from this member's store without going through
 * Raft: comparing the answers of several members is how corruption is found.
 */
public final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(MaintenanceService.class);
  private final EtcdServer server;
  private final Executor readExecutor;
  /**
   * Snapshots being written or sent: each holds a copy of the store on disk until its client has
   * read it, so a bound keeps many slow clients from filling the disk (etcd has none; beyond it
   * etcdj answers "too many requests").
   */
  private final java.util.concurrent.Semaphore snapshots = new java.util.concurrent.Semaphore(SNAPSHOTS_MAX);

  static final int SNAPSHOTS_MAX = 4;

  /**
   * @param readExecutor runs the hashes, off the calling (event loop) thread
   */
  public MaintenanceService(EtcdServer server, Executor readExecutor) {
    this.server = server;
    this.readExecutor = readExecutor;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    StatusResponse resp =
        StatusResponse.newBuilder()
            .setHeader(server.header(0))
            .setVersion(EtcdServer.VERSION)
            .setDbSize(server.kv().dbSize())
            .setDbSizeInUse(server.kv().dbSizeInUse())
            .setLeader(server.leaderId())
            .setRaftIndex(server.committedIndex())
            .setRaftTerm(server.term())
            .setRaftAppliedIndex(server.appliedIndex())
            .setIsLearner(server.isLearner())
            .addAllErrors(statusErrors())
            .build();
    out.onNext(resp);
    out.onCompleted();
  }

  /** etcd's Status errors: "no leader" when there is none, then each active alarm as text. */
  private java.util.List<String> statusErrors() {
    java.util.List<String> errors = new java.util.ArrayList<>();
    if (server.leaderId() == 0) {
      errors.add(EtcdError.NO_LEADER.message());
    }
    for (AlarmMember m : server.alarms().active()) {
      errors.add(AlarmStore.text(m));
    }
    return errors;
  }

  /**
   * The hash of the whole backend. Deterministic and equal on members holding the same data, but
   * never equal to a real etcd's number: the backends' buckets differ (see {@code Backend.hash}).
   */
  @Override
  public void hash(HashRequest request, StreamObserver<HashResponse> out) {
    offload(
        () -> {
          HashResult h;
          try {
            h = server.kv().hash();
          } catch (RuntimeException e) {
            out.onError(ErrorMapping.toStatus(e));
            return;
          }
          out.onNext(
              HashResponse.newBuilder()
                  .setHeader(server.header(h.currentRevision()))
                  .setHash(h.hash())
                  .build());
          out.onCompleted();
        },
        out);
  }

  /**
   * etcd 3.4's HashKV: the header carries the current revision, {@code compact_revision} is -1
   * before the first compaction (etcd's initial {@code compactMainRev}; the store says 0), and
   * {@code hash_revision} (a 3.6 field that 3.4 clients ignore) is the revision hashed.
   */
  @Override
  public void hashKV(HashKVRequest request, StreamObserver<HashKVResponse> out) {
    offload(
        () -> {
          HashResult h;
          try {
            h = server.kv().hashByRev(request.getRevision());
          } catch (RuntimeException e) {
            out.onError(ErrorMapping.toStatus(e));
            return;
          }
          out.onNext(
              HashKVResponse.newBuilder()
                  .setHeader(server.header(h.currentRevision()))
                  .setHash(h.hash())
                  .setCompactRevision(h.compactRevision() == 0 ? -1 : h.compactRevision())
                  .setHashRevision(h.hashRevision())
                  .build());
          out.onCompleted();
        },
        out);
  }

  /**
   * etcd's Alarm. ACTIVATE and DEACTIVATE go through Raft and are answered by the apply step: the
   * alarm raised (new or already active) or cleared (nothing when it was not active), with no
   * header, as etcd. GET answers the alarms this member has applied after a linearizable read, so
   * it sees every change committed before it and fails without a leader; etcd 3.4 sends GET
   * through the log for the same effect.
   */
  @Override
  public void alarm(AlarmRequest request, StreamObserver<AlarmResponse> out) {
    if (request.getAction() != AlarmRequest.AlarmAction.GET) {
      Answers.answer(
          server.alarms().propose(request, ClientDeadline.remainingNanos()),
          out,
          (AlarmResponse r) -> r);
      return;
    }
    server
        .linearizableRead(ClientDeadline.remainingNanos())
        .whenComplete(
            (v, err) -> {
              if (err != null) {
                out.onError(ErrorMapping.toStatus(err));
                return;
              }
              out.onNext(
                  AlarmResponse.newBuilder()
                      .addAllAlarms(server.alarms().get(request.getAlarmValue()))
                      .build());
              out.onCompleted();
            });
  }

  /**
   * etcd's Snapshot: this member's store as an etcd 3.4 backend file (see {@code EtcdBackendFile}),
   * streamed with its sha256 (see {@code SnapshotStream}). Like etcd it reads this member's store
   * without going through Raft. The file is built on the read pool from one read txn into a
   * temporary file in the snap dir, unlinked as soon as it is open for sending (a crash in between
   * leaves a {@code .tmp} that the next start deletes).
   */
  @Override
  public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
    if (!snapshots.tryAcquire()) {
      out.onError(ErrorMapping.toStatus(EtcdError.TOO_MANY_REQUESTS.exception()));
      return;
    }
    SnapshotStream stream = new SnapshotStream((ServerCallStreamObserver<SnapshotResponse>) out, readExecutor, snapshots::release);
    try {
      readExecutor.execute(() -> writeSnapshot(stream));
    } catch (RejectedExecutionException e) {
      stream.fail(ErrorMapping.toStatus(EtcdError.TOO_MANY_REQUESTS.exception()).getStatus());
    }
  }

  private void writeSnapshot(SnapshotStream stream) {
    Path tmp = null;
    try {
      Path dir = server.config().memberDir().resolve("snap");
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "client-snapshot-", ".tmp");
      long size;
      try (StoreSnapshot store = server.kv().snapshot()) {
        size = EtcdBackendFile.write(tmp, store, server.membershipState());
      }
      FileChannel ch = FileChannel.open(tmp, StandardOpenOption.READ);
      Files.delete(tmp);
      tmp = null;
      stream.start(ch, size);
    } catch (IOException | RuntimeException e) {
      LOG.warn("writing a snapshot for a client failed", e);
      stream.fail(Status.INTERNAL.withDescription(String.valueOf(e.getMessage())));
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          LOG.warn("cannot delete {}", tmp, e);
        }
      }
    }
  }

  /**
   * etcd's Defragment rewrites its bbolt file to give freed pages back to the file system. LMDB
   * reuses freed pages for new writes by itself, and the quota counts the bytes in use (see {@code
   * BackendQuota}), so there is nothing to rewrite: this member flushes its backend to disk and
   * answers as etcd does (an empty response, no header), logging etcd's words. It never pauses
   * reads or writes. The file keeps its size; docs/operations.md has the measurements.
   */
  @Override
  public void defragment(DefragmentRequest request, StreamObserver<DefragmentResponse> out) {
    offload(
        () -> {
          LOG.info("starting to defragment the storage backend...");
          try {
            server.kv().sync();
          } catch (RuntimeException e) {
            LOG.error("failed to defragment the storage backend ({})", e.toString());
            out.onError(ErrorMapping.toStatus(e));
            return;
          }
          LOG.info("finished defragmenting the storage backend");
          out.onNext(DefragmentResponse.getDefaultInstance());
          out.onCompleted();
        },
        out);
  }

  private void offload(Runnable work, StreamObserver<?> out) {
    try {
      readExecutor.execute(work);
    } catch (RejectedExecutionException e) {
      out.onError(ErrorMapping.toStatus(EtcdError.TOO_MANY_REQUESTS.exception()));
    }
  }

  @Override
  public void moveLeader(
      io.etcdj.api.etcdserverpb.MoveLeaderRequest request,
      StreamObserver<io.etcdj.api.etcdserverpb.MoveLeaderResponse> out) {
    server
        .moveLeader(request.getTargetID())
        .whenComplete(
            (v, err) -> {
              if (err != null) {
                out.onError(io.etcdj.server.errors.ErrorMapping.toStatus(err));
                return;
              }
              out.onNext(
                  io.etcdj.api.etcdserverpb.MoveLeaderResponse.newBuilder()
                      .setHeader(server.header(0))
                      .build());
              out.onCompleted();
            });
  }
}
