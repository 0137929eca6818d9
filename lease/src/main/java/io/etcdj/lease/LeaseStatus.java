package io.etcdj.lease;

import com.google.protobuf.ByteString;
import java.util.List;

/**
 * A lease as time-to-live reports it: the granted TTL, the remaining whole seconds (truncated as
 * etcd's {@code int64(Remaining().Seconds())}; a huge number on a member that keeps no lease time)
 * and the attached keys in key order.
 */
public record LeaseStatus(
    long leaseId, long grantedTtlSeconds, long remainingSeconds, List<ByteString> keys) {}
