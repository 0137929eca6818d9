package io.etcdj.server.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The first byte decides: TLS, cleartext where the address allows it, or a hang-up. */
class TlsStageTest {
  private final List<String> rejected = new ArrayList<>();

  /** The stage after TLS: records what it is given. */
  private static final class Next extends ChannelInboundHandlerAdapter {
    final List<Object> events = new ArrayList<>();
    final List<String> reads = new ArrayList<>();

    @Override
    public void userEventTriggered(io.netty.channel.ChannelHandlerContext ctx, Object evt) {
      events.add(evt);
    }

    @Override
    public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
      ByteBuf b = (ByteBuf) msg;
      reads.add(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
  }

  private EmbeddedChannel channel(ServerTls tls, boolean cleartext, Next next) {
    return new EmbeddedChannel(new TlsStage(tls, cleartext, () -> next, (remote, error) -> rejected.add(error)));
  }

  /** These cases decide without a handshake, so the stage never asks its TLS for an engine. */
  private static ServerTls tls() {
    return null;
  }

  @Test
  void cleartextOnAMixedAddressGoesOnWithItsBytesAndEvents() {
    Next next = new Next();
    EmbeddedChannel ch = channel(tls(), true, next);
    ch.pipeline().fireUserEventTriggered("grpc-negotiation");
    ch.writeInbound(Unpooled.copiedBuffer("PRI * HTTP/2.0", StandardCharsets.ISO_8859_1));
    assertEquals(List.of("grpc-negotiation"), next.events);
    assertEquals(List.of("PRI * HTTP/2.0"), next.reads);
    assertNull(ch.pipeline().get(TlsStage.class), "the stage removed itself");
    assertTrue(ch.isOpen());
  }

  @Test
  void cleartextOnATlsOnlyAddressIsRejectedAsGoSaysIt() {
    Next next = new Next();
    EmbeddedChannel ch = channel(tls(), false, next);
    ch.writeInbound(Unpooled.copiedBuffer("GET /health HTTP/1.1\r\n", StandardCharsets.ISO_8859_1));
    assertFalse(ch.isOpen());
    assertEquals(List.of("tls: first record does not look like a TLS handshake"), rejected);
    assertEquals(List.of(), next.reads);
  }

  @Test
  void aSilentConnectionOnATlsOnlyAddressIsClosedAfterTheHandshakeTimeout() throws Exception {
    EmbeddedChannel ch = channel(tls(), false, new Next());
    assertTrue(ch.isOpen());
    ch.advanceTimeBy(TlsStage.HANDSHAKE_TIMEOUT_MS + 1, TimeUnit.MILLISECONDS);
    ch.runScheduledPendingTasks();
    assertFalse(ch.isOpen());
  }

  @Test
  void aHandshakeRecordGetsAnSslHandlerInFrontOfTheNextStage() throws Exception {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("tls-stage");
    try {
      run(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "s.key", "-out", "s.crt", "-days", "1", "-subj", "/CN=s");
      ServerTls tls =
          ServerTls.of(new TlsInfo(dir.resolve("s.crt").toString(), dir.resolve("s.key").toString(), "", false, "", "", "", List.of(), true, false));
      Next next = new Next();
      EmbeddedChannel ch = channel(tls, true, next);
      ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {0x16, 0x03, 0x01}));
      assertNotNull(ch.pipeline().get(SslHandler.class));
      assertEquals(List.of(), next.reads, "nothing reaches the next stage before the handshake");
      ch.finishAndReleaseAll();
    } finally {
      try (var files = java.nio.file.Files.list(dir)) {
        for (java.nio.file.Path p : files.toList()) {
          java.nio.file.Files.delete(p);
        }
      }
      java.nio.file.Files.delete(dir);
    }
  }

  private static void run(java.nio.file.Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/openssl"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    p.getInputStream().readAllBytes();
    assertEquals(0, p.waitFor());
  }
}
