package io.etcdj.storage.mvcc;

/**
 * What the store reports about its txns and commits, for the server's metrics (etcd's {@code
 * mvcc/metrics_txn.go} counters and {@code etcd_disk_backend_commit_duration_seconds}). An
 * interface owned by storage so that storage does not depend on a metrics library.
 *
 * <p>Called on the thread that ends the txn or commits (readers and the apply thread): must be
 * cheap and must not block.
 */
public interface TxnObserver {
  /** Observes nothing. */
  TxnObserver NONE =
      new TxnObserver() {
        @Override
        public void txnEnded(int ranges, int puts, int deletes) {}

        @Override
        public void committed(long nanos) {}
      };

  /**
   * One txn ended, read or write, after {@code ranges} range calls, {@code puts} puts and {@code
   * deletes} deleteRange calls (each call counts once, however many keys it touched).
   */
  void txnEnded(int ranges, int puts, int deletes);

  /** One write batch's backend transaction committed, taking {@code nanos}. */
  void committed(long nanos);
}
