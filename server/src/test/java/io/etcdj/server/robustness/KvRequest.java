package io.etcdj.server.robustness;

import java.util.List;

/** What a client asked: the subset of etcd's KV calls the robustness traffic makes. */
public sealed interface KvRequest {

  /** Range of one key at the current revision (a linearizable read). */
  record Get(String key) implements KvRequest, TxnOp {}

  /** Put, optionally attached to a lease (0: none). */
  record Put(String key, String value, long lease) implements KvRequest, TxnOp {
    public Put(String key, String value) {
      this(key, value, 0);
    }
  }

  /** DeleteRange of one key. */
  record Delete(String key) implements KvRequest, TxnOp {}

  /** A txn: if every compare holds, the {@code success} ops, else the {@code failure} ops. */
  record Txn(List<Compare> compares, List<TxnOp> success, List<TxnOp> failure) implements KvRequest {
    public Txn {
      compares = List.copyOf(compares);
      success = List.copyOf(success);
      failure = List.copyOf(failure);
    }

    boolean writes() {
      return success.stream().anyMatch(o -> !(o instanceof Get)) || failure.stream().anyMatch(o -> !(o instanceof Get));
    }
  }

  /** One operation inside a txn (no nested txns in the traffic). */
  sealed interface TxnOp permits Get, Put, Delete {}

  /** A txn compare on one key, as etcd's Compare message. */
  record Compare(String key, Target target, Result result, Object operand) {
    /** What is compared: VALUE takes a String operand, the others a Long. */
    public enum Target {
      VALUE,
      VERSION,
      CREATE,
      MOD
    }

    public enum Result {
      EQUAL,
      GREATER,
      LESS,
      NOT_EQUAL
    }
  }

  /** True when the request may change the store (a read never does). */
  default boolean mayWrite() {
    if (this instanceof Txn t) {
      return t.writes();
    }
    return !(this instanceof Get);
  }
}
