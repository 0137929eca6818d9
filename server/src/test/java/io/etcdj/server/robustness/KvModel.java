package io.etcdj.server.robustness;

import io.etcdj.server.robustness.KvRequest.Compare;
import io.etcdj.server.robustness.KvRequest.Delete;
import io.etcdj.server.robustness.KvRequest.Get;
import io.etcdj.server.robustness.KvRequest.Put;
import io.etcdj.server.robustness.KvRequest.Txn;
import io.etcdj.server.robustness.KvRequest.TxnOp;
import io.etcdj.server.robustness.KvResponse.OpResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * etcd's KV semantics as a sequential model over the whole key space: the store's revision and
 * every live key with its create/mod revision, version and lease. {@link #apply} says what a call
 * does to a state and what etcd would answer, the rules the checker holds a server to:
 *
 * <ul>
 *   <li>a put raises the revision by one; the key's version counts puts since its creation, its
 *       create revision stays until it is deleted;
 *   <li>a delete of an existing key raises the revision and answers deleted 1; of a missing key
 *       it changes nothing (same revision, deleted 0);
 *   <li>a txn evaluates its compares on the state before it (a VALUE compare on a missing key is
 *       false, the other targets compare a missing key as 0), runs one branch in order (a get
 *       sees the branch's earlier writes), and raises the revision by one if the branch changed
 *       anything, however many writes it made;
 *   <li>every answer carries the revision after the call.
 * </ul>
 */
public final class KvModel {
  private KvModel() {}

  /** A store state. Immutable; equal states compare equal (the checker's cache relies on it). */
  public static final class State {
    public static final State EMPTY = new State(1, Map.of());

    private final long revision;
    private final Map<String, KeyValue> kvs;
    private final int hash;

    private State(long revision, Map<String, KeyValue> kvs) {
      this.revision = revision;
      this.kvs = kvs;
      this.hash = Long.hashCode(revision) * 31 + kvs.hashCode();
    }

    public long revision() {
      return revision;
    }

    public KeyValue get(String key) {
      return kvs.get(key);
    }

    /** The keys attached to {@code lease}, in key order. */
    public List<String> keysWithLease(long lease) {
      List<String> out = new ArrayList<>();
      for (KeyValue kv : kvs.values()) {
        if (kv.lease() == lease) {
          out.add(kv.key());
        }
      }
      out.sort(null);
      return out;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof State s && s.hash == hash && s.revision == revision && s.kvs.equals(kvs);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return "rev " + revision + " " + kvs.values();
    }
  }

  /** The state after a call and the answer etcd gives to it. */
  public record Outcome(State state, KvResponse response) {}

  public static Outcome apply(State s, KvRequest request) {
    if (request instanceof Get g) {
      return new Outcome(s, new KvResponse.GetResult(s.revision, s.kvs.get(g.key())));
    }
    if (request instanceof Txn t) {
      return txn(s, t);
    }
    Batch b = new Batch(s);
    b.run((TxnOp) request);
    State after = b.commit();
    KvResponse r =
        request instanceof Put
            ? new KvResponse.PutResult(after.revision)
            : new KvResponse.DeleteResult(after.revision, ((KvResponse.Deleted) b.results.get(0)).count());
    return new Outcome(after, r);
  }

  /**
   * The state after one revision of a {@link WriteLog}: its events applied as one write at
   * {@code revision} (the log must have no gap, so {@code revision} is one above the state's).
   */
  public static State replay(State s, long revision, List<WriteLog.Event> events) {
    if (revision != s.revision + 1) {
      throw new IllegalArgumentException("replaying revision " + revision + " onto " + s);
    }
    Batch b = new Batch(s);
    for (WriteLog.Event e : events) {
      b.run(e.isPut() ? new Put(e.key(), e.value(), e.lease()) : new Delete(e.key()));
    }
    return b.commit();
  }

  private static Outcome txn(State s, Txn t) {
    boolean succeeded = t.compares().stream().allMatch(c -> holds(s, c));
    Batch b = new Batch(s);
    for (TxnOp op : succeeded ? t.success() : t.failure()) {
      b.run(op);
    }
    State after = b.commit();
    return new Outcome(after, new KvResponse.TxnResult(after.revision, succeeded, b.results));
  }

  static boolean holds(State s, Compare c) {
    KeyValue kv = s.kvs.get(c.key());
    if (c.target() == Compare.Target.VALUE) {
      if (kv == null) {
        return false; // etcd: a value compare on a missing key always fails
      }
      return result(kv.value().compareTo((String) c.operand()), c.result());
    }
    long actual =
        kv == null
            ? 0
            : switch (c.target()) {
              case VERSION -> kv.version();
              case CREATE -> kv.createRevision();
              case MOD -> kv.modRevision();
              case VALUE -> throw new AssertionError();
            };
    return result(Long.compare(actual, (Long) c.operand()), c.result());
  }

  private static boolean result(int cmp, Compare.Result r) {
    return switch (r) {
      case EQUAL -> cmp == 0;
      case NOT_EQUAL -> cmp != 0;
      case GREATER -> cmp > 0;
      case LESS -> cmp < 0;
    };
  }

  /** One write transaction: every write in it takes the same new revision. */
  private static final class Batch {
    private final State base;
    private final long writeRevision;
    private TreeMap<String, KeyValue> kvs; // copied on the first change
    private boolean changed;
    final List<OpResult> results = new ArrayList<>();

    Batch(State base) {
      this.base = base;
      this.writeRevision = base.revision + 1;
    }

    private Map<String, KeyValue> view() {
      return kvs != null ? kvs : base.kvs;
    }

    private TreeMap<String, KeyValue> mutable() {
      if (kvs == null) {
        kvs = new TreeMap<>(base.kvs);
      }
      return kvs;
    }

    void run(TxnOp op) {
      if (op instanceof Get g) {
        results.add(new KvResponse.Got(view().get(g.key())));
      } else if (op instanceof Put p) {
        KeyValue old = view().get(p.key());
        KeyValue kv =
            old == null
                ? new KeyValue(p.key(), p.value(), writeRevision, writeRevision, 1, p.lease())
                : new KeyValue(p.key(), p.value(), old.createRevision(), writeRevision, old.version() + 1, p.lease());
        mutable().put(p.key(), kv);
        changed = true;
        results.add(new KvResponse.Wrote());
      } else {
        Delete d = (Delete) op;
        boolean present = view().containsKey(d.key());
        if (present) {
          mutable().remove(d.key());
          changed = true;
        }
        results.add(new KvResponse.Deleted(present ? 1 : 0));
      }
    }

    State commit() {
      return changed ? new State(writeRevision, Collections.unmodifiableMap(kvs)) : base;
    }
  }
}
