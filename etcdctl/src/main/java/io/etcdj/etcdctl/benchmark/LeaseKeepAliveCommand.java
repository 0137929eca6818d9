package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.grpc.ManagedChannel;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code benchmark lease-keepalive}: etcd's {@code tools/benchmark/cmd/lease.go}. Each of the
 * {@code --clients} loops is granted one lease (TTL 100 s, as etcd's tool), then the loops send
 * {@code --total} keepalives between them, one at a time per loop, and the report times each
 * keepalive from request to response (see {@link KeepAliveRunner}).
 *
 * <p>Differences from etcd's tool: the grants happen before the clock starts (etcd's total time
 * includes them); a failed grant ends the command with exit code 1 (etcd panics); with {@code
 * --revoke-after} (the default) the leases are revoked after the measurement. etcdj additions:
 * {@code --one-stream} (one LeaseKeepAlive stream per loop, as clientv3's {@code KeepAlive},
 * instead of one per keepalive, as its {@code KeepAliveOnce} that etcd's tool calls) and {@code
 * --revoke-after}.
 *
 * <p>Exit code 1 when the server answers UNIMPLEMENTED (it serves no Lease service).
 */
@Command(
    name = "lease-keepalive",
    mixinStandardHelpOptions = true,
    description = "Benchmark lease keepalive")
final class LeaseKeepAliveCommand implements Callable<Integer> {
  /** The TTL etcd's tool grants its leases with. */
  static final long GRANT_TTL_SECONDS = 100;

  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Option(
      names = "--total",
      defaultValue = "10000",
      description = "Total number of lease keepalive requests (default: ${DEFAULT-VALUE})")
  long total;

  @Option(
      names = "--one-stream",
      description =
          "Send each client's keepalives on one long-lived stream, as clientv3's KeepAlive does,"
              + " instead of a stream per keepalive as etcd's benchmark (etcdj addition)")
  boolean oneStream;

  @Option(
      names = "--revoke-after",
      negatable = true,
      arity = "0..1",
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "Revoke the clients' leases after the measurement (etcdj addition; default:"
              + " ${DEFAULT-VALUE}; --no-revoke-after leaves them to expire)")
  boolean revokeAfter;

  @Override
  public Integer call() throws InterruptedException {
    validate();
    return root.withConnections(spec, this::run);
  }

  private int run(List<ManagedChannel> channels) throws InterruptedException {
    PrintWriter err = spec.commandLine().getErr();
    long[] ids = new long[root.clients];
    RunResult grants =
        new LoadRunner(channels, root.clients, root.clients, null, null, System::nanoTime)
            .run(Leases.grants("lease-keepalive-grant", GRANT_TTL_SECONDS, ids));
    if (grants.failures() > 0) {
      reportFailedGrants(grants, err);
      if (revokeAfter) {
        Leases.revokeAll(spec.name(), channels, root.clients, ids, err);
      }
      return 1;
    }
    KeepAliveRunner runner = new KeepAliveRunner(channels, ids, total, oneStream, System::nanoTime);
    long cpuStartNanos = Benchmark.processCpuNanos();
    RunResult result = runner.run();
    root.print(spec, spec.name(), result, cpuStartNanos);
    if (revokeAfter) {
      Leases.revokeAll(spec.name(), channels, root.clients, ids, err);
    }
    return Leases.exitCode(spec.name(), LeaseGrpc.getLeaseKeepAliveMethod(), result, err);
  }

  private void reportFailedGrants(RunResult grants, PrintWriter err) {
    long unimplemented = Leases.unimplemented(grants);
    if (unimplemented > 0) {
      err.println(
          Leases.unimplementedMessage(
              spec.name(), LeaseGrpc.getLeaseGrantMethod(), unimplemented, grants.requests()));
    } else {
      err.println(
          "benchmark: "
              + spec.name()
              + ": "
              + grants.failures()
              + " of "
              + grants.requests()
              + " lease grants failed before the keepalives: "
              + Leases.firstError(grants));
    }
    err.flush();
  }

  void validate() {
    if (total <= 0) {
      throw new ParameterException(spec.commandLine(), "--total must be positive");
    }
  }
}
