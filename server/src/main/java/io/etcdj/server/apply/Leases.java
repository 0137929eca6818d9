package io.etcdj.server.apply;

/**
 * What the applier needs to know about leases: whether one exists. The Lessor (a later issue)
 * implements it; until then no lease exists, so a put naming one fails as in etcd.
 */
@FunctionalInterface
public interface Leases {
  Leases NONE = id -> false;

  boolean exists(long leaseId);
}
