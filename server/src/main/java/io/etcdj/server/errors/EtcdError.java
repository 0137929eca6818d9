package io.etcdj.server.errors;

import io.grpc.Status;

/**
 * The errors etcd sends to clients, with etcd's exact gRPC code and message (clients match the
 * message text byte for byte to rebuild typed errors). Mirrors etcd's {@code
 * api/v3rpc/rpctypes/error.go}.
 */
public enum EtcdError {
  EMPTY_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"),
  // Auth (etcd's auth package errors, as rpctypes words them).
  ROOT_USER_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not exist"),
  ROOT_ROLE_NOT_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: root user does not have root role"),
  USER_ALREADY_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: user name already exists"),
  USER_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty"),
  USER_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: user name not found"),
  ROLE_ALREADY_EXIST(Status.Code.FAILED_PRECONDITION, "etcdserver: role name already exists"),
  ROLE_NOT_FOUND(Status.Code.FAILED_PRECONDITION, "etcdserver: role name not found"),
  ROLE_EMPTY(Status.Code.INVALID_ARGUMENT, "etcdserver: role name is empty"),
  AUTH_FAILED(Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password"),
  PERMISSION_DENIED(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied"),
  ROLE_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: role is not granted to the user"),
  PERMISSION_NOT_GRANTED(Status.Code.FAILED_PRECONDITION, "etcdserver: permission is not granted to the role"),
  AUTH_NOT_ENABLED(Status.Code.FAILED_PRECONDITION, "etcdserver: authentication is not enabled"),
  INVALID_AUTH_TOKEN(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token"),
  INVALID_AUTH_MGMT(Status.Code.INVALID_ARGUMENT, "etcdserver: invalid auth management"),
  AUTH_OLD_REVISION(Status.Code.INVALID_ARGUMENT, "etcdserver: revision of auth store is old"),
  KEY_NOT_FOUND(Status.Code.INVALID_ARGUMENT, "etcdserver: key not found"),
  VALUE_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: value is provided"),
  LEASE_PROVIDED(Status.Code.INVALID_ARGUMENT, "etcdserver: lease is provided"),
  TOO_MANY_OPS(Status.Code.INVALID_ARGUMENT, "etcdserver: too many operations in txn request"),
  DUPLICATE_KEY(Status.Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request"),
  REQUEST_TOO_LARGE(Status.Code.INVALID_ARGUMENT, "etcdserver: request is too large"),
  COMPACTED(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted"),
  FUTURE_REV(Status.Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision"),
  NO_SPACE(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: mvcc: database space exceeded"),
  /** A CORRUPT alarm is active: the apply step refuses reads and writes in the log. */
  CORRUPT(Status.Code.DATA_LOSS, "etcdserver: corrupt cluster"),
  /** etcdj's bound on the alarm set ({@code AlarmStore.ALARMS_MAX}); etcd has none. */
  TOO_MANY_ALARMS(Status.Code.RESOURCE_EXHAUSTED, "etcdj: too many active alarms"),
  LEASE_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: requested lease not found"),
  LEASE_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: lease already exists"),
  LEASE_TTL_TOO_LARGE(Status.Code.OUT_OF_RANGE, "etcdserver: too large lease TTL"),
  TOO_MANY_REQUESTS(Status.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests"),
  STOPPED(Status.Code.UNAVAILABLE, "etcdserver: server stopped"),
  /** A call with {@code hasleader=true} metadata on a member that knows no leader. */
  NO_LEADER(Status.Code.UNAVAILABLE, "etcdserver: no leader"),
  /** Anything but Status and a serializable Range on a learner (etcd 3.4's code is Unavailable). */
  NOT_SUPPORTED_FOR_LEARNER(Status.Code.UNAVAILABLE, "etcdserver: rpc not supported for learner"),
  /** A linearizable read whose read-index round was overtaken by the election of a new leader. */
  LEADER_CHANGED(Status.Code.UNAVAILABLE, "etcdserver: leader changed"),
  TIMEOUT(Status.Code.UNAVAILABLE, "etcdserver: request timed out"),
  /** A proposal timed out that was made shortly before this member was elected leader. */
  TIMEOUT_LEADER_FAIL(
      Status.Code.UNAVAILABLE,
      "etcdserver: request timed out, possibly due to previous leader failure"),
  /** A proposal timed out while this member had no working connection to the leader (or quorum). */
  TIMEOUT_CONNECTION_LOST(
      Status.Code.UNAVAILABLE, "etcdserver: request timed out, possibly due to connection lost"),
  /**
   * etcd 3.4 hands the raw Go context error to gRPC when a request ran out of time before raft took
   * it (a proposal while there is no leader) or before a linearizable read was ready by the
   * client's deadline; its gRPC version turns that into code Unknown with this text. Checked live:
   * {@code Error: rpc error: code = Unknown desc = context deadline exceeded}.
   */
  CONTEXT_DEADLINE_EXCEEDED(Status.Code.UNKNOWN, "context deadline exceeded"),
  NOT_CAPABLE(Status.Code.UNAVAILABLE, "etcdserver: not capable"),
  MEMBER_NOT_FOUND(Status.Code.NOT_FOUND, "etcdserver: member not found"),
  PEER_URL_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: Peer URLs already exists"),
  MEMBER_EXISTS(Status.Code.FAILED_PRECONDITION, "etcdserver: member ID already exist"),
  TOO_MANY_LEARNERS(Status.Code.FAILED_PRECONDITION, "etcdserver: too many learner members in cluster"),
  MEMBER_NOT_LEARNER(Status.Code.FAILED_PRECONDITION, "etcdserver: can only promote a learner member"),
  LEARNER_NOT_READY(
      Status.Code.FAILED_PRECONDITION,
      "etcdserver: can only promote a learner member which is in sync with leader"),
  UNHEALTHY_CLUSTER(Status.Code.UNAVAILABLE, "etcdserver: unhealthy cluster"),
  NOT_ENOUGH_STARTED(
      Status.Code.FAILED_PRECONDITION,
      "etcdserver: re-configuration failed due to not enough started members"),
  NOT_LEADER(Status.Code.FAILED_PRECONDITION, "etcdserver: not leader"),
  BAD_LEADER_TRANSFEREE(Status.Code.FAILED_PRECONDITION, "etcdserver: bad leader transferee"),
  INVALID_PEER_URLS(Status.Code.INVALID_ARGUMENT, "etcdserver: given member URLs are invalid"),
  /** raft refused the proposal (no leader, or a leader transfer in progress); etcd 3.4's text. */
  PROPOSAL_DROPPED(Status.Code.UNKNOWN, "raft proposal dropped"),
  /*
   * The election and lock layer (etcd's clientv3/concurrency and v3election): plain Go errors,
   * which grpc-go sends as Unknown.
   */
  /** Proclaim by a campaigner whose leader key is gone or was re-created. */
  ELECTION_NOT_LEADER(Status.Code.UNKNOWN, "election: not leader"),
  /** Leader of an election nobody campaigns in. */
  ELECTION_NO_LEADER(Status.Code.UNKNOWN, "election: no leader"),
  /** Proclaim or Resign without the {@code leader} field (etcd's ErrMissingLeaderKey). */
  MISSING_LEADER_KEY(Status.Code.UNKNOWN, "\"leader\" field must be provided"),
  /** A Lock or Campaign whose watch ended without an error and without the awaited delete. */
  LOST_WATCHER(Status.Code.UNKNOWN, "lost watcher waiting for delete");

  private final Status.Code code;
  private final String message;

  EtcdError(Status.Code code, String message) {
    this.code = code;
    this.message = message;
  }

  public Status.Code code() {
    return code;
  }

  public String message() {
    return message;
  }

  /** A stackless exception carrying this error, for throwing across layers. */
  public EtcdException exception() {
    return new EtcdException(this);
  }

  /** The error whose message is {@code message} (as another member answered it), or null. */
  public static EtcdError ofMessage(String message) {
    for (EtcdError e : values()) {
      if (e.message.equals(message)) {
        return e;
      }
    }
    return null;
  }
}
