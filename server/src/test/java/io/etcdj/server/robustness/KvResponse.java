package io.etcdj.server.robustness;

import java.util.List;

/**
 * What the server answered to a {@link KvRequest}, reduced to what the model predicts: the header
 * revision and the call's results. Two answers are equal exactly when a client could not tell
 * them apart in these fields.
 */
public sealed interface KvResponse {

  /** The header revision: the store's revision after the call. */
  long revision();

  /** A Get's answer; {@code kv} is null when the key does not exist. */
  record GetResult(long revision, KeyValue kv) implements KvResponse {}

  record PutResult(long revision) implements KvResponse {}

  record DeleteResult(long revision, long deleted) implements KvResponse {}

  /** A txn's answer: which branch ran and one result per op of that branch. */
  record TxnResult(long revision, boolean succeeded, List<OpResult> results) implements KvResponse {
    public TxnResult {
      results = List.copyOf(results);
    }
  }

  /** One op's result inside a txn (etcd fills no header revision there). */
  sealed interface OpResult {}

  /** A Get inside a txn; {@code kv} null when absent. */
  record Got(KeyValue kv) implements OpResult {}

  record Wrote() implements OpResult {}

  record Deleted(long count) implements OpResult {}
}
