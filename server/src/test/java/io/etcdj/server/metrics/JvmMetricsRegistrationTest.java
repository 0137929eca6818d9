package io.etcdj.server.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The JVM metrics are registered {@link Metrics#JVM_REGISTRATION_DELAY_MILLIS} after a member
 * serves, so that JMX does not take CPU from its first clients; a scrape before then must not
 * wait out that delay, and must still see them.
 */
class JvmMetricsRegistrationTest {
  @Test
  void aScrapeBeforeTheDelayRegistersThemAtOnceAndSeesThem() throws Exception {
    Metrics metrics = new Metrics(false);
    long start = System.nanoTime();
    metrics.registerJvmMetricsInBackground();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    metrics.write(out);
    long tookMillis = (System.nanoTime() - start) / 1_000_000;
    String text = out.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("process_resident_memory_bytes"), "process_* missing");
    assertTrue(text.contains("jvm_threads_current"), "jvm_* missing");
    // Registration itself takes well under the delay; waiting out the delay would take all of it.
    assertTrue(
        tookMillis < Metrics.JVM_REGISTRATION_DELAY_MILLIS - 500,
        "the scrape waited " + tookMillis + " ms");
  }
}
