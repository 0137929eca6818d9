package io.etcdj.server.grpc;

import io.etcdj.server.EtcdServer;
import io.grpc.Context;
import io.grpc.Deadline;
import java.util.concurrent.TimeUnit;

/**
 * The time the calling client has left. etcd runs every request in the client's gRPC context, so
 * a client deadline bounds how long the server waits for raft, as the request timeout does; the
 * handlers pass this on. Call it on the handler thread, where gRPC has attached the call's context.
 */
final class ClientDeadline {
  private ClientDeadline() {}

  /** Nanoseconds until the current call's deadline, or {@link EtcdServer#NO_CLIENT_TIMEOUT}. */
  static long remainingNanos() {
    Deadline d = Context.current().getDeadline();
    return d == null ? EtcdServer.NO_CLIENT_TIMEOUT : d.timeRemaining(TimeUnit.NANOSECONDS);
  }
}
