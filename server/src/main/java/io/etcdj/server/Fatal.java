package io.etcdj.server;

import org.slf4j.Logger;

/** Stops the process when an invariant breaks or durable storage fails (etcd's lg.Fatal/panic). */
final class Fatal {
  private Fatal() {}

  static void stop(Logger log, String what, Throwable cause) {
    log.error("FATAL: {}; stopping the member", what, cause);
    System.err.flush();
    Runtime.getRuntime().halt(1);
  }
}
