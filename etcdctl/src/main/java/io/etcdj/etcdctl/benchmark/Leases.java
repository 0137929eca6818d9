package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseRevokeRequest;
import io.etcdj.api.etcdserverpb.LeaseRevokeResponse;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What {@code lease-grant} and {@code lease-keepalive} share: the grant and revoke workloads, the
 * unmeasured revoke phase after a run, and the check that turns a server without the Lease service
 * (gRPC UNIMPLEMENTED, as etcdj answered before it served leases) into a clear failure instead of a
 * report of nothing but errors.
 *
 * <p>Lease ids: etcd never grants id 0 ({@code NoLease}), so 0 in an id array means "not granted".
 *
 * <p>Stateless; the workloads' response sinks write distinct array slots from the load loops'
 * callback threads, read by the command's thread after {@link LoadRunner#run} returns.
 */
final class Leases {
  /** etcd's {@code MaxLeaseTTL} (lease/lessor.go): a larger TTL is refused by the server. */
  static final long TTL_SECONDS_MAX = 9_000_000_000L;

  private Leases() {}

  /**
   * {@code LeaseGrant} with {@code ttlSeconds} and a server-chosen id; the granted id of request i
   * goes to {@code ids[i]} when {@code ids} is not null (its length must be at least the total).
   */
  static Workload<LeaseGrantRequest, LeaseGrantResponse> grants(
      String name, long ttlSeconds, long[] ids) {
    if (ttlSeconds <= 0 || ttlSeconds > TTL_SECONDS_MAX) {
      throw new IllegalArgumentException(
          "ttl must be in 1.." + TTL_SECONDS_MAX + " seconds: " + ttlSeconds);
    }
    LeaseGrantRequest request = LeaseGrantRequest.newBuilder().setTTL(ttlSeconds).build();
    Workload.Responses<LeaseGrantResponse> sink =
        ids == null ? null : (index, response) -> ids[(int) index] = response.getID();
    return new Workload<>(name, LeaseGrpc.getLeaseGrantMethod(), index -> request, sink);
  }

  /** {@code LeaseRevoke} of {@code ids[i]} for request i. */
  static Workload<LeaseRevokeRequest, LeaseRevokeResponse> revokes(long[] ids) {
    return new Workload<>(
        "lease-revoke",
        LeaseGrpc.getLeaseRevokeMethod(),
        index -> LeaseRevokeRequest.newBuilder().setID(ids[(int) index]).build());
  }

  /** The non-zero ids, in order. */
  static long[] granted(long[] ids) {
    int count = 0;
    for (long id : ids) {
      count += id == 0 ? 0 : 1;
    }
    long[] granted = new long[count];
    int next = 0;
    for (long id : ids) {
      if (id != 0) {
        granted[next++] = id;
      }
    }
    assert next == count;
    return granted;
  }

  /**
   * Revokes the granted ids from {@code clients} loops over {@code channels}, unmeasured: only a
   * one-line summary goes to {@code err} (stdout stays the report, or one JSON object).
   */
  static void revokeAll(
      String command, List<? extends Channel> channels, int clients, long[] ids, PrintWriter err)
      throws InterruptedException {
    long[] granted = granted(ids);
    if (granted.length == 0) {
      return;
    }
    LoadRunner runner =
        new LoadRunner(channels, clients, granted.length, null, null, System::nanoTime);
    RunResult revoked = runner.run(revokes(granted));
    err.printf(
        Locale.ROOT,
        "%s: revoked %d leases in %.3f s after the measurement%s%n",
        command,
        revoked.successes(),
        revoked.elapsedSeconds(),
        revoked.failures() == 0
            ? ""
            : " (" + revoked.failures() + " failed: " + firstError(revoked) + ")");
    err.flush();
  }

  /** How many requests of the run the server answered with UNIMPLEMENTED. */
  static long unimplemented(RunResult result) {
    String prefix = LoadRunner.errorPrefix(Status.Code.UNIMPLEMENTED);
    long count = 0;
    for (Map.Entry<String, Long> e : result.errorCounts().entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        count += e.getValue();
      }
    }
    return count;
  }

  /**
   * 0, or 1 with a message on {@code err} when the server answered any request of {@code result}
   * with UNIMPLEMENTED: the numbers would then measure an error path, not leases.
   */
  static int exitCode(
      String command, MethodDescriptor<?, ?> method, RunResult result, PrintWriter err) {
    long unimplemented = unimplemented(result);
    if (unimplemented == 0) {
      return 0;
    }
    err.println(unimplementedMessage(command, method, unimplemented, result.requests()));
    err.flush();
    return 1;
  }

  static String unimplementedMessage(
      String command, MethodDescriptor<?, ?> method, long unimplemented, long requests) {
    return "benchmark: "
        + command
        + ": the server answered UNIMPLEMENTED to "
        + unimplemented
        + " of "
        + requests
        + " requests: it does not serve "
        + method.getFullMethodName()
        + " (no lease service?)";
  }

  /** The most frequent error message of a run, for one-line summaries. */
  static String firstError(RunResult result) {
    String top = "";
    long topCount = -1;
    for (Map.Entry<String, Long> e : result.errorCounts().entrySet()) {
      if (e.getValue() > topCount) {
        top = e.getKey();
        topCount = e.getValue();
      }
    }
    return top;
  }
}
