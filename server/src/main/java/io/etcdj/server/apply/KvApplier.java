package io.etcdj.server.apply;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.DeleteRangeResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.ResponseOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.TxnResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.etcdj.server.errors.EtcdError;
import io.etcdj.storage.mvcc.CompactedException;
import io.etcdj.storage.mvcc.FutureRevisionException;
import io.etcdj.storage.mvcc.RangeOptions;
import io.etcdj.storage.mvcc.RangeResult;
import io.etcdj.storage.mvcc.TxnRead;
import io.etcdj.storage.mvcc.TxnWrite;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The meaning of KV requests over the MVCC store (etcd's {@code applierV3backend}): Range options
 * (sort, filters, limit/more, keys_only), Put's prev_kv and ignore_* flags, DeleteRange, and Txn
 * compares and branches. Responses carry a header with only the revision; the gRPC layer fills in
 * cluster id, member id and term.
 *
 * <p>Writes run on the apply thread inside a {@link TxnWrite}; reads and read-only txns run on
 * any thread over a {@link TxnRead}. Stateless apart from the lease lookup.
 */
public final class KvApplier {
  private static final byte[] NO_END = new byte[0];

  private final Leases leases;

  public KvApplier(Leases leases) {
    this.leases = leases;
  }

  // ------------------------------------------------------------------ Range

  public RangeResponse range(TxnRead view, RangeRequest r) {
    boolean fetchAll =
        r.getSortOrder() != RangeRequest.SortOrder.NONE
            || r.getMinModRevision() != 0
            || r.getMaxModRevision() != 0
            || r.getMinCreateRevision() != 0
            || r.getMaxCreateRevision() != 0;
    long limit = fetchAll ? 0 : r.getLimit();
    if (limit > 0) {
      limit++; // one more than asked tells whether there is "more"
    }
    RangeResult rr =
        view.range(
            bytes(r.getKey()),
            bytes(r.getRangeEnd()),
            new RangeOptions(limit, r.getRevision(), r.getCountOnly()));

    List<KeyValue> kvs = rr.kvs();
    if (r.getMaxModRevision() != 0 || r.getMinModRevision() != 0
        || r.getMaxCreateRevision() != 0 || r.getMinCreateRevision() != 0) {
      kvs = filter(kvs, r);
    }
    RangeRequest.SortOrder order = r.getSortOrder();
    if (r.getSortTarget() != RangeRequest.SortTarget.KEY && order == RangeRequest.SortOrder.NONE) {
      order = RangeRequest.SortOrder.ASCEND; // the store returns key order; other targets sort up
    }
    if (order == RangeRequest.SortOrder.ASCEND || order == RangeRequest.SortOrder.DESCEND) {
      Comparator<KeyValue> cmp = comparator(r.getSortTarget());
      if (order == RangeRequest.SortOrder.DESCEND) {
        cmp = cmp.reversed();
      }
      kvs = new ArrayList<>(kvs);
      kvs.sort(cmp);
    }
    boolean more = false;
    if (r.getLimit() > 0 && kvs.size() > r.getLimit()) {
      kvs = kvs.subList(0, (int) r.getLimit());
      more = true;
    }
    RangeResponse.Builder resp =
        RangeResponse.newBuilder()
            .setHeader(ResponseHeader.newBuilder().setRevision(rr.rev()))
            .setCount(rr.count())
            .setMore(more);
    for (KeyValue kv : kvs) {
      resp.addKvs(r.getKeysOnly() ? kv.toBuilder().clearValue().build() : kv);
    }
    return resp.build();
  }

  private static List<KeyValue> filter(List<KeyValue> kvs, RangeRequest r) {
    List<KeyValue> out = new ArrayList<>(kvs.size());
    for (KeyValue kv : kvs) {
      if (r.getMaxModRevision() != 0 && kv.getModRevision() > r.getMaxModRevision()) {
        continue;
      }
      if (r.getMinModRevision() != 0 && kv.getModRevision() < r.getMinModRevision()) {
        continue;
      }
      if (r.getMaxCreateRevision() != 0 && kv.getCreateRevision() > r.getMaxCreateRevision()) {
        continue;
      }
      if (r.getMinCreateRevision() != 0 && kv.getCreateRevision() < r.getMinCreateRevision()) {
        continue;
      }
      out.add(kv);
    }
    return out;
  }

  private static Comparator<KeyValue> comparator(RangeRequest.SortTarget target) {
    return switch (target) {
      case VERSION -> Comparator.comparingLong(KeyValue::getVersion);
      case CREATE -> Comparator.comparingLong(KeyValue::getCreateRevision);
      case MOD -> Comparator.comparingLong(KeyValue::getModRevision);
      case VALUE -> (a, b) -> RequestChecks.compare(a.getValue(), b.getValue());
      // KEY, and values unknown to this version, sort by key as etcd's default does.
      default -> (a, b) -> RequestChecks.compare(a.getKey(), b.getKey());
    };
  }

  // ------------------------------------------------------------------ Put / DeleteRange

  public PutResponse put(TxnWrite txn, PutRequest p) {
    long lease = p.getLease();
    if (lease != 0 && !leases.exists(lease)) {
      throw EtcdError.LEASE_NOT_FOUND.exception();
    }
    return doPut(txn, p);
  }

  private PutResponse doPut(TxnWrite txn, PutRequest p) {
    PutResponse.Builder resp = PutResponse.newBuilder();
    byte[] key = bytes(p.getKey());
    ByteString value = p.getValue();
    long lease = p.getLease();
    if (p.getIgnoreValue() || p.getIgnoreLease() || p.getPrevKv()) {
      List<KeyValue> prev = txn.range(key, NO_END, RangeOptions.LATEST).kvs();
      if ((p.getIgnoreValue() || p.getIgnoreLease()) && prev.isEmpty()) {
        throw EtcdError.KEY_NOT_FOUND.exception();
      }
      if (!prev.isEmpty()) {
        KeyValue old = prev.get(0);
        if (p.getIgnoreValue()) {
          value = old.getValue();
        }
        if (p.getIgnoreLease()) {
          lease = old.getLease();
        }
        if (p.getPrevKv()) {
          resp.setPrevKv(old);
        }
      }
    }
    long rev = txn.put(key, value.toByteArray(), lease);
    return resp.setHeader(ResponseHeader.newBuilder().setRevision(rev)).build();
  }

  public DeleteRangeResponse deleteRange(TxnWrite txn, DeleteRangeRequest d) {
    DeleteRangeResponse.Builder resp = DeleteRangeResponse.newBuilder();
    byte[] key = bytes(d.getKey());
    byte[] end = bytes(d.getRangeEnd());
    if (d.getPrevKv()) {
      resp.addAllPrevKvs(txn.range(key, end, RangeOptions.LATEST).kvs());
    }
    long deleted = txn.deleteRange(key, end);
    return resp.setDeleted(deleted)
        .setHeader(ResponseHeader.newBuilder().setRevision(txn.rev()))
        .build();
  }

  // ------------------------------------------------------------------ Txn

  /** True when no branch, at any depth, puts or deletes: such a txn needs no consensus. */
  public static boolean isReadOnly(TxnRequest r) {
    return readOnly(r.getSuccessList()) && readOnly(r.getFailureList());
  }

  /** True when every op, at any depth, is a serializable range (etcd's isTxnSerializable). */
  public static boolean isSerializable(TxnRequest r) {
    return serializable(r.getSuccessList()) && serializable(r.getFailureList());
  }

  private static boolean serializable(List<RequestOp> ops) {
    for (RequestOp op : ops) {
      boolean ok =
          switch (op.getRequestCase()) {
            case REQUEST_RANGE -> op.getRequestRange().getSerializable();
            case REQUEST_TXN -> isSerializable(op.getRequestTxn());
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean readOnly(List<RequestOp> ops) {
    for (RequestOp op : ops) {
      switch (op.getRequestCase()) {
        case REQUEST_PUT, REQUEST_DELETE_RANGE -> {
          return false;
        }
        case REQUEST_TXN -> {
          if (!isReadOnly(op.getRequestTxn())) {
            return false;
          }
        }
        default -> {}
      }
    }
    return true;
  }

  /**
   * Runs a txn. {@code view} must be a {@link TxnWrite} unless {@link #isReadOnly} holds. All
   * checks that can fail (leases, ignore_* keys, range revisions) run on the chosen path before
   * the first write, so a failing txn changes nothing.
   */
  public TxnResponse txn(TxnRead view, TxnRequest r) {
    List<Boolean> path = new ArrayList<>();
    choosePath(view, r, path);
    if (view instanceof TxnWrite tw) {
      checkPuts(tw, r, path, new int[] {0});
    }
    checkRanges(view, r, path, new int[] {0});
    if (!isReadOnly(r)) {
      view.reportOps(); // etcd ends the read txn of the compares before its write txn
    }
    TxnResponse.Builder resp = execute(view, r, path, new int[] {0});
    return resp.setHeader(ResponseHeader.newBuilder().setRevision(view.rev())).build();
  }

  /** Evaluates the compares of r and of every nested txn on the chosen branches, depth first. */
  private static void choosePath(TxnRead view, TxnRequest r, List<Boolean> path) {
    boolean ok = true;
    for (Compare c : r.getCompareList()) {
      if (!compare(view, c)) {
        ok = false;
        break;
      }
    }
    path.add(ok);
    for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestTxn()) {
        choosePath(view, op.getRequestTxn(), path);
      }
    }
  }

  private static boolean compare(TxnRead view, Compare c) {
    // At the view's own revision a range can be neither compacted nor in the future.
    List<KeyValue> kvs =
        view.range(bytes(c.getKey()), bytes(c.getRangeEnd()), RangeOptions.LATEST).kvs();
    if (kvs.isEmpty()) {
      // A missing key has no value to compare (proto cannot tell "" from absent), so VALUE
      // compares fail; other targets compare against zero.
      return c.getTarget() != Compare.CompareTarget.VALUE
          && compareKv(c, KeyValue.getDefaultInstance());
    }
    for (KeyValue kv : kvs) {
      if (!compareKv(c, kv)) {
        return false;
      }
    }
    return true;
  }

  private static boolean compareKv(Compare c, KeyValue kv) {
    int result;
    switch (c.getTarget()) {
      case VALUE -> {
        ByteString v =
            c.getTargetUnionCase() == Compare.TargetUnionCase.VALUE ? c.getValue() : ByteString.EMPTY;
        result = RequestChecks.compare(kv.getValue(), v);
      }
      case CREATE -> result = Long.compare(kv.getCreateRevision(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.CREATE_REVISION ? c.getCreateRevision() : 0);
      case MOD -> result = Long.compare(kv.getModRevision(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.MOD_REVISION ? c.getModRevision() : 0);
      case VERSION -> result = Long.compare(kv.getVersion(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.VERSION ? c.getVersion() : 0);
      case LEASE -> result = Long.compare(kv.getLease(),
          c.getTargetUnionCase() == Compare.TargetUnionCase.LEASE ? c.getLease() : 0);
      default -> result = 0;
    }
    return switch (c.getResult()) {
      case EQUAL -> result == 0;
      case NOT_EQUAL -> result != 0;
      case GREATER -> result > 0;
      case LESS -> result < 0;
      default -> true;
    };
  }

  private void checkPuts(TxnWrite tw, TxnRequest r, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestPut()) {
        PutRequest p = op.getRequestPut();
        if (p.getLease() != 0 && !leases.exists(p.getLease())) {
          throw EtcdError.LEASE_NOT_FOUND.exception();
        }
        if ((p.getIgnoreValue() || p.getIgnoreLease())
            && tw.range(bytes(p.getKey()), NO_END, RangeOptions.LATEST).kvs().isEmpty()) {
          throw EtcdError.KEY_NOT_FOUND.exception();
        }
      } else if (op.hasRequestTxn()) {
        checkPuts(tw, op.getRequestTxn(), path, at);
      }
    }
  }

  private static void checkRanges(TxnRead view, TxnRequest r, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
      if (op.hasRequestRange()) {
        long rev = op.getRequestRange().getRevision();
        if (rev == 0) {
          continue;
        }
        if (rev > view.rev()) {
          throw new FutureRevisionException();
        }
        if (rev < view.compactRev()) {
          throw new CompactedException();
        }
      } else if (op.hasRequestTxn()) {
        checkRanges(view, op.getRequestTxn(), path, at);
      }
    }
  }

  private TxnResponse.Builder execute(TxnRead view, TxnRequest r, List<Boolean> path, int[] at) {
    boolean ok = path.get(at[0]++);
    TxnResponse.Builder resp = TxnResponse.newBuilder().setSucceeded(ok);
    for (RequestOp op : ok ? r.getSuccessList() : r.getFailureList()) {
      ResponseOp.Builder out = ResponseOp.newBuilder();
      switch (op.getRequestCase()) {
        case REQUEST_RANGE -> out.setResponseRange(range(view, op.getRequestRange()));
        case REQUEST_PUT -> out.setResponsePut(doPut((TxnWrite) view, op.getRequestPut()));
        case REQUEST_DELETE_RANGE ->
            out.setResponseDeleteRange(deleteRange((TxnWrite) view, op.getRequestDeleteRange()));
        case REQUEST_TXN -> out.setResponseTxn(
            execute(view, op.getRequestTxn(), path, at).setHeader(ResponseHeader.getDefaultInstance()));
        default -> throw EtcdError.KEY_NOT_FOUND.exception();
      }
      resp.addResponses(out);
    }
    return resp;
  }

  private static byte[] bytes(ByteString b) {
    return b.isEmpty() ? NO_END : b.toByteArray();
  }
}
