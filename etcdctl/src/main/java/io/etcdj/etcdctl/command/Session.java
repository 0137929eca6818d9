package io.etcdj.etcdctl.command;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.etcdctl.client.Client;
import io.grpc.Channel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * clientv3's concurrency.Session (clientv3/concurrency/session.go) as etcdctl's lock and elect use
 * it: a lease granted with the session TTL (60 s unless a positive TTL is given) and kept alive
 * until the command ends. The lease is not revoked at the end: etcdctl never closes its session,
 * so the lease outlives the command by up to its TTL, and so does ours.
 *
 * <p>Opened and closed by the command's thread.
 */
final class Session implements AutoCloseable {
  /** concurrency's defaultSessionTTL, in seconds. */
  static final long DEFAULT_TTL_SECONDS = 60;

  private final KeepAlive keepAlive;

  private Session(KeepAlive keepAlive) {
    this.keepAlive = keepAlive;
  }

  /** Grants the lease (a failure ends the command as clientv3's Grant error does) and keeps it alive. */
  static Session open(Client c, long ttlSeconds) throws InterruptedException {
    long ttl = ttlSeconds > 0 ? ttlSeconds : DEFAULT_TTL_SECONDS;
    Channel ch = c.channel(c.commandDeadline());
    // The session's context has no deadline: the grant waits for the cluster as long as it takes.
    LeaseGrantResponse r =
        c.unary(() -> LeaseGrpc.newBlockingStub(ch).withWaitForReady().leaseGrant(LeaseGrantRequest.newBuilder().setTTL(ttl).build()));
    return new Session(KeepAlive.start(ch, r.getID(), firstKeepAliveTimeoutNanos(c), false));
  }

  /** clientv3's firstKeepAliveTimeout: the dial timeout plus a second (5 s if that is only the second). */
  static long firstKeepAliveTimeoutNanos(Client c) {
    long t = c.options().dialTimeoutNanos() + TimeUnit.SECONDS.toNanos(1);
    return t == TimeUnit.SECONDS.toNanos(1) ? TimeUnit.SECONDS.toNanos(5) : t;
  }

  long lease() {
    return keepAlive.id();
  }

  /** Completes when the lease is no longer kept alive (it expired or was revoked). */
  CompletableFuture<Void> done() {
    return keepAlive.done();
  }

  @Override
  public void close() {
    keepAlive.close();
  }
}
