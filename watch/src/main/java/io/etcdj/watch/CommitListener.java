package io.etcdj.watch;

import io.etcdj.api.mvccpb.KeyValue;
import java.util.List;

/**
 * What the apply thread tells the watchers: the one seam between applying and watching. Called
 * only from the apply thread, in commit order.
 */
public interface CommitListener {
  /** Nobody listens (tools and tests that apply without watchers). */
  CommitListener NONE =
      new CommitListener() {
        @Override
        public void committed(List<KeyValue> changes) {}

        @Override
        public void restored() {}
      };

  /**
   * A batch committed: every change of its write txns, in revision order (each txn's {@code
   * TxnWrite.changes()}). Called after the commit made them readable; the list is not kept.
   */
  void committed(List<KeyValue> changes);

  /** The store was replaced by a snapshot: history between the old and new revision is unknown. */
  void restored();
}
