package io.etcdj.etcdctl.command;

import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.Endpoints;
import io.etcdj.etcdctl.client.GoDialErrors;
import io.grpc.ConnectivityState;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.UUID;

/**
 * Calls that go to one named endpoint rather than through the client's balancer. clientv3 makes
 * them in two ways, which show differently in its retry warning: the maintenance calls that take an
 * endpoint (Status, HashKV, Defragment) dial it directly ({@code passthrough:///<endpoint>}), and
 * {@code endpoint health} and {@code move-leader} build a client of their own per endpoint
 * ({@code endpoint://client-<uuid>/<host:port>}). Both run here on {@link Client#channelFor}.
 */
final class PerEndpoint {
  private PerEndpoint() {}

  /** How clientv3 reached the endpoint. */
  enum Dial {
    /** clientv3's {@code Client.Dial(endpoint)}. */
    PASSTHROUGH,
    /** A {@code clientv3.New} with only this endpoint. */
    OWN_CLIENT
  }

  /** A call that may fail with a gRPC status. */
  interface Call<R> {
    R call() throws InterruptedException;
  }

  /** Runs the call; a failure prints clientv3's warning line for that connection and is rethrown. */
  static <R> R call(Client c, String endpoint, Dial dial, Call<R> call) throws InterruptedException {
    try {
      return call.call();
    } catch (StatusRuntimeException e) {
      c.warn(target(endpoint, dial), goStatus(c, endpoint, dial, e.getStatus()));
      throw e;
    }
  }

  static String target(String endpoint, Dial dial) {
    if (dial == Dial.PASSTHROUGH) {
      return "passthrough:///" + endpoint;
    }
    return "endpoint://client-" + UUID.randomUUID() + "/" + Endpoints.parse(endpoint).hostPort();
  }

  /** A deadline on an endpoint that cannot be connected reads as grpc-go's balancer reports it. */
  private static Status goStatus(Client c, String endpoint, Dial dial, Status s) {
    if (s.getCode() != Status.Code.DEADLINE_EXCEEDED) {
      return s;
    }
    if (c.state(endpoint) != ConnectivityState.TRANSIENT_FAILURE) {
      return Status.DEADLINE_EXCEEDED.withDescription("context deadline exceeded");
    }
    if (dial == Dial.OWN_CLIENT) {
      return Status.DEADLINE_EXCEEDED.withDescription("latest balancer error: all SubConns are in TransientFailure");
    }
    return Status.DEADLINE_EXCEEDED.withDescription(
        "latest balancer error: " + GoDialErrors.describe(Endpoints.parse(endpoint).hostPort(), c.lastConnectFailure(endpoint)));
  }
}
