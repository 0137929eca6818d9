package io.etcdj.server.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TransportConfigTest {
  private static final Path DIR = Path.of("/tmp/unused");

  @Test
  void defaultsMatchTheDocumentedBounds() {
    TransportConfig c = TransportConfig.builder(1, 2, DIR).build();
    assertEquals(4096, c.queueMessagesMax());
    assertEquals(TransportConfig.MIB, c.batchBytesMax());
    assertEquals(64 * TransportConfig.MIB, c.inboundMessageBytesMax());
    assertEquals(TransportConfig.MIB, c.snapshotChunkBytes());
    assertEquals(50, c.backoffInitialMillis());
    assertEquals(400, c.backoffMaxMillis());
    assertEquals(
        64 * TransportConfig.MIB - TransportConfig.BATCH_OVERHEAD_BYTES, c.messageBytesMax());
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of("cluster 0", (UnaryOperator<TransportConfig.Builder>) b -> b, 0L, 2L),
        Arguments.of("member 0", (UnaryOperator<TransportConfig.Builder>) b -> b, 1L, 0L),
        Arguments.of(
            "queue 0", (UnaryOperator<TransportConfig.Builder>) b -> b.queueMessagesMax(0), 1L, 2L),
        Arguments.of(
            "batch > queue",
            (UnaryOperator<TransportConfig.Builder>)
                b -> b.queueMessagesMax(10).batchMessagesMax(11),
            1L,
            2L),
        Arguments.of(
            "batch bytes > inbound",
            (UnaryOperator<TransportConfig.Builder>) b -> b.batchBytesMax(65 * TransportConfig.MIB),
            1L,
            2L),
        Arguments.of(
            "chunk too close to inbound",
            (UnaryOperator<TransportConfig.Builder>)
                b -> b.snapshotChunkBytes(64 * TransportConfig.MIB),
            1L,
            2L),
        Arguments.of(
            "backoff inverted",
            (UnaryOperator<TransportConfig.Builder>) b -> b.backoffMillis(100, 50),
            1L,
            2L),
        Arguments.of(
            "dial timeout tiny",
            (UnaryOperator<TransportConfig.Builder>) b -> b.dialTimeoutMillis(1),
            1L,
            2L));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void rejectsInvalidLimits(
      String name, UnaryOperator<TransportConfig.Builder> tweak, long cluster, long member) {
    assertThrows(
        IllegalArgumentException.class,
        () -> tweak.apply(TransportConfig.builder(cluster, member, DIR)).build());
  }
}
