package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's gRPC step: a failing step is skipped silently at start-up (the server pays for it
 * later), so this is where a broken one shows; and it must log nothing, as it is no event of the
 * member's (its first version, on Netty's in-memory transport, made Netty warn twice at every
 * start).
 */
class StartupWarmupTest {
  @Test
  void theGrpcRoundTripAnswersAndLogsNothing() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    root.addAppender(seen);
    try {
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            StartupWarmup.grpcRoundTrip();
            StartupWarmup.grpcRoundTrip(); // a new ephemeral port each time
          });
    } finally {
      root.detachAppender(seen);
    }
    List<String> warnings =
        seen.list.stream()
            .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
            .map(ILoggingEvent::getFormattedMessage)
            .toList();
    assertEquals(List.of(), warnings);
  }
}
