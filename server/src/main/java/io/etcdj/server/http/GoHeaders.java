package io.etcdj.server.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Adds the headers etcd's HTTP server puts on every response, whichever route wrote it (streamed
 * gateway answers included): Go's {@code Date}, and on the client port the CORS headers etcd's
 * access controller adds for its default {@code --cors=*}.
 */
final class GoHeaders extends ChannelOutboundHandlerAdapter {
  /** Go's {@code http.TimeFormat}: RFC 1123 with a two-digit day, always GMT. */
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  private final boolean cors;

  GoHeaders(boolean cors) {
    this.cors = cors;
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response) {
      HttpHeaders headers = response.headers();
      if (cors && !headers.contains("Access-Control-Allow-Origin")) {
        headers.add("Access-Control-Allow-Headers", "accept, content-type, authorization");
        headers.add("Access-Control-Allow-Methods", "POST, GET, OPTIONS, PUT, DELETE");
        headers.add("Access-Control-Allow-Origin", "*");
      }
      if (!headers.contains("Date")) {
        headers.set("Date", DATE.format(ZonedDateTime.now(ZoneOffset.UTC)));
      }
    }
    ctx.write(msg, promise);
  }
}
