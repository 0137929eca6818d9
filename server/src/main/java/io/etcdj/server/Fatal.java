package io.etcdj.server;

import org.slf4j.Logger;

/**
 * Stopping: the process when an invariant breaks or durable storage fails (etcd's
 * lg.Fatal/panic), and a member's loop threads on shutdown.
 */
final class Fatal {
  /** How long shutdown waits for a loop thread to finish its current step. */
  private static final long JOIN_MS = 5_000;

  private Fatal() {}

  /** Interrupts a loop thread (it checks its running flag) and waits for it to end. */
  static void interruptAndJoin(Thread thread) {
    thread.interrupt();
    try {
      thread.join(JOIN_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * What a loop thread does with an exception that ended it: while the member is stopping, an
   * interrupted blocking hand-over is expected and only logged; anything else stops the member.
   */
  static void loopEnded(Logger log, String what, Throwable cause, boolean running) {
    if (!running && Thread.currentThread().isInterrupted()) {
      log.debug("stopped during a hand-over: {}", cause.toString());
      return;
    }
    stop(log, what, cause);
  }

  static void stop(Logger log, String what, Throwable cause) {
    log.error("FATAL: {}; stopping the member", what, cause);
    System.err.flush();
    Runtime.getRuntime().halt(1);
  }
}
