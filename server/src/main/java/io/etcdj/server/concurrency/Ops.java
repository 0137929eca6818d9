package io.etcdj.server.concurrency;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.Compare;
import io.etcdj.api.etcdserverpb.DeleteRangeRequest;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;

/**
 * The requests the recipes send, built exactly as clientv3's {@code op.go} builds them for the
 * options etcd's {@code concurrency} package uses, so the server sees the same requests from
 * etcdj as from etcd. Stateless.
 */
final class Ops {
  static final ByteString SLASH = ByteString.copyFromUtf8("/");

  private Ops() {}

  /** The key a session owns under {@code prefix}: the prefix and the lease id in lower-case hex. */
  static ByteString ownKey(ByteString prefix, long leaseId) {
    return prefix.concat(ByteString.copyFromUtf8(goHex(leaseId)));
  }

  /** Go's {@code %x} of an int64: lower-case hex, a minus sign for negative values. */
  static String goHex(long value) {
    // -Long.MIN_VALUE overflows to itself, whose unsigned hex is the magnitude Go prints.
    return value < 0 ? "-" + Long.toHexString(-value) : Long.toHexString(value);
  }

  /** clientv3's {@code GetPrefixRangeEnd}: the first key after every key starting with prefix. */
  static ByteString prefixEnd(ByteString prefix) {
    byte[] end = prefix.toByteArray();
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return ByteString.copyFrom(end, 0, i + 1);
      }
    }
    // Only 0xff bytes (or empty): no key is greater, so read to the end of the keyspace.
    return ByteString.copyFrom(new byte[] {0});
  }

  /** {@code Compare(CreateRevision(key), "=", rev)}. */
  static Compare createRevisionIs(ByteString key, long rev) {
    return Compare.newBuilder()
        .setResult(Compare.CompareResult.EQUAL)
        .setTarget(Compare.CompareTarget.CREATE)
        .setKey(key)
        .setCreateRevision(rev)
        .build();
  }

  static RequestOp put(ByteString key, ByteString value, long leaseId) {
    return RequestOp.newBuilder()
        .setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value).setLease(leaseId))
        .build();
  }

  static RequestOp get(ByteString key) {
    return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)).build();
  }

  static RequestOp range(RangeRequest range) {
    return RequestOp.newBuilder().setRequestRange(range).build();
  }

  static RequestOp delete(ByteString key) {
    return RequestOp.newBuilder()
        .setRequestDeleteRange(DeleteRangeRequest.newBuilder().setKey(key))
        .build();
  }

  /** {@code Get(prefix, WithFirstCreate()...)}: the key under prefix created first. */
  static RangeRequest firstCreated(ByteString prefix) {
    return top(prefix, RangeRequest.SortOrder.ASCEND).build();
  }

  /**
   * {@code Get(prefix, WithLastCreate()..., WithMaxCreateRev(maxCreateRev))}: the key under prefix
   * created last at or before maxCreateRev.
   */
  static RangeRequest lastCreatedUpTo(ByteString prefix, long maxCreateRev) {
    return top(prefix, RangeRequest.SortOrder.DESCEND).setMaxCreateRevision(maxCreateRev).build();
  }

  private static RangeRequest.Builder top(ByteString prefix, RangeRequest.SortOrder order) {
    return RangeRequest.newBuilder()
        .setKey(prefix)
        .setRangeEnd(prefixEnd(prefix))
        .setSortTarget(RangeRequest.SortTarget.CREATE)
        .setSortOrder(order)
        .setLimit(1);
  }

  /** {@code Watch(key, WithRev(rev))}. */
  static WatchCreateRequest watchKey(ByteString key, long startRevision) {
    return WatchCreateRequest.newBuilder().setKey(key).setStartRevision(startRevision).build();
  }

  /** {@code Watch(prefix, WithRev(rev), WithPrefix())}. */
  static WatchCreateRequest watchPrefix(ByteString prefix, long startRevision) {
    return WatchCreateRequest.newBuilder()
        .setKey(prefix)
        .setRangeEnd(prefixEnd(prefix))
        .setStartRevision(startRevision)
        .build();
  }
}
