package io.etcdj.server.grpc;

import io.etcdj.api.v3lockpb.LockGrpc;
import io.etcdj.api.v3lockpb.LockRequest;
import io.etcdj.api.v3lockpb.LockResponse;
import io.etcdj.api.v3lockpb.UnlockRequest;
import io.etcdj.api.v3lockpb.UnlockResponse;
import io.etcdj.server.concurrency.Mutex;
import io.etcdj.server.concurrency.Session;
import io.etcdj.server.concurrency.V3Client;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * {@code v3lockpb.Lock} (etcd 3.4's {@code v3lock/lock.go}): the {@link Mutex} recipe run for a
 * remote caller over a client of the member's own KV, Watch and Lease services.
 *
 * <p>Lock opens a session on the request's lease (granting a 60 s lease, never kept alive, when it
 * is 0) and answers once the lock is held; a caller that cancels while waiting has its key
 * deleted. Unlock deletes the given key. Handlers only start futures; answers are sent from the
 * client's executor. Stateless besides the client.
 */
public final class LockService extends LockGrpc.LockImplBase {
  private final V3Client client;

  /** @param channel reaches the KV, Watch and Lease services this lock is built on */
  public LockService(Channel channel) {
    this.client = new V3Client(channel);
  }

  @Override
  public void lock(LockRequest request, StreamObserver<LockResponse> out) {
    Context ctx = Context.current();
    CompletableFuture<LockResponse> held =
        Session.open(client, ctx, request.getLease())
            .thenCompose(
                session -> {
                  Mutex mutex = new Mutex(session, request.getName());
                  return mutex
                      .lock(ctx)
                      .thenApply(
                          header ->
                              LockResponse.newBuilder()
                                  .setHeader(header)
                                  .setKey(mutex.key())
                                  .build());
                });
    Answers.answerViaV3Client(held, out);
  }

  @Override
  public void unlock(UnlockRequest request, StreamObserver<UnlockResponse> out) {
    Answers.answerViaV3Client(
        Mutex.unlock(client, Context.current(), request.getKey())
            .thenApply(deleted -> UnlockResponse.newBuilder().setHeader(deleted.getHeader()).build()),
        out);
  }
}
