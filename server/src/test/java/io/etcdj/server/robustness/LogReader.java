package io.etcdj.server.robustness;

import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Reads the committed write log of a run after it: a watch on the traffic's prefix from revision
 * 1 on one member, until it has delivered the member's head revision. This is the ground truth
 * the {@link RevisionChecker} replays (the run must not compact).
 */
public final class LogReader {
  private LogReader() {}

  /**
   * The head revision by a linearizable read: every write committed before this call is at or
   * below it.
   */
  public static long head(String endpoint, String prefix, Duration timeout) throws InterruptedException {
    try (Client client = Client.builder().endpoints(endpoint).build()) {
      return head(client, endpoint, prefix, timeout);
    }
  }

  private static long head(Client client, String endpoint, String prefix, Duration timeout) throws InterruptedException {
    try {
      return client.getKVClient()
          .get(JetcdRecorder.bytes(prefix), GetOption.builder().isPrefix(true).withCountOnly(true).build())
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
          .getHeader()
          .getRevision();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("cannot read the head revision from " + endpoint, e);
    }
  }

  public static WriteLog read(String endpoint, String prefix, Duration timeout) throws InterruptedException {
    try (Client client = Client.builder().endpoints(endpoint).build()) {
      long head = head(client, endpoint, prefix, timeout);
      WriteLog log = new WriteLog();
      if (head <= 1) {
        return log;
      }
      List<WriteLog.Event> events = new ArrayList<>();
      CountDownLatch done = new CountDownLatch(1);
      AtomicReference<Throwable> failure = new AtomicReference<>();
      WatchOption opt = WatchOption.builder().withRevision(1).isPrefix(true).build();
      try (Watch.Watcher w =
          client.getWatchClient()
              .watch(
                  JetcdRecorder.bytes(prefix),
                  opt,
                  r -> {
                    synchronized (events) {
                      for (WatchEvent e : r.getEvents()) {
                        io.etcd.jetcd.KeyValue kv = e.getKeyValue();
                        boolean put = e.getEventType() == WatchEvent.EventType.PUT;
                        events.add(
                            new WriteLog.Event(
                                kv.getModRevision(),
                                kv.getKey().toString(StandardCharsets.UTF_8),
                                put ? kv.getValue().toString(StandardCharsets.UTF_8) : null,
                                put ? kv.getLease() : 0));
                        if (kv.getModRevision() >= head) {
                          done.countDown();
                        }
                      }
                    }
                  },
                  t -> {
                    failure.set(t);
                    done.countDown();
                  })) {
        if (!done.await(timeout.toMillis(), TimeUnit.MILLISECONDS) || failure.get() != null) {
          throw new IllegalStateException(
              "watch from revision 1 on " + endpoint + " did not reach revision " + head, failure.get());
        }
      }
      synchronized (events) {
        events.forEach(log::add);
      }
      return log;
    }
  }
}
