package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark lease-grant} (etcdj's own; etcd's tool has no such command): {@code --total}
 * LeaseGrant calls with {@code --ttl} from {@code --clients} loops, one call in flight per loop
 * like {@code put}. Each grant is a Raft proposal on the server, so this is the lease counterpart
 * of {@code put}.
 *
 * <p>Nothing is revoked while the grants are measured. With {@code --revoke-after} (the default)
 * the granted leases are revoked afterwards, outside the measurement and from the same loops, so
 * rounds of a comparison do not leave thousands of leases to expire under the next round.
 *
 * <p>Exit code 1 when the server answers UNIMPLEMENTED (it serves no Lease service).
 */
@Command(
    name = "lease-grant",
    mixinStandardHelpOptions = true,
    description = "Benchmark lease grant (etcdj addition)")
final class LeaseGrantCommand implements Callable<Integer> {
  /** Granted ids are kept for the revoke: at most 80 MB of them. */
  static final long TOTAL_MAX = 10_000_000;

  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Option(
      names = "--total",
      defaultValue = "10000",
      description = "Total number of lease grant requests (default: ${DEFAULT-VALUE})")
  long total;

  @Option(
      names = "--ttl",
      defaultValue = "60",
      description = "TTL in seconds of each granted lease (default: ${DEFAULT-VALUE})")
  long ttlSeconds;

  @Option(
      names = "--revoke-after",
      negatable = true,
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Revoke the granted leases after the measurement (default: ${DEFAULT-VALUE};"
              + " --no-revoke-after leaves them to expire)")
  boolean revokeAfter;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "Maximum grants per second (0 is no limit)")
  long ratePerSecond;

  @Override
  public Integer call() throws InterruptedException {
    validate();
    long[] ids = revokeAfter ? new long[(int) total] : null;
    Workload<LeaseGrantRequest, LeaseGrantResponse> workload =
        Leases.grants(spec.name(), ttlSeconds, ids);
    return root.withConnections(
        spec,
        channels -> {
          RunResult result = root.measure(spec, channels, workload, total, ratePerSecond);
          if (ids != null) {
            Leases.revokeAll(spec.name(), channels, root.clients, ids, spec.commandLine().getErr());
          }
          return Leases.exitCode(
              spec.name(), LeaseGrpc.getLeaseGrantMethod(), result, spec.commandLine().getErr());
        });
  }

  void validate() {
    if (total <= 0 || total > TOTAL_MAX) {
      throw new ParameterException(spec.commandLine(), "--total must be in 1.." + TOTAL_MAX);
    }
    if (ttlSeconds <= 0 || ttlSeconds > Leases.TTL_SECONDS_MAX) {
      throw new ParameterException(
          spec.commandLine(), "--ttl must be in 1.." + Leases.TTL_SECONDS_MAX + " seconds");
    }
    if (ratePerSecond < 0) {
      throw new ParameterException(spec.commandLine(), "--rate must not be negative");
    }
  }
}
