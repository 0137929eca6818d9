package io.etcdj.server.robustness;

import java.util.List;

/**
 * One lease as its client lived it, the input of {@link LeaseChecker}: the LeaseGrant call and
 * the TTL it answered, every keep-alive answer, when the client stopped keeping it alive, and its
 * LeaseRevoke if it made one. Times are {@link System#nanoTime()} on the harness's one clock.
 *
 * @param id the lease id LeaseGrant answered
 * @param ttlSeconds the TTL LeaseGrant answered (etcd may raise a requested TTL to its minimum)
 * @param grantCall when LeaseGrant was sent
 * @param grantRet when its answer arrived
 * @param keepAlives every LeaseKeepAlive answer, in arrival order
 * @param stopped a time by which the client had sent its last keep-alive and had it answered or
 *     abandoned; Long.MAX_VALUE if it kept the lease alive to the end of the run. A client that
 *     never keeps a lease alive passes {@code grantRet}.
 * @param revoke the client's LeaseRevoke, or null if it made none
 */
public record LeaseHistory(long id, long ttlSeconds, long grantCall, long grantRet, List<KeepAlive> keepAlives, long stopped, Revoke revoke) {

  public LeaseHistory {
    keepAlives = List.copyOf(keepAlives);
    if (id == 0 || ttlSeconds <= 0 || grantRet < grantCall || stopped < grantCall) {
      throw new IllegalArgumentException("lease " + id + " ttl " + ttlSeconds + " [" + grantCall + ", " + grantRet + "] stopped " + stopped);
    }
  }

  /**
   * One LeaseKeepAlive exchange: when the request was sent (a lower bound is safe: a stream that
   * only tells when answers arrive may pass the previous answer's arrival) and when its answer
   * arrived with the TTL it carried (0 or less: etcd's "lease not found").
   */
  public record KeepAlive(long sent, long received, long ttlSeconds) {
    public KeepAlive {
      if (received < sent) {
        throw new IllegalArgumentException("keep-alive answered before it was sent: " + sent + " > " + received);
      }
    }

    boolean renewed() {
      return ttlSeconds > 0;
    }
  }

  /**
   * A LeaseRevoke: when it was sent, when it returned, and the header revision it answered (0
   * when the client saw an error or a timeout, so the outcome is unknown).
   */
  public record Revoke(long call, long ret, long revision) {}
}
