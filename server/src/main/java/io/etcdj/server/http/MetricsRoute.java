package io.etcdj.server.http;

import io.etcdj.server.metrics.Metrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * etcd's {@code /metrics} (promhttp's handler): every metric in Prometheus text format 0.0.4, for
 * any method, as etcd answers. A scrape reads server state (index sizes, the backend's page count)
 * and runs the JVM collectors, so it runs on the {@code scraper} executor, never on the event loop;
 * when that executor is full the scrape gets 503, as promhttp answers a failed gather.
 */
public final class MetricsRoute implements HttpRoute {
  public static final String PATH = "/metrics";

  private final Metrics metrics;
  private final Executor scraper;

  public MetricsRoute(Metrics metrics, Executor scraper) {
    this.metrics = metrics;
    this.scraper = scraper;
  }

  @Override
  public boolean serves(String path) {
    return path.equals(PATH);
  }

  @Override
  public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    FullHttpRequest head = request.replace(Unpooled.EMPTY_BUFFER);
    try {
      scraper.execute(() -> scrape(ctx, head));
    } catch (RejectedExecutionException e) {
      HttpAnswers.send(
          ctx,
          head,
          HttpAnswers.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "too many concurrent scrapes"));
    }
  }

  private void scrape(ChannelHandlerContext ctx, FullHttpRequest head) {
    ByteBuf body = ctx.alloc().buffer(64 * 1024);
    try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
      metrics.write(out);
    } catch (IOException | RuntimeException e) {
      body.release();
      HttpAnswers.send(
          ctx,
          head,
          HttpAnswers.error(
              HttpResponseStatus.INTERNAL_SERVER_ERROR,
              "An error has occurred while serving metrics:\n\n" + e));
      return;
    }
    HttpAnswers.send(ctx, head, HttpAnswers.response(HttpResponseStatus.OK, Metrics.CONTENT_TYPE, body));
  }
}
