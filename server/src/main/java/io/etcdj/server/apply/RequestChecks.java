package io.etcdj.server.apply;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.server.errors.EtcdError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Stateless checks of client requests done before anything is proposed, as etcd's {@code
 * v3rpc/key.go} does: empty keys, ignore_* combinations, the txn op limit and duplicate keys in a
 * txn branch. They throw {@link io.etcdj.server.errors.EtcdException}.
 */
public final class RequestChecks {
  private RequestChecks() {}

  /**
   * The deepest protobuf nesting a request may have: a txn nested as deep as {@code maxTxnOps}
   * allows (see {@link #checkTxn}) is two messages per level (TxnRequest, RequestOp) plus its
   * innermost op, well inside this. Anything deeper is a txn etcd refuses with "too many operations
   * in txn request", and the bound keeps the parser and the apply step's recursion off the end of
   * the stack.
   */
  public static int messageDepthMax(int maxTxnOps) {
    return 2 * maxTxnOps + 16;
  }

  public static void checkRange(RangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdError.EMPTY_KEY.exception();
    }
  }

  public static void checkPut(PutRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdError.EMPTY_KEY.exception();
    }
    if (r.getIgnoreValue() && !r.getValue().isEmpty()) {
      throw EtcdError.VALUE_PROVIDED.exception();
    }
    if (r.getIgnoreLease() && r.getLease() != 0) {
      throw EtcdError.LEASE_PROVIDED.exception();
    }
  }

  public static void checkDelete(DeleteRangeRequest r) {
    if (r.getKey().isEmpty()) {
      throw EtcdError.EMPTY_KEY.exception();
    }
  }

  /** The whole txn check: op limits and keys at every level, then duplicate keys per branch. */
  public static void checkTxn(TxnRequest r, int maxTxnOps) {
    checkTxnOps(r, maxTxnOps);
    checkIntervals(r.getSuccessList());
    checkIntervals(r.getFailureList());
  }

  /**
   * The op limit of one txn level. As in etcd, a nested txn gets what its parent left of the
   * budget ({@code maxTxnOps} minus the parent's own count), so nesting is bounded too: 127 levels
   * of one op each pass the default 128, 128 levels do not (checked live).
   */
  private static void checkTxnOps(TxnRequest r, int maxTxnOps) {
    int ops = Math.max(r.getCompareCount(), Math.max(r.getSuccessCount(), r.getFailureCount()));
    if (ops > maxTxnOps) {
      throw EtcdError.TOO_MANY_OPS.exception();
    }
    for (Compare c : r.getCompareList()) {
      if (c.getKey().isEmpty()) {
        throw EtcdError.EMPTY_KEY.exception();
      }
    }
    for (RequestOp op : r.getSuccessList()) {
      checkOp(op, maxTxnOps - ops);
    }
    for (RequestOp op : r.getFailureList()) {
      checkOp(op, maxTxnOps - ops);
    }
  }

  private static void checkOp(RequestOp op, int maxTxnOps) {
    switch (op.getRequestCase()) {
      case REQUEST_RANGE -> checkRange(op.getRequestRange());
      case REQUEST_PUT -> checkPut(op.getRequestPut());
      case REQUEST_DELETE_RANGE -> checkDelete(op.getRequestDeleteRange());
      case REQUEST_TXN -> checkTxnOps(op.getRequestTxn(), maxTxnOps);
      // etcd answers an empty op with "key not found".
      case REQUEST_NOT_SET -> throw EtcdError.KEY_NOT_FOUND.exception();
    }
  }

  /** Puts and deletes of one branch, as collected by {@link #checkIntervals}. */
  private record Writes(Set<ByteString> puts, List<Interval> dels) {}

  /** A deleted range [begin, end) or a single key when end is empty. */
  private record Interval(ByteString begin, ByteString end) {
    boolean contains(ByteString key) {
      if (end.isEmpty()) {
        return begin.equals(key);
      }
      // An end below the begin (e.g. "\0" for from-key) is an empty interval, as in etcd.
      return compare(begin, key) <= 0 && compare(key, end) < 0;
    }
  }

  /**
   * Rejects a branch that writes one key twice or puts a key inside a range it deletes; nested
   * txns count, but their success and failure branches may put the same key (only one runs).
   */
  private static Writes checkIntervals(List<RequestOp> ops) {
    List<Interval> dels = new ArrayList<>();
    for (RequestOp op : ops) {
      if (op.hasRequestDeleteRange()) {
        DeleteRangeRequest d = op.getRequestDeleteRange();
        dels.add(new Interval(d.getKey(), d.getRangeEnd()));
      }
    }
    Set<ByteString> puts = new HashSet<>();
    for (RequestOp op : ops) {
      if (!op.hasRequestTxn()) {
        continue;
      }
      Writes then = checkIntervals(op.getRequestTxn().getSuccessList());
      Writes otherwise = checkIntervals(op.getRequestTxn().getFailureList());
      for (ByteString k : then.puts()) {
        if (puts.contains(k) || deleted(dels, k)) {
          throw EtcdError.DUPLICATE_KEY.exception();
        }
        puts.add(k);
      }
      for (ByteString k : otherwise.puts()) {
        if ((puts.contains(k) && !then.puts().contains(k)) || deleted(dels, k)) {
          throw EtcdError.DUPLICATE_KEY.exception();
        }
        puts.add(k);
      }
      dels.addAll(then.dels());
      dels.addAll(otherwise.dels());
    }
    for (RequestOp op : ops) {
      if (!op.hasRequestPut()) {
        continue;
      }
      ByteString k = op.getRequestPut().getKey();
      if (puts.contains(k) || deleted(dels, k)) {
        throw EtcdError.DUPLICATE_KEY.exception();
      }
      puts.add(k);
    }
    return new Writes(puts, dels);
  }

  private static boolean deleted(List<Interval> dels, ByteString key) {
    for (Interval iv : dels) {
      if (iv.contains(key)) {
        return true;
      }
    }
    return false;
  }

  static int compare(ByteString a, ByteString b) {
    return ByteString.unsignedLexicographicalComparator().compare(a, b);
  }
}
