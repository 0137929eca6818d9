package io.etcdj.server.gateway;

import io.grpc.Status;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * The HTTP status etcd 3.4's gateway answers for a gRPC code. The etcd 3.4.23 build this project
 * checks against answers FailedPrecondition ("lease already exists") with 412, as grpc-gateway did
 * before v1.9.5 changed it to 400, so the table is that one, checked live code by code where etcd
 * can be made to answer it.
 */
final class GatewayStatus {
  private GatewayStatus() {}

  static HttpResponseStatus of(Status.Code code) {
    return switch (code) {
      case OK -> HttpResponseStatus.OK;
      case CANCELLED -> HttpResponseStatus.REQUEST_TIMEOUT;
      case UNKNOWN, INTERNAL, DATA_LOSS -> HttpResponseStatus.INTERNAL_SERVER_ERROR;
      case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpResponseStatus.BAD_REQUEST;
      case DEADLINE_EXCEEDED -> HttpResponseStatus.GATEWAY_TIMEOUT;
      case NOT_FOUND -> HttpResponseStatus.NOT_FOUND;
      case ALREADY_EXISTS, ABORTED -> HttpResponseStatus.CONFLICT;
      case PERMISSION_DENIED -> HttpResponseStatus.FORBIDDEN;
      case UNAUTHENTICATED -> HttpResponseStatus.UNAUTHORIZED;
      case RESOURCE_EXHAUSTED -> HttpResponseStatus.TOO_MANY_REQUESTS;
      case FAILED_PRECONDITION -> HttpResponseStatus.PRECONDITION_FAILED;
      case UNIMPLEMENTED -> HttpResponseStatus.NOT_IMPLEMENTED;
      case UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
    };
  }
}
