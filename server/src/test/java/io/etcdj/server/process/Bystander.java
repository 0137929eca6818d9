package io.etcdj.server.process;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A well-behaved client beside an abusive one: one put at a time on its own connection, timing
 * each, so that a p99 before and during some abuse shows what the abuse costs everyone else. Its
 * keys are under {@code /bystander/}; it checks the last of them reads back. Confined to one thread.
 */
final class Bystander implements AutoCloseable {
  /** Enough calls that p99 is the 4th-worst, not one unlucky scheduling hiccup. */
  static final int PUTS = 400;

  private final ManagedChannel channel;
  private final KVGrpc.KVBlockingStub kv;
  private final ByteString value;
  private int next;

  Bystander(EtcdProcess server, int valueBytes) {
    this.channel = NettyChannelBuilder.forTarget(server.endpoint()).usePlaintext().build();
    this.kv = KVGrpc.newBlockingStub(channel);
    this.value = ByteString.copyFrom(new byte[valueBytes]);
  }

  /** {@link #PUTS} puts one after another; their p99 latency in nanoseconds. */
  long p99Nanos() {
    long[] latencies = new long[PUTS];
    String last = null;
    for (int i = 0; i < PUTS; i++) {
      last = "/bystander/" + next++;
      long start = System.nanoTime();
      kv.withDeadlineAfter(10, TimeUnit.SECONDS)
          .put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(last)).setValue(value).build());
      latencies[i] = System.nanoTime() - start;
    }
    RangeResponse r =
        kv.withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(last)).build());
    if (r.getCount() != 1 || !r.getKvs(0).getValue().equals(value)) {
      throw new AssertionError("the bystander's last put did not read back: " + r);
    }
    Arrays.sort(latencies);
    return latencies[(int) Math.ceil(PUTS * 0.99) - 1];
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /**
   * The heap a JVM holds live after a full GC, in MiB, read with jcmd: what its RSS cannot show,
   * since a JVM keeps the pages its heap once grew to.
   */
  static long liveHeapMiB(long pid) throws java.io.IOException, InterruptedException {
    jcmd(pid, "GC.run");
    String info = jcmd(pid, "GC.heap_info");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(info);
    long usedKiB = 0;
    while (m.find()) {
      usedKiB = Math.max(usedKiB, Long.parseLong(m.group(1)));
    }
    if (usedKiB == 0) {
      throw new AssertionError("no heap figure in:\n" + info);
    }
    return usedKiB / 1024;
  }

  private static String jcmd(long pid, String command) throws java.io.IOException, InterruptedException {
    Process p = new ProcessBuilder("jcmd", Long.toString(pid), command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(30, TimeUnit.SECONDS);
    return out;
  }

  /** The resident set of process {@code pid} in KiB, from /proc (etcd and etcdj's JVM alike). */
  static long rssKiB(long pid) {
    try {
      for (String line : Files.readAllLines(Paths.get("/proc/" + pid + "/status"), StandardCharsets.US_ASCII)) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", ""));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new AssertionError("no VmRSS for pid " + pid);
  }
}
