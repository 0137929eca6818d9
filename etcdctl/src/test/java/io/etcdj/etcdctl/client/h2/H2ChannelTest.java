package io.etcdj.etcdctl.client.h2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.MaintenanceGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.ResponseHeader;
import io.etcdj.api.etcdserverpb.SnapshotRequest;
import io.etcdj.api.etcdserverpb.SnapshotResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.api.mvccpb.KeyValue;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * H2Channel against grpc-java's own HTTP/2 server (grpc-netty, in process): the generated stubs'
 * unary, server-streaming and bidi calls, large messages, deadlines, cancels, error statuses, lost
 * connections and refused ports.
 */
@Timeout(30)
class H2ChannelTest {
  private static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
  private static final String ERROR_TEXT = "etcdserver: pas de clé « 100% » ✓";

  private final BlockingQueue<String> seenTokens = new LinkedBlockingQueue<>();
  private final BlockingQueue<String> cancelled = new LinkedBlockingQueue<>();
  private Server server;
  private H2Channel channel;

  @BeforeEach
  void start() throws IOException {
    server = startServer(0);
    channel = H2Channel.open("127.0.0.1", server.getPort(), options(0, 0));
  }

  @AfterEach
  void stop() throws InterruptedException {
    channel.close();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  private static H2Options options(long keepAliveNanos, long keepAliveTimeoutNanos) {
    return new H2Options(TimeUnit.SECONDS.toNanos(2), keepAliveNanos, keepAliveTimeoutNanos, Integer.MAX_VALUE, "test");
  }

  private Server startServer(int port) throws IOException {
    ServerInterceptor tokens =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String t = headers.get(TOKEN);
            if (t != null) {
              seenTokens.add(t);
            }
            return Contexts.interceptCall(Context.current(), call, headers, next);
          }
        };
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
        .addService(ServerInterceptors.intercept(new Kv(), tokens))
        .addService(new Watch())
        .addService(new Snapshots())
        .maxInboundMessageSize(8 << 20)
        .permitKeepAliveTime(1, TimeUnit.MILLISECONDS)
        .build()
        .start();
  }

  /** Range answers the key with a value of the requested size; special keys misbehave. */
  private final class Kv extends KVGrpc.KVImplBase {
    @Override
    public void range(RangeRequest req, StreamObserver<RangeResponse> out) {
      String key = req.getKey().toStringUtf8();
      switch (key) {
        case "hang":
          Context.current().addListener(c -> cancelled.add("range"), Runnable::run);
          return;
        case "error":
          out.onError(Status.FAILED_PRECONDITION.withDescription(ERROR_TEXT).asRuntimeException());
          return;
        default:
          int size = (int) req.getLimit();
          out.onNext(
              RangeResponse.newBuilder()
                  .setHeader(ResponseHeader.newBuilder().setRevision(7))
                  .addKvs(KeyValue.newBuilder().setKey(req.getKey()).setValue(ByteString.copyFrom(new byte[size])))
                  .setCount(1)
                  .build());
          out.onCompleted();
      }
    }

    @Override
    public void put(PutRequest req, StreamObserver<PutResponse> out) {
      out.onNext(PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(req.getValue().size())).build());
      out.onCompleted();
    }
  }

  /** Echoes each create as a created response; a cancel request ends the stream with an error. */
  private final class Watch extends WatchGrpc.WatchImplBase {
    @Override
    public StreamObserver<WatchRequest> watch(StreamObserver<WatchResponse> out) {
      Context.current().addListener(c -> cancelled.add("watch"), Runnable::run);
      return new StreamObserver<>() {
        long next;

        @Override
        public void onNext(WatchRequest req) {
          if (req.hasCancelRequest()) {
            out.onError(Status.NOT_FOUND.withDescription("watch 100% gone").asRuntimeException());
            return;
          }
          out.onNext(
              WatchResponse.newBuilder()
                  .setCreated(true)
                  .setWatchId(next++)
                  .setHeader(ResponseHeader.newBuilder().setRevision(req.getCreateRequest().getKey().size()))
                  .build());
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
          out.onCompleted();
        }
      };
    }
  }

  /** Snapshot: {@code count} chunks of 64 KiB, count taken from... a fixed 40 (2.5 MiB). */
  private static final class Snapshots extends MaintenanceGrpc.MaintenanceImplBase {
    static final int CHUNKS = 40;

    @Override
    public void snapshot(SnapshotRequest req, StreamObserver<SnapshotResponse> out) {
      byte[] chunk = new byte[64 << 10];
      for (int i = 0; i < CHUNKS; i++) {
        chunk[0] = (byte) i;
        out.onNext(
            SnapshotResponse.newBuilder()
                .setRemainingBytes((long) (CHUNKS - 1 - i) * chunk.length)
                .setBlob(ByteString.copyFrom(chunk))
                .build());
      }
      out.onCompleted();
    }
  }

  private KVGrpc.KVBlockingStub kv() {
    return KVGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS);
  }

  @Test
  void unaryCallsCarryMetadataAndReuseTheConnection() {
    Metadata md = new Metadata();
    md.put(TOKEN, "secret");
    RangeResponse r =
        kv().withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(md))
            .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).setLimit(3).build());
    assertEquals(7, r.getHeader().getRevision());
    assertEquals("k", r.getKvs(0).getKey().toStringUtf8());
    assertEquals(3, r.getKvs(0).getValue().size());
    assertEquals("secret", seenTokens.poll());
    assertEquals(ConnectivityState.READY, channel.state(false));
    for (int i = 0; i < 50; i++) {
      assertEquals(5, kv().put(PutRequest.newBuilder().setValue(ByteString.copyFromUtf8("12345")).build()).getHeader().getRevision());
    }
  }

  @Test
  void largeMessagesBothWays() {
    // 2 MiB each way: beyond the peer's 64 KiB initial windows and 16 KiB frames.
    int size = 2 << 20;
    assertEquals(size, kv().put(PutRequest.newBuilder().setValue(ByteString.copyFrom(new byte[size])).build()).getHeader().getRevision());
    RangeResponse r = kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("big")).setLimit(size).build());
    assertEquals(size, r.getKvs(0).getValue().size());
  }

  @Test
  void serverStreamingDeliversEveryChunkInOrder() {
    Iterator<SnapshotResponse> it =
        MaintenanceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS).snapshot(SnapshotRequest.getDefaultInstance());
    int n = 0;
    while (it.hasNext()) {
      SnapshotResponse r = it.next();
      assertEquals((byte) n, r.getBlob().byteAt(0));
      n++;
    }
    assertEquals(Snapshots.CHUNKS, n);
  }

  @Test
  void messagesAreDeliveredOnlyAsRequested() throws Exception {
    ClientCall<SnapshotRequest, SnapshotResponse> call =
        channel.newCall(MaintenanceGrpc.getSnapshotMethod(), CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(SnapshotResponse m) {
            events.add(m);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            events.add(status);
          }
        },
        new Metadata());
    call.request(1);
    call.sendMessage(SnapshotRequest.getDefaultInstance());
    call.halfClose();
    Object firstEvent = events.poll(5, TimeUnit.SECONDS);
    if (firstEvent == null) {
      dumpThreads();
    }
    assertTrue(firstEvent instanceof SnapshotResponse, String.valueOf(firstEvent));
    // All 40 chunks (2.5 MiB, under the stream window) arrive, yet nothing more is delivered.
    assertEquals(null, events.poll(200, TimeUnit.MILLISECONDS));
    call.request(Snapshots.CHUNKS - 1);
    for (int i = 1; i < Snapshots.CHUNKS; i++) {
      assertTrue(events.poll(5, TimeUnit.SECONDS) instanceof SnapshotResponse, "chunk " + i);
    }
    assertEquals(Status.Code.OK, ((Status) events.poll(5, TimeUnit.SECONDS)).getCode());
  }

  @Test
  void bidiStreamingEchoesAndCompletes() throws Exception {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(recorder(events));
    for (int i = 0; i < 3; i++) {
      requests.onNext(create("key" + "x".repeat(i)));
    }
    for (int i = 0; i < 3; i++) {
      WatchResponse r = (WatchResponse) events.poll(5, TimeUnit.SECONDS);
      assertEquals(i, r.getWatchId());
      assertEquals(3 + i, r.getHeader().getRevision());
    }
    requests.onCompleted();
    assertEquals("completed", events.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void errorStatusKeepsNonAsciiAndPercent() {
    StatusRuntimeException e =
        assertThrows(StatusRuntimeException.class, () -> kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("error")).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, e.getStatus().getCode());
    assertEquals(ERROR_TEXT, e.getStatus().getDescription());
  }

  @Test
  void errorAfterMessagesOnAStream() throws Exception {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(recorder(events));
    requests.onNext(create("a"));
    requests.onNext(WatchRequest.newBuilder().setCancelRequest(io.etcdj.api.etcdserverpb.WatchCancelRequest.getDefaultInstance()).build());
    assertTrue(events.poll(5, TimeUnit.SECONDS) instanceof WatchResponse);
    Status s = ((StatusRuntimeException) events.poll(5, TimeUnit.SECONDS)).getStatus();
    assertEquals(Status.Code.NOT_FOUND, s.getCode());
    assertEquals("watch 100% gone", s.getDescription());
  }

  @Test
  void deadlineExpiresAndResetsTheStream() throws Exception {
    // Connected first, so the 200 ms go to the call, not to a connect on a loaded machine.
    kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("warm")).build());
    StatusRuntimeException e =
        assertThrows(
            StatusRuntimeException.class,
            () -> KVGrpc.newBlockingStub(channel).withDeadlineAfter(200, TimeUnit.MILLISECONDS).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("hang")).build()));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    // The server saw the call end: our RST_STREAM (or its own grpc-timeout) cancelled it.
    String seen = cancelled.poll(5, TimeUnit.SECONDS);
    if (seen == null) {
      dumpThreads();
    }
    assertEquals("range", seen);
    assertEquals(0, kv().range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("k")).build()).getKvs(0).getValue().size());
  }

  @Test
  void cancelSendsRstStream() throws Exception {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    AtomicReference<ClientCallStreamObserver<WatchRequest>> call = new AtomicReference<>();
    StreamObserver<WatchRequest> requests =
        WatchGrpc.newStub(channel)
            .watch(
                new ClientResponseObserver<WatchRequest, WatchResponse>() {
                  @Override
                  public void beforeStart(ClientCallStreamObserver<WatchRequest> r) {
                    call.set(r);
                  }

                  @Override
                  public void onNext(WatchResponse value) {
                    events.add(value);
                  }

                  @Override
                  public void onError(Throwable t) {
                    events.add(t);
                  }

                  @Override
                  public void onCompleted() {
                    events.add("completed");
                  }
                });
    requests.onNext(create("a"));
    assertTrue(events.poll(5, TimeUnit.SECONDS) instanceof WatchResponse);
    call.get().cancel("ctrl-c", null);
    assertEquals(Status.Code.CANCELLED, ((StatusRuntimeException) events.poll(5, TimeUnit.SECONDS)).getStatus().getCode());
    assertEquals("watch", cancelled.poll(5, TimeUnit.SECONDS));
  }

  @Test
  void serverShutdownMidStreamIsUnavailable() throws Exception {
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    StreamObserver<WatchRequest> requests = WatchGrpc.newStub(channel).watch(recorder(events));
    requests.onNext(create("a"));
    assertTrue(events.poll(5, TimeUnit.SECONDS) instanceof WatchResponse);
    server.shutdownNow();
    Object end = events.poll(5, TimeUnit.SECONDS);
    assertEquals(Status.Code.UNAVAILABLE, ((StatusRuntimeException) end).getStatus().getCode(), String.valueOf(end));
  }

  @Test
  void refusedPortFailsAtOnceWithoutWaitForReady() throws Exception {
    int port = freePort();
    try (H2Channel dead = H2Channel.open("127.0.0.1", port, options(0, 0))) {
      long t0 = System.nanoTime();
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> KVGrpc.newBlockingStub(dead).withDeadlineAfter(5, TimeUnit.SECONDS).range(RangeRequest.getDefaultInstance()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
      assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(2));
      assertEquals(ConnectivityState.TRANSIENT_FAILURE, dead.state(false));
    }
  }

  @Test
  void refusedPortWithWaitForReadyRunsIntoTheDeadline() throws Exception {
    int port = freePort();
    try (H2Channel dead = H2Channel.open("127.0.0.1", port, options(0, 0))) {
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () -> KVGrpc.newBlockingStub(dead).withWaitForReady().withDeadlineAfter(300, TimeUnit.MILLISECONDS).range(RangeRequest.getDefaultInstance()));
      assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
    }
  }

  @Test
  void waitForReadyConnectsOnceTheServerIsUp() throws Exception {
    int port = freePort();
    try (H2Channel later = H2Channel.open("127.0.0.1", port, options(0, 0))) {
      CountDownLatch failedOnce = new CountDownLatch(1);
      later.state(true);
      later.notifyWhenStateChanged(ConnectivityState.CONNECTING, failedOnce::countDown);
      AtomicReference<Object> result = new AtomicReference<>();
      Thread caller =
          new Thread(
              () -> {
                try {
                  result.set(KVGrpc.newBlockingStub(later).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS)
                      .range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("late")).build()));
                } catch (RuntimeException e) {
                  result.set(e);
                }
              });
      caller.start();
      assertTrue(failedOnce.await(5, TimeUnit.SECONDS));
      Server second = startServer(port);
      try {
        caller.join(10_000);
        assertTrue(result.get() instanceof RangeResponse, String.valueOf(result.get()));
        assertEquals(ConnectivityState.READY, later.state(false));
      } finally {
        second.shutdownNow();
      }
    }
  }

  @Test
  void callsAfterCloseFail() {
    channel.close();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> kv().range(RangeRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
    assertEquals(ConnectivityState.SHUTDOWN, channel.state(true));
  }

  /** A server that speaks HTTP/2 but never answers: the keepalive PING's missing ACK ends the call. */
  @Test
  void keepaliveTimeoutClosesAMuteConnection() throws Exception {
    try (ServerSocket mute = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      List<Socket> accepted = new ArrayList<>();
      Thread acceptor =
          new Thread(
              () -> {
                try {
                  Socket s = mute.accept();
                  accepted.add(s);
                  OutputStream o = s.getOutputStream();
                  o.write(new byte[] {0, 0, 0, Frame.SETTINGS, 0, 0, 0, 0, 0});
                  o.flush();
                  InputStream in = s.getInputStream();
                  while (in.read(new byte[4096]) >= 0) {
                    // swallow everything, answer nothing
                  }
                } catch (IOException e) {
                  // the test ends
                }
              });
      acceptor.setDaemon(true);
      acceptor.start();
      try (H2Channel ch =
          H2Channel.open("127.0.0.1", mute.getLocalPort(), options(TimeUnit.MILLISECONDS.toNanos(50), TimeUnit.MILLISECONDS.toNanos(100)))) {
        StatusRuntimeException e =
            assertThrows(
                StatusRuntimeException.class,
                () -> KVGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).range(RangeRequest.getDefaultInstance()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("Keepalive"), e.getStatus().toString());
        assertFalse(ch.state(false) == ConnectivityState.READY);
      }
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  private static WatchRequest create(String key) {
    return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))).build();
  }

  private static StreamObserver<WatchResponse> recorder(BlockingQueue<Object> events) {
    return new StreamObserver<>() {
      @Override
      public void onNext(WatchResponse value) {
        events.add(value);
      }

      @Override
      public void onError(Throwable t) {
        events.add(t);
      }

      @Override
      public void onCompleted() {
        events.add("completed");
      }
    };
  }

  static void dumpThreads() {
    for (var e : Thread.getAllStackTraces().entrySet()) {
      System.err.println("THREAD " + e.getKey().getName() + " " + java.util.Arrays.toString(e.getValue()).replace(",", "\n   "));
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
