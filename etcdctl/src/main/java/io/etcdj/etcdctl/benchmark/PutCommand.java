package io.etcdj.etcdctl.benchmark;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code benchmark put}: etcd's put benchmark (one random value, keys from {@link PutKeys}). */
@Command(name = "put", mixinStandardHelpOptions = true, description = "Benchmark put")
final class PutCommand implements Callable<Integer> {
  static final int KEY_BYTES_MAX = 1 << 20;
  static final int VALUE_BYTES_MAX = 64 << 20;

  @ParentCommand Benchmark root;
  @Spec CommandSpec spec;

  @Option(names = "--total", defaultValue = "10000", description = "Total number of put requests")
  long total;

  @Option(names = "--key-size", defaultValue = "8", description = "Key size of put request")
  int keySizeBytes;

  @Option(names = "--val-size", defaultValue = "8", description = "Value size of put request")
  int valueSizeBytes;

  @Option(names = "--key-space-size", defaultValue = "1", description = "Maximum possible keys")
  long keySpaceSize;

  @Option(names = "--sequential-keys", description = "Use sequential keys")
  boolean sequentialKeys;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "Maximum puts per second (0 is no limit)")
  long ratePerSecond;

  @Option(
      names = "--seed",
      defaultValue = "1",
      description = "Seed for the random value and random keys (etcdj addition; runs repeat)")
  long seed;

  @Override
  public Integer call() throws InterruptedException {
    return root.runWorkload(spec, workload(), total, ratePerSecond);
  }

  Workload<PutRequest, PutResponse> workload() {
    if (total <= 0) {
      throw new ParameterException(spec.commandLine(), "--total must be positive");
    }
    if (keySizeBytes <= 0 || keySizeBytes > KEY_BYTES_MAX) {
      throw new ParameterException(spec.commandLine(), "--key-size must be in 1.." + KEY_BYTES_MAX);
    }
    if (valueSizeBytes < 0 || valueSizeBytes > VALUE_BYTES_MAX) {
      throw new ParameterException(
          spec.commandLine(), "--val-size must be in 0.." + VALUE_BYTES_MAX);
    }
    if (ratePerSecond < 0) {
      throw new ParameterException(spec.commandLine(), "--rate must not be negative");
    }
    PutKeys keys;
    try {
      keys = new PutKeys(keySizeBytes, keySpaceSize, sequentialKeys, seed);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return workload(keys, randomValue(valueSizeBytes, seed));
  }

  static Workload<PutRequest, PutResponse> workload(PutKeys keys, ByteString value) {
    // Every request shares the one value; only the key is built per request.
    return new Workload<>(
        "put",
        KVGrpc.getPutMethod(),
        index ->
            PutRequest.newBuilder()
                .setKey(ByteString.copyFrom(keys.key(index)))
                .setValue(value)
                .build());
  }

  static ByteString randomValue(int sizeBytes, long seed) {
    byte[] value = new byte[sizeBytes];
    new SplittableRandom(seed ^ 0x5DEECE66DL).nextBytes(value);
    return ByteString.copyFrom(value);
  }
}
