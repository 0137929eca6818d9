package io.etcdj.etcdctl.client.h2;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs tasks one at a time, in order, on a delegate executor: a call's listener callbacks never
 * overlap, whichever executor (the blocking stub's ThreadlessExecutor, or the channel's callback
 * thread) runs them.
 *
 * <p>Thread-safe.
 */
final class SerialExecutor implements Executor {
  private final Executor delegate;
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
  private boolean scheduled;

  SerialExecutor(Executor delegate) {
    this.delegate = delegate;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (tasks) {
      tasks.add(task);
      if (scheduled) {
        return;
      }
      scheduled = true;
    }
    delegate.execute(this::drain);
  }

  private void drain() {
    while (true) {
      Runnable next;
      synchronized (tasks) {
        next = tasks.poll();
        if (next == null) {
          scheduled = false;
          return;
        }
      }
      next.run();
    }
  }
}
