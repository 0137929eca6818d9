package io.etcdj.etcdctl.check;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.etcdctl.client.Client;
import io.etcdj.etcdctl.client.GoErrors;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * check.go's put load: one worker thread per client takes puts from a queue as deep as there are
 * clients and makes each as a blocking call without deadline (etcdctl's {@code c.Do(ctx.Background)}),
 * recording its latency or error text. Keys are the prefix and a 256- or 512-byte buffer whose head
 * is a zig-zag varint of a random non-negative int64 ({@code binary.PutVarint} into a reused buffer);
 * values are zero bytes.
 */
final class PutLoad {
  /** A big-enough deadline for a put that etcdctl would wait on forever. */
  static final long PUT_DEADLINE_DAYS = 365;

  private static final PutRequest END = PutRequest.getDefaultInstance();

  private final BlockingQueue<PutRequest> queue;
  private final List<Thread> workers = new ArrayList<>();
  private final LoadStats stats;
  private final Runnable onResult;
  private final byte[] key;
  private final ByteString value;
  private final ByteString prefix;
  private final Random random = new Random();

  PutLoad(List<Client> clients, String prefix, int keyBytes, int valueBytes, LoadStats stats, Runnable onResult) {
    this.queue = new ArrayBlockingQueue<>(clients.size());
    this.stats = stats;
    this.onResult = onResult;
    this.key = new byte[keyBytes];
    this.value = ByteString.copyFrom(new byte[valueBytes]);
    this.prefix = ByteString.copyFromUtf8(prefix);
    for (Client c : clients) {
      Thread t = new Thread(() -> work(c), "etcdctl-check-client");
      t.setDaemon(true);
      workers.add(t);
    }
  }

  void start() {
    for (Thread t : workers) {
      t.start();
    }
  }

  /** Queues the next put with a fresh random key; blocks while every client is busy. Producer only. */
  void putNext() throws InterruptedException {
    putVarint(key, (random.nextLong() >>> 1) % Long.MAX_VALUE);
    queue.put(PutRequest.newBuilder().setKey(prefix.concat(ByteString.copyFrom(key))).setValue(value).build());
  }

  /** No more puts: workers finish what is queued and stop; returns once all have. */
  void closeAndWait() throws InterruptedException {
    for (int i = 0; i < workers.size(); i++) {
      queue.put(END);
    }
    for (Thread t : workers) {
      t.join();
    }
  }

  private void work(Client c) {
    try {
      while (true) {
        PutRequest req = queue.take();
        if (req == END) {
          return;
        }
        long start = System.nanoTime();
        try {
          c.kv(Deadline.after(PUT_DEADLINE_DAYS, TimeUnit.DAYS)).put(req);
          stats.success(System.nanoTime() - start);
        } catch (StatusRuntimeException e) {
          stats.failure(GoErrors.clientError(e));
        }
        onResult.run();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Go's binary.PutVarint: zig-zag, then 7 bits a byte, low first. */
  static int putVarint(byte[] buf, long x) {
    long ux = (x << 1) ^ (x >> 63);
    int i = 0;
    while (Long.compareUnsigned(ux, 0x80) >= 0) {
      buf[i++] = (byte) (ux | 0x80);
      ux >>>= 7;
    }
    buf[i] = (byte) ux;
    return i + 1;
  }
}
