package io.etcdj.server.transport;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Polls a condition every few milliseconds up to a bound; no fixed sleeps in the tests. */
final class Await {
  static final long DEFAULT_MILLIS = 10_000;

  private Await() {}

  static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_MILLIS, condition, () -> "");
  }

  static void until(String what, BooleanSupplier condition, Supplier<String> state) {
    until(what, DEFAULT_MILLIS, condition, state);
  }

  static void until(String what, long millis, BooleanSupplier condition, Supplier<String> state) {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("timed out after " + millis + " ms waiting for " + what + " " + state.get());
      }
      try {
        Thread.sleep(2);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted waiting for " + what);
      }
    }
  }
}
