package io.etcdj.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Routing of HTTP/1.x requests and the answers Go's net/http gives when no route serves them. */
class HttpDispatcherTest {
  @ParameterizedTest
  @CsvSource({
    "/health, /health",
    "/health?exclude=NOSPACE, /health",
    "/v3/kv/range?x=1#f, /v3/kv/range",
    "'', /",
    "http://h:1/metrics?x, /metrics",
    "http://h:1, /",
  })
  void pathDropsQueryAndAbsoluteForm(String uri, String path) {
    assertEquals(path, HttpDispatcher.path(uri));
  }

  private static EmbeddedChannel channel(boolean cors, int bodyMax) {
    HttpRoutes routes =
        new HttpRoutes().add(ProtocolSnifferTest.echo("/v3/")).add(ProtocolSnifferTest.echo("/v3beta/"));
    EmbeddedChannel ch = new EmbeddedChannel();
    new HttpPipeline(routes, bodyMax, cors).installLast(ch.pipeline());
    return ch;
  }

  private static String exchange(EmbeddedChannel ch, String request) {
    ch.writeInbound(Unpooled.copiedBuffer(request, StandardCharsets.ISO_8859_1));
    StringBuilder out = new StringBuilder();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf b = (ByteBuf) o;
      out.append(b.toString(StandardCharsets.ISO_8859_1));
      b.release();
    }
    return out.toString();
  }

  @Test
  void firstMatchingRouteAnswersAndKeepAliveHolds() {
    EmbeddedChannel ch = channel(true, 1024);
    String a = exchange(ch, "POST /v3/kv/put HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}");
    assertTrue(a.startsWith("HTTP/1.1 200 OK\r\n"), a);
    assertTrue(a.endsWith("/v3/ /v3/kv/put"), a);
    String b = exchange(ch, "GET /v3beta/x HTTP/1.1\r\n\r\n");
    assertTrue(b.endsWith("/v3beta/ /v3beta/x"), b);
    assertTrue(ch.isOpen());
    ch.finishAndReleaseAll();
  }

  @Test
  void unknownPathGetsGo404() {
    EmbeddedChannel ch = channel(true, 1024);
    String a = exchange(ch, "GET /nope HTTP/1.1\r\n\r\n");
    assertTrue(a.startsWith("HTTP/1.1 404 Not Found\r\n"), a);
    assertTrue(a.contains("Content-Type: text/plain; charset=utf-8\r\n"), a);
    assertTrue(a.contains("X-Content-Type-Options: nosniff\r\n"), a);
    assertTrue(a.contains("Content-Length: 19\r\n"), a);
    assertTrue(a.contains("Access-Control-Allow-Origin: *\r\n"), a);
    assertTrue(a.contains("\r\nDate: "), a);
    assertTrue(a.endsWith("\r\n\r\n404 page not found\n"), a);
    ch.finishAndReleaseAll();
  }

  @Test
  void optionsIsAnsweredBeforeRoutesOnTheClientPortOnly() {
    EmbeddedChannel client = channel(true, 1024);
    String a = exchange(client, "OPTIONS /v3/kv/put HTTP/1.1\r\n\r\n");
    assertTrue(a.startsWith("HTTP/1.1 200 OK\r\n"), a);
    assertTrue(a.contains("Content-Length: 0\r\n"), a);
    assertTrue(a.contains("Access-Control-Allow-Methods: POST, GET, OPTIONS, PUT, DELETE\r\n"), a);
    client.finishAndReleaseAll();

    EmbeddedChannel metrics = channel(false, 1024);
    String b = exchange(metrics, "OPTIONS /nope HTTP/1.1\r\n\r\n");
    assertTrue(b.startsWith("HTTP/1.1 404 Not Found\r\n"), b);
    assertFalse(b.contains("Access-Control"), b);
    metrics.finishAndReleaseAll();
  }

  @Test
  void bodyOverTheLimitIsRefused() {
    EmbeddedChannel ch = channel(true, 8);
    String a = exchange(ch, "POST /v3/kv/put HTTP/1.1\r\nContent-Length: 9\r\n\r\n123456789");
    assertTrue(a.startsWith("HTTP/1.1 413 Request Entity Too Large\r\n"), a);
    ch.finishAndReleaseAll();
  }

  @Test
  void unparsableRequestGets400AndClose() {
    EmbeddedChannel ch = channel(true, 1024);
    String a = exchange(ch, "GET /x HTTP/1.1\r\nbad header line without colon\r\n\r\n");
    assertTrue(a.startsWith("HTTP/1.1 400 Bad Request\r\n"), a);
    assertTrue(a.endsWith("400 Bad Request\n"), a);
    assertFalse(ch.isOpen());
    ch.finishAndReleaseAll();
  }

  @Test
  void http10ClosesAfterTheAnswer() {
    EmbeddedChannel ch = channel(true, 1024);
    String a = exchange(ch, "GET /v3/x HTTP/1.0\r\n\r\n");
    assertTrue(a.contains(" 200 OK\r\n"), a);
    assertFalse(ch.isOpen());
    ch.finishAndReleaseAll();
  }
}
