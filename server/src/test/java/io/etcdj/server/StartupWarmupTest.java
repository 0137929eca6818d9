package io.etcdj.server;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The warm-up's gRPC step: a failing step is skipped silently at start-up (the server pays for it
 * later), so this is where a broken one shows.
 */
class StartupWarmupTest {
  @Test
  void theInMemoryGrpcRoundTripAnswersAndCanRunAgain() {
    assertTimeoutPreemptively(
        Duration.ofSeconds(20),
        () -> {
          StartupWarmup.grpcRoundTrip();
          StartupWarmup.grpcRoundTrip(); // its server and event loop are gone: the address is free
        });
  }
}
