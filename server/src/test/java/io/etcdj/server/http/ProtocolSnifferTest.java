package io.etcdj.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The client port's protocol detection: the HTTP/2 preface goes to gRPC, the rest to HTTP/1.x. */
class ProtocolSnifferTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n| HTTP2",
        "PRI * HTTP/2.0\\r\\n\\r\\nSM\\r\\n\\r\\n\\u0000\\u0000| HTTP2",
        "PRI * HTTP/2.0\\r\\n| UNDECIDED",
        "P| UNDECIDED",
        "''| UNDECIDED",
        "GET /health HTTP/1.1\\r\\n| HTTP1",
        "POST /v3/kv/range HTTP/1.1\\r\\n| HTTP1",
        "PUT /x HTTP/1.1| HTTP1",
        "PRI * HTTP/1.1\\r\\n| HTTP1",
        "garbage| HTTP1",
        "\\u0016\\u0003\\u0001\\u0002\\u0000| TLS",
        "\\u0016| TLS",
      })
  void classifiesFirstBytes(String escaped, ProtocolSniffer.Protocol expected) {
    ByteBuf in = Unpooled.copiedBuffer(unescape(escaped), StandardCharsets.ISO_8859_1);
    assertEquals(expected, ProtocolSniffer.classify(in));
    assertEquals(0, in.readerIndex(), "classify does not consume");
    in.release();
  }

  @Test
  void http2GetsTheGrpcHandlerWithItsHeldEventsAndAllBytes() {
    List<Object> seen = new ArrayList<>();
    ChannelInboundHandlerAdapter grpc =
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            seen.add(b.toString(StandardCharsets.ISO_8859_1));
            b.release();
          }

          @Override
          public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            seen.add(evt);
          }
        };
    boolean[] http = {false};
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new ProtocolSniffer(ctx -> ctx.pipeline().addAfter(ctx.name(), "grpc", grpc), ctx -> http[0] = true));
    ch.pipeline().fireUserEventTriggered("negotiation");
    assertTrue(seen.isEmpty(), "held until the protocol is known");
    ch.writeInbound(Unpooled.copiedBuffer("PRI * HTTP/2.0\r\n", StandardCharsets.ISO_8859_1));
    assertTrue(seen.isEmpty(), "a prefix of the preface decides nothing");
    ch.writeInbound(Unpooled.copiedBuffer("\r\nSM\r\n\r\nFRAMES", StandardCharsets.ISO_8859_1));
    assertEquals(List.of("negotiation", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nFRAMES"), seen);
    assertFalse(http[0]);
    assertNull(ch.pipeline().get(ProtocolSniffer.class), "the sniffer is gone after the first bytes");
    ch.finishAndReleaseAll();
  }

  @Test
  void http1GetsTheHttpPipelineAndItsRoutes() {
    HttpRoutes routes = new HttpRoutes().add(new VersionRoute("3.4.23", () -> "3.4.0"));
    EmbeddedChannel ch =
        new EmbeddedChannel(
            new ProtocolSniffer(
                ctx -> {
                  throw new AssertionError("not HTTP/2");
                },
                new HttpPipeline(routes, 1024, true)));
    ch.pipeline().fireUserEventTriggered("negotiation"); // dropped for HTTP/1.x
    ch.writeInbound(
        Unpooled.copiedBuffer("GET /version HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
    ByteBuf out = ch.readOutbound();
    String raw = out.toString(StandardCharsets.US_ASCII);
    out.release();
    assertTrue(raw.startsWith("HTTP/1.1 200 OK\r\n"), raw);
    assertTrue(raw.contains("Content-Type: application/json\r\n"), raw);
    assertTrue(raw.contains("Access-Control-Allow-Origin: *\r\n"), raw);
    assertTrue(raw.endsWith("\r\n\r\n{\"etcdserver\":\"3.4.23\",\"etcdcluster\":\"3.4.0\"}"), raw);
    assertNull(ch.pipeline().get(ProtocolSniffer.class));
    assertTrue(ch.isOpen(), "keep-alive");
    ch.finishAndReleaseAll();
  }

  static String unescape(String s) {
    s = s.replace("\\r", "\r").replace("\\n", "\n");
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\\\u([0-9a-fA-F]{4})").matcher(s);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(String.valueOf((char) Integer.parseInt(m.group(1), 16))));
    }
    return m.appendTail(out).toString();
  }

  /** A route answering every path with its own name, for the dispatcher tests. */
  static HttpRoute echo(String prefix) {
    return new HttpRoute() {
      @Override
      public boolean serves(String path) {
        return path.startsWith(prefix);
      }

      @Override
      public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse r =
            HttpAnswers.response(
                HttpResponseStatus.OK, HttpAnswers.TEXT_PLAIN, (prefix + " " + request.uri()).getBytes(StandardCharsets.UTF_8));
        HttpAnswers.send(ctx, request, r);
      }
    };
  }
}
