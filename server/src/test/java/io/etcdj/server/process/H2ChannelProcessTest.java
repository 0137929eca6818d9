package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.LeaseGrantRequest;
import io.etcdj.api.etcdserverpb.LeaseGrantResponse;
import io.etcdj.api.etcdserverpb.LeaseGrpc;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveRequest;
import io.etcdj.api.etcdserverpb.LeaseKeepAliveResponse;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.etcdj.etcdctl.client.h2.H2Channel;
import io.etcdj.etcdctl.client.h2.H2Options;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * etcdctl's lean HTTP/2 transport ({@link H2Channel}) against real servers: grpc-go's HTTP/2 in
 * etcd and grpc-netty's in etcdj. A put of 1.5 MiB (beyond every initial window), get, a watch that
 * sees the puts, a lease kept alive over its bidi stream, and an etcd error status.
 */
@Tag("process")
class H2ChannelProcessTest {
  static java.util.List<EtcdProcess.Kind> kinds() {
    return EtcdProcess.selectedKinds();
  }

  @ParameterizedTest
  @MethodSource("kinds")
  void putGetWatchLeaseKeepAlive(EtcdProcess.Kind kind) throws Exception {
    try (EtcdProcess server = EtcdProcess.start(kind, "h2-" + kind.lowerName());
        H2Channel ch =
            H2Channel.open(
                "127.0.0.1",
                server.clientPort(),
                new H2Options(TimeUnit.SECONDS.toNanos(2), 0, 0, Integer.MAX_VALUE, "etcdj-etcdctl-test"))) {
      KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch).withWaitForReady().withDeadlineAfter(10, TimeUnit.SECONDS);

      BlockingQueue<Object> events = new LinkedBlockingQueue<>();
      StreamObserver<WatchRequest> watch = WatchGrpc.newStub(ch).watch(recorder(events));
      watch.onNext(
          WatchRequest.newBuilder()
              .setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")))
              .build());
      assertTrue(((WatchResponse) events.poll(10, TimeUnit.SECONDS)).getCreated());

      byte[] big = new byte[1_500_000];
      big[big.length - 1] = 42;
      long rev = kv.put(PutRequest.newBuilder().setKey(b("k1")).setValue(ByteString.copyFrom(big)).build()).getHeader().getRevision();
      kv.put(PutRequest.newBuilder().setKey(b("k2")).setValue(b("v2")).build());
      RangeResponse r = kv.range(RangeRequest.newBuilder().setKey(b("k")).setRangeEnd(b("l")).build());
      assertEquals(2, r.getCount());
      assertEquals(big.length, r.getKvs(0).getValue().size());
      assertEquals(42, r.getKvs(0).getValue().byteAt(big.length - 1));
      assertEquals("v2", r.getKvs(1).getValue().toStringUtf8());

      WatchResponse first = nextEvents(events);
      assertEquals(rev, first.getEvents(0).getKv().getModRevision());
      assertEquals(big.length, first.getEvents(0).getKv().getValue().size());
      WatchResponse second = first.getEventsCount() == 2 ? first : nextEvents(events);
      assertEquals("k2", second.getEvents(second.getEventsCount() - 1).getKv().getKey().toStringUtf8());

      LeaseGrantResponse lease =
          LeaseGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).leaseGrant(LeaseGrantRequest.newBuilder().setTTL(30).build());
      BlockingQueue<Object> renewals = new LinkedBlockingQueue<>();
      StreamObserver<LeaseKeepAliveRequest> keepAlive = LeaseGrpc.newStub(ch).leaseKeepAlive(recorder(renewals));
      for (int i = 0; i < 3; i++) {
        keepAlive.onNext(LeaseKeepAliveRequest.newBuilder().setID(lease.getID()).build());
        LeaseKeepAliveResponse k = (LeaseKeepAliveResponse) renewals.poll(10, TimeUnit.SECONDS);
        assertEquals(lease.getID(), k.getID());
        assertEquals(30, k.getTTL());
      }
      keepAlive.onCompleted();

      StatusRuntimeException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              StatusRuntimeException.class,
              () -> kv.put(PutRequest.newBuilder().setKey(b("k3")).setLease(12345).build()));
      assertEquals(Status.Code.NOT_FOUND, e.getStatus().getCode());
      assertEquals("etcdserver: requested lease not found", e.getStatus().getDescription());
      watch.onCompleted();
    }
  }

  private static WatchResponse nextEvents(BlockingQueue<Object> events) throws InterruptedException {
    while (true) {
      Object o = events.poll(10, TimeUnit.SECONDS);
      assertTrue(o instanceof WatchResponse, String.valueOf(o));
      if (((WatchResponse) o).getEventsCount() > 0) {
        return (WatchResponse) o;
      }
    }
  }

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static <T> StreamObserver<T> recorder(BlockingQueue<Object> q) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        q.add(value);
      }

      @Override
      public void onError(Throwable t) {
        q.add(t);
      }

      @Override
      public void onCompleted() {
        q.add("completed");
      }
    };
  }
}
