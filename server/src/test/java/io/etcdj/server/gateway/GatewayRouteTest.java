package io.etcdj.server.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.SnapshotRequest;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The route's HTTP side on an embedded channel, over an in-process KV service that answers with
 * what it was sent: paths, methods, metadata passing, the unary answer and the error shapes.
 */
class GatewayRouteTest {
  private final AtomicReference<Metadata> seen = new AtomicReference<>();
  private Server server;
  private ManagedChannel channel;
  private EmbeddedChannel http;

  @BeforeEach
  void setUp() throws Exception {
    String name = InProcessServerBuilder.generateName();
    KVGrpc.KVImplBase kv =
        new KVGrpc.KVImplBase() {
          @Override
          public void range(RangeRequest request, StreamObserver<RangeResponse> out) {
            if (request.getKey().isEmpty()) {
              out.onError(Status.INVALID_ARGUMENT.withDescription("etcdserver: key is not provided").asRuntimeException());
              return;
            }
            out.onNext(
                RangeResponse.newBuilder()
                    .addKvs(KeyValue.newBuilder().setKey(request.getKey()).setVersion(request.getLimit()))
                    .setCount(1)
                    .build());
            out.onCompleted();
          }
        };
    MaintenanceGrpc.MaintenanceImplBase maintenance =
        new MaintenanceGrpc.MaintenanceImplBase() {
          @Override
          public void snapshot(SnapshotRequest request, StreamObserver<SnapshotResponse> out) {
            out.onNext(SnapshotResponse.newBuilder().setRemainingBytes(3).setBlob(ByteString.copyFromUtf8("ab")).build());
            out.onNext(SnapshotResponse.newBuilder().setBlob(ByteString.copyFromUtf8("c")).build());
            out.onError(Status.UNAVAILABLE.withDescription("etcdserver: snapshot broke").asRuntimeException());
          }
        };
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(maintenance)
            .addService(
                ServerInterceptors.intercept(
                    kv,
                    new io.grpc.ServerInterceptor() {
                      @Override
                      public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(
                          io.grpc.ServerCall<Q, A> call, Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
                        seen.set(headers);
                        return next.startCall(call, headers);
                      }
                    }))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    GatewayRoute route = new GatewayRoute(channel, 1024);
    http =
        new EmbeddedChannel(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                FullHttpRequest request = (FullHttpRequest) msg;
                try {
                  route.handle(ctx, request);
                } finally {
                  request.release();
                }
              }
            });
  }

  @AfterEach
  void tearDown() {
    http.finishAndReleaseAll();
    channel.shutdownNow();
    server.shutdownNow();
  }

  /** Sends a request and returns the status line and the body (trailers appended). */
  private String[] exchange(HttpMethod method, String path, String body, String... headers) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, method, path, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    for (int i = 0; i < headers.length; i += 2) {
      request.headers().add(headers[i], headers[i + 1]);
    }
    http.writeInbound(request);
    StringBuilder out = new StringBuilder();
    String status = null;
    for (int spins = 0; spins < 100; spins++) {
      http.runPendingTasks();
      Object o;
      boolean last = false;
      while ((o = http.readOutbound()) != null) {
        if (o instanceof HttpResponse r) {
          status = r.status().code() + " " + r.headers().get("Content-Type");
        }
        if (o instanceof HttpContent c) {
          ByteBuf b = c.content();
          out.append(b.toString(StandardCharsets.UTF_8));
          if (o instanceof LastHttpContent l) {
            l.trailingHeaders().forEach(h -> out.append(" | ").append(h.getKey()).append(": ").append(h.getValue()));
            last = true;
          }
        }
        io.netty.util.ReferenceCountUtil.release(o);
      }
      if (last) {
        break;
      }
    }
    return new String[] {status, out.toString()};
  }

  @Test
  void unaryCallAnswersJsonAndPassesTheToken() {
    String[] r =
        exchange(HttpMethod.POST, "/v3beta/kv/range", "{\"key\":\"Zm9v\",\"limit\":\"3\"}", "Authorization", "tok.5", "Grpc-Metadata-Hasleader", "true");
    assertEquals("200 application/json", r[0]);
    assertEquals("{\"kvs\":[{\"key\":\"Zm9v\",\"version\":\"3\"}],\"count\":\"1\"}", r[1]);
    assertEquals("tok.5", seen.get().get(GatewayRoute.TOKEN));
    assertEquals("true", seen.get().get(Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER)));
  }

  @Test
  void serviceErrorsCarryTheGrpcTrailer() {
    String[] r = exchange(HttpMethod.POST, "/v3/kv/range", "");
    assertEquals("400 application/json", r[0]);
    assertEquals(
        "{\"error\":\"etcdserver: key is not provided\",\"message\":\"etcdserver: key is not provided\",\"code\":3}"
            + " | Grpc-Trailer-Content-Type: application/grpc",
        r[1]);
  }

  @Test
  void badJsonMethodsAndPaths() {
    String[] bad = exchange(HttpMethod.POST, "/v3/kv/range", "{bad");
    assertEquals("400 application/json", bad[0]);
    assertTrue(bad[1].contains("\"invalid character 'b' looking for beginning of object key string\""));
    assertEquals("405 text/plain; charset=utf-8", exchange(HttpMethod.GET, "/v3/kv/range", "")[0]);
    String[] head = exchange(HttpMethod.HEAD, "/v3/kv/range", "");
    assertEquals("405 text/plain; charset=utf-8", head[0]);
    assertEquals("", head[1]);
    assertEquals("404 text/plain; charset=utf-8", exchange(HttpMethod.POST, "/v3/kv/nothing", "{}")[0]);
    String[] unimplemented = exchange(HttpMethod.POST, "/v3/kv/put", "{}");
    assertEquals("501 application/json", unimplemented[0]);
    assertFalse(new GatewayRoute(channel, 1).serves("/v3alpha/kv/range"));
  }

  @Test
  void streamsAreResultLinesEndingWithTheStreamError() {
    String[] r = exchange(HttpMethod.POST, "/v3/maintenance/snapshot", "{}");
    assertEquals("200 application/json", r[0]);
    assertEquals(
        "{\"result\":{\"remaining_bytes\":\"3\",\"blob\":\"YWI=\"}}\n"
            + "{\"result\":{\"blob\":\"Yw==\"}}\n"
            + "{\"error\":{\"grpc_code\":14,\"http_code\":503,\"message\":\"etcdserver: snapshot broke\","
            + "\"http_status\":\"Service Unavailable\"}}",
        r[1]);
    // A bad first request of a request stream is answered as a plain error with gRPC's Unknown.
    String[] bad = exchange(HttpMethod.POST, "/v3/watch", "{bad");
    assertEquals("500 application/json", bad[0]);
    assertTrue(bad[1].endsWith("\"code\":2}"), bad[1]);
  }

  @Test
  void aBodyWithTooManyStreamRequestsIsRefusedWhole() {
    String body = "{}".repeat(GatewayRoute.STREAM_REQUESTS_MAX + 1);
    String[] r = exchange(HttpMethod.POST, "/v3/watch", body);
    assertEquals("400 application/json", r[0]);
    assertTrue(r[1].contains("etcdj: a request body holds more than 1000 requests"), r[1]);
  }

  @Test
  void tooLargeRequestsGetGrpcsWords() {
    String body = "{\"key\":\"" + "A".repeat(2000) + "\"}";
    String[] r = exchange(HttpMethod.POST, "/v3/kv/range", body);
    assertEquals("429 application/json", r[0]);
    assertTrue(r[1].contains("grpc: received message larger than max (1503 vs. 1024)"), r[1]);
  }
}
