package io.etcdj.server.apply;

/**
 * What the KV applier needs to know about leases: whether one exists, so a put naming an unknown
 * lease fails with "requested lease not found" and changes nothing. The server passes the
 * lessor's {@code exists}; {@link #NONE} (no lease exists) serves tests of KV alone.
 */
@FunctionalInterface
public interface Leases {
  Leases NONE = id -> false;

  boolean exists(long leaseId);
}
