package io.etcdj.etcdctl.client.h2;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The one timer thread of the transport (deadlines, keepalive pings, connect retries), a daemon
 * so it never holds the CLI's JVM open. Timer tasks only flip state and write small frames.
 */
final class Timers {
  private Timers() {}

  private static final class Holder {
    static final ScheduledThreadPoolExecutor TIMER = create();

    private static ScheduledThreadPoolExecutor create() {
      ScheduledThreadPoolExecutor t =
          new ScheduledThreadPoolExecutor(
              1,
              r -> {
                Thread th = new Thread(r, "h2-timer");
                th.setDaemon(true);
                return th;
              });
      t.setRemoveOnCancelPolicy(true);
      return t;
    }
  }

  static ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    return Holder.TIMER.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
  }

  static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    return t;
  }
}
