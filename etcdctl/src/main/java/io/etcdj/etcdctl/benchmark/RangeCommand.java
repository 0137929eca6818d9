package io.etcdj.etcdctl.benchmark;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code benchmark range key [end-range]}: the same range request, {@code --total} times. */
@Command(name = "range", mixinStandardHelpOptions = true, description = "Benchmark range")
final class RangeCommand implements Callable<Integer> {
  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "key", description = "Key, or start of the range")
  String key;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "end-range",
      description = "End of the range (exclusive); absent for a single key")
  String end;

  @Option(names = "--total", defaultValue = "10000", description = "Total number of range requests")
  long total;

  @Option(
      names = "--consistency",
      defaultValue = "l",
      description = "Linearizable(l) or Serializable(s)")
  String consistency;

  @Option(names = "--limit", defaultValue = "0", description = "Maximum keys per range (0 = all)")
  long limit;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "Maximum range requests per second (0 is no limit)")
  long ratePerSecond;

  @Override
  public Integer call() throws InterruptedException {
    Workload<RangeRequest, RangeResponse> workload = workload();
    if (!root.json) {
      spec.commandLine()
          .getOut()
          .println("bench with " + (serializable() ? "serializable" : "linearizable") + " range");
    }
    return root.runWorkload(spec, workload, total, ratePerSecond);
  }

  boolean serializable() {
    return consistency.equals("s");
  }

  Workload<RangeRequest, RangeResponse> workload() {
    if (!consistency.equals("l") && !consistency.equals("s")) {
      throw new ParameterException(
          spec.commandLine(), "--consistency must be l or s, got " + consistency);
    }
    if (total <= 0 || limit < 0 || ratePerSecond < 0) {
      throw new ParameterException(
          spec.commandLine(), "--total must be positive, --limit and --rate not negative");
    }
    RangeRequest.Builder builder =
        RangeRequest.newBuilder()
            .setKey(ByteString.copyFromUtf8(key))
            .setSerializable(serializable())
            .setLimit(limit);
    if (end != null) {
      builder.setRangeEnd(ByteString.copyFromUtf8(end));
    }
    RangeRequest request = builder.build();
    // Protobuf messages are immutable: one instance serves every request.
    return new Workload<>("range", KVGrpc.getRangeMethod(), index -> request);
  }
}
