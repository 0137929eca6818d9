package io.etcdj.server.errors;

import io.etcdj.storage.mvcc.CompactedException;
import io.etcdj.storage.mvcc.FutureRevisionException;
import io.etcdj.lease.LeaseException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where failures become gRPC statuses. Expected outcomes (typed exceptions from
 * the store or {@link EtcdException}) get etcd's code and message; anything else is a bug, logged
 * with its stack trace and answered as Internal without leaking details.
 */
public final class ErrorMapping {
  private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);

  private ErrorMapping() {}

  /** The etcd error for an expected failure, or null when {@code t} is not one. */
  public static EtcdError etcdError(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof EtcdException e) {
      return e.error();
    }
    if (cause instanceof CompactedException) {
      return EtcdError.COMPACTED;
    }
    if (cause instanceof FutureRevisionException) {
      return EtcdError.FUTURE_REV;
    }
    if (cause instanceof LeaseException e) {
      return switch (e.kind()) {
        case NOT_FOUND -> EtcdError.LEASE_NOT_FOUND;
        case EXISTS -> EtcdError.LEASE_EXISTS;
        case TTL_TOO_LARGE -> EtcdError.LEASE_TTL_TOO_LARGE;
        // Only a leader keeps lease time; a client is told what etcd tells it of a non-leader.
        case NOT_PRIMARY -> EtcdError.NOT_LEADER;
      };
    }
    return null;
  }

  public static StatusRuntimeException toStatus(Throwable t) {
    Throwable cause = unwrap(t);
    if (cause instanceof StatusRuntimeException sre) {
      return sre;
    }
    EtcdError error = etcdError(cause);
    if (error != null) {
      return Status.fromCode(error.code()).withDescription(error.message()).asRuntimeException();
    }
    LOG.error("unexpected failure while serving a request", cause);
    return Status.INTERNAL.withDescription("etcdserver: internal error").asRuntimeException();
  }

  /**
   * The status etcd 3.4's Lock and Election services answer for {@code t}. etcd serves them over an
   * embedded clientv3 client (its {@code v3client}), so a KV, Watch or Lease failure reaches those
   * handlers as clientv3's {@code rpctypes.EtcdError}, which carries no gRPC status: grpc-go then
   * answers Unknown with the same message (checked live: a Lock with an unknown lease answers
   * Unknown "etcdserver: requested lease not found"). The recipes' own errors ("election: not
   * leader", ...) are plain Go errors and go out as Unknown too. A status whose message clientv3
   * does not know (cancellation, a transport failure, an unimplemented method) passes unchanged.
   */
  public static StatusRuntimeException toStatusViaV3Client(Throwable t) {
    Throwable cause = unwrap(t);
    EtcdError error;
    if (cause instanceof StatusRuntimeException sre) {
      error = EtcdError.ofMessage(sre.getStatus().getDescription());
      if (error == null) {
        return sre;
      }
    } else {
      error = etcdError(cause);
      if (error == null) {
        return toStatus(cause);
      }
    }
    return Status.UNKNOWN.withDescription(error.message()).asRuntimeException();
  }

  private static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof java.util.concurrent.CompletionException
            || cur instanceof java.util.concurrent.ExecutionException)
        && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }
}
