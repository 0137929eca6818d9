package io.etcdj.etcdctl.client;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/**
 * How a failed call reads in Go: the text of the error clientv3 returns (a known etcd error is its
 * bare message, a context error is {@code context deadline exceeded}, anything else is grpc-go's
 * {@code rpc error: code = X desc = Y}).
 */
public final class GoErrors {
  private GoErrors() {}

  /** grpc-go's code names ({@code codes.Code.String()}). */
  public static String codeName(Status.Code code) {
    switch (code) {
      case OK:
        return "OK";
      case CANCELLED:
        return "Canceled";
      case UNKNOWN:
        return "Unknown";
      case INVALID_ARGUMENT:
        return "InvalidArgument";
      case DEADLINE_EXCEEDED:
        return "DeadlineExceeded";
      case NOT_FOUND:
        return "NotFound";
      case ALREADY_EXISTS:
        return "AlreadyExists";
      case PERMISSION_DENIED:
        return "PermissionDenied";
      case RESOURCE_EXHAUSTED:
        return "ResourceExhausted";
      case FAILED_PRECONDITION:
        return "FailedPrecondition";
      case ABORTED:
        return "Aborted";
      case OUT_OF_RANGE:
        return "OutOfRange";
      case UNIMPLEMENTED:
        return "Unimplemented";
      case INTERNAL:
        return "Internal";
      case UNAVAILABLE:
        return "Unavailable";
      case DATA_LOSS:
        return "DataLoss";
      case UNAUTHENTICATED:
        return "Unauthenticated";
      default:
        return "Code(" + code.value() + ")";
    }
  }

  /** grpc-go's status error text. */
  public static String rpcError(Status s) {
    return "rpc error: code = " + codeName(s.getCode()) + " desc = " + desc(s);
  }

  static String desc(Status s) {
    return s.getDescription() == null ? "" : s.getDescription();
  }

  /** The error clientv3 hands back to etcdctl, as text. */
  public static String clientError(StatusRuntimeException e) {
    Status s = e.getStatus();
    switch (s.getCode()) {
      case DEADLINE_EXCEEDED:
        return "context deadline exceeded";
      case CANCELLED:
        return "context canceled";
      default:
        break;
    }
    String d = desc(s);
    if (isEtcdError(d)) {
      return d;
    }
    return rpcError(s);
  }

  /** clientv3's rpctypes knows etcd's error strings; all of them start with one of these. */
  static boolean isEtcdError(String desc) {
    return desc.startsWith("etcdserver: ");
  }
}
