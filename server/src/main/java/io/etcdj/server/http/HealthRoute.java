package io.etcdj.server.http;

import io.etcdj.api.etcdserverpb.AlarmMember;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd 3.4's {@code GET /health} (etcdhttp/metrics.go): {@code {"health":"true"}} with 200, or
 * {@code {"health":"false"}} with 503 when, in this order, an alarm is active (unless its type is
 * named in a {@code ?exclude=} parameter), there is no leader, or a linearizable read does not
 * complete within a second (etcd's QGET through raft). Any other method gets 405. The answers
 * carry etcd's quirks: the 200 is text/plain (Go sniffs the type), the 503 is Go's {@code
 * http.Error} text with a trailing newline.
 */
public final class HealthRoute implements HttpRoute {
  public static final String PATH = "/health";

  /** etcd's timeout for the health check's quorum read. */
  static final long READ_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private static final byte[] TRUE = "{\"health\":\"true\"}".getBytes(StandardCharsets.UTF_8);
  private static final String FALSE = "{\"health\":\"false\"}";

  /** What the health check asks of the member. */
  public interface Member {
    /** The active alarms (etcd's alarm store), in any order. */
    List<AlarmMember> alarms();

    /** The leader's id, 0 when there is none. */
    long leaderId();

    /** Completes when a linearizable read succeeds, fails otherwise (within the timeout). */
    CompletableFuture<Void> linearizableRead(long timeoutNanos);
  }

  /** Counts the outcomes (etcd's etcd_server_health_success and _failures). */
  public interface Outcomes {
    void healthy();

    void unhealthy();
  }

  private final Member member;
  private final Outcomes outcomes;

  public HealthRoute(Member member, Outcomes outcomes) {
    this.member = member;
    this.outcomes = outcomes;
  }

  @Override
  public boolean serves(String path) {
    return path.equals(PATH);
  }

  @Override
  public void handle(ChannelHandlerContext ctx, FullHttpRequest request) {
    if (!request.method().equals(HttpMethod.GET)) {
      HttpAnswers.send(ctx, request, HttpAnswers.methodNotAllowed("GET"));
      return;
    }
    List<String> excluded =
        new QueryStringDecoder(request.uri()).parameters().getOrDefault("exclude", List.of());
    // The answer may be written later, after the request is released: keep its head only.
    FullHttpRequest head = request.replace(Unpooled.EMPTY_BUFFER);
    if (alarmed(member.alarms(), Set.copyOf(excluded)) || member.leaderId() == 0) {
      answer(ctx, head, false);
      return;
    }
    CompletableFuture<Void> read;
    try {
      read = member.linearizableRead(READ_TIMEOUT_NANOS);
    } catch (RuntimeException e) {
      answer(ctx, head, false);
      return;
    }
    read.whenComplete((v, e) -> answer(ctx, head, e == null));
  }

  /** Whether an alarm not excluded by name (NOSPACE, CORRUPT) is active. */
  static boolean alarmed(List<AlarmMember> alarms, Set<String> excluded) {
    for (AlarmMember alarm : alarms) {
      if (!excluded.contains(alarm.getAlarm().name())) {
        return true;
      }
    }
    return false;
  }

  private void answer(ChannelHandlerContext ctx, FullHttpRequest head, boolean healthy) {
    if (healthy) {
      outcomes.healthy();
      HttpAnswers.send(
          ctx, head, HttpAnswers.response(HttpResponseStatus.OK, HttpAnswers.TEXT_PLAIN, TRUE));
    } else {
      outcomes.unhealthy();
      HttpAnswers.send(ctx, head, HttpAnswers.error(HttpResponseStatus.SERVICE_UNAVAILABLE, FALSE));
    }
  }
}
