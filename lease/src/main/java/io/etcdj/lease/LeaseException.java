package io.etcdj.lease;

/**
 * An expected outcome of a lease operation (etcd's {@code lease.Err*}); the server maps each kind
 * to etcd's gRPC status. No stack trace: these are answers, not bugs.
 */
public final class LeaseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** The kinds, named after etcd's lease errors. */
  public enum Kind {
    /** {@code ErrLeaseNotFound}: no such lease (or it was revoked while a renewal waited). */
    NOT_FOUND,
    /** {@code ErrLeaseExists}: a grant named an id in use. */
    EXISTS,
    /** {@code ErrLeaseTTLTooLarge}: a grant asked for more than {@link Lessor#MAX_TTL_SECONDS}. */
    TTL_TOO_LARGE,
    /** {@code ErrNotPrimary}: this lessor does not keep lease time (not the leader). */
    NOT_PRIMARY
  }

  private final Kind kind;

  public LeaseException(Kind kind) {
    super(kind.name(), null, false, false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
