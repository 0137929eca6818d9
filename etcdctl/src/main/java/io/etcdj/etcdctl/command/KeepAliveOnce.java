package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.etcdctl.cli.CtlException;
import io.etcdj.etcdctl.cli.ExitCode;
import io.etcdj.etcdctl.cli.Io;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.GoErrors;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * clientv3's KeepAliveOnce (clientv3/lease.go): one renewal on a fresh LeaseKeepAlive stream,
 * tried again while the stream fails with Unavailable or Internal (clientv3's isHaltErr); an
 * answer with TTL 0 means the lease is gone. Failures exit with code 2, as etcdctl's do.
 */
final class KeepAliveOnce {
  private KeepAliveOnce() {}

  /** The renewal's answer, or null when the run was interrupted first. */
  static LeaseKeepAliveResponse renew(Client c, long id, Io io) throws InterruptedException {
    Channel ch = c.channel(c.commandDeadline());
    while (true) {
      CompletableFuture<LeaseKeepAliveResponse> first = new CompletableFuture<>();
      ClientCallStreamObserver<LeaseKeepAliveRequest> stream = open(ch, first);
      stream.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
      try {
        CompletableFuture.anyOf(first, io.interrupt()).get();
      } catch (ExecutionException e) {
        // the stream failed: handled below
      }
      stream.cancel("renewed once", null);
      if (!first.isDone()) {
        return null;
      }
      try {
        LeaseKeepAliveResponse r = AsyncCall.join(first);
        if (r.getTTL() <= 0) {
          throw new CtlException(ExitCode.BAD_CONNECTION, "etcdserver: requested lease not found");
        }
        return r;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.INTERNAL) {
          throw new CtlException(ExitCode.BAD_CONNECTION, GoErrors.clientError(e));
        }
        // clientv3 retries at once; the pause keeps a failing member from being hammered.
        try {
          io.interrupt().get(KeepAlive.RETRY_MS, TimeUnit.MILLISECONDS);
          return null;
        } catch (TimeoutException | ExecutionException pause) {
          // paused; try again
        }
      }
    }
  }

  private static ClientCallStreamObserver<LeaseKeepAliveRequest> open(Channel ch, CompletableFuture<LeaseKeepAliveResponse> first) {
    StreamObserver<LeaseKeepAliveResponse> answers =
        new StreamObserver<>() {
          @Override
          public void onNext(LeaseKeepAliveResponse r) {
            first.complete(r);
          }

          @Override
          public void onError(Throwable t) {
            first.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            first.completeExceptionally(Status.UNAVAILABLE.withDescription("stream closed without an answer").asRuntimeException());
          }
        };
    return (ClientCallStreamObserver<LeaseKeepAliveRequest>) LeaseGrpc.newStub(ch).withWaitForReady().leaseKeepAlive(answers);
  }
}
