package io.etcdj.server.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.TextFormat;
import io.etcdj.api.etcdserverpb.CompactionRequest;
import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.RequestOp;
import io.etcdj.api.etcdserverpb.TxnRequest;
import io.etcdj.api.etcdserverpb.WatchCancelRequest;
import io.etcdj.api.etcdserverpb.WatchCreateRequest;
import io.etcdj.api.etcdserverpb.WatchGrpc;
import io.etcdj.api.etcdserverpb.WatchProgressRequest;
import io.etcdj.api.etcdserverpb.WatchRequest;
import io.etcdj.api.etcdserverpb.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Watch stream at the wire, against a fresh real etcd and a fresh etcdj: ids given out and
 * chosen, a duplicate id and an empty range refused, catch-up from an old revision, a requested
 * progress, cancel (and cancel of an unknown id), a compacted start revision, fragments of a
 * too-large revision and periodic progress notifications. Every response is printed in protobuf
 * text format with the ids and term masked; the transcripts must be identical.
 */
@Tag("process")
class WatchGrpcTest {
  private static final List<String> FLAGS =
      List.of("--experimental-watch-progress-notify-interval=500ms");
  /** Five puts of this size fit one request (1.5 MiB); with their previous values, a revision's
   * events pass etcd's fragment threshold (max-request-bytes + 512 KiB of gRPC overhead). */
  private static final int FRAGMENT_VALUE_BYTES = 300_000;

  private static ByteString b(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** One watch stream whose responses queue up. */
  private static final class Stream implements StreamObserver<WatchResponse> {
    final LinkedBlockingQueue<Object> got = new LinkedBlockingQueue<>();
    final StreamObserver<WatchRequest> requests;

    Stream(WatchGrpc.WatchStub stub) {
      requests = stub.watch(this);
    }

    @Override
    public void onNext(WatchResponse r) {
      got.add(r);
    }

    @Override
    public void onError(Throwable t) {
      got.add("ERROR " + t);
    }

    @Override
    public void onCompleted() {
      got.add("COMPLETED");
    }

    /** Sends a request, then returns what arrives until nothing has come for a while, sorted. */
    List<String> send(WatchRequest r) throws InterruptedException {
      if (r != null) {
        requests.onNext(r);
      }
      return collect(400);
    }

    List<String> collect(long quietMs) throws InterruptedException {
      List<String> out = collectInOrder(quietMs);
      // Responses to different watchers of one write may come in any order (etcd's map order).
      Collections.sort(out);
      return out;
    }

    List<String> collectInOrder(long quietMs) throws InterruptedException {
      List<String> out = new ArrayList<>();
      Object o;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10); // bounded even if chatty
      while (System.nanoTime() < deadline && (o = got.poll(quietMs, TimeUnit.MILLISECONDS)) != null) {
        out.add(o instanceof WatchResponse w ? text(w) : o.toString());
      }
      return out;
    }
  }

  static String text(WatchResponse w) {
    return TextFormat.printer()
        .shortDebugString(w)
        .replaceAll("cluster_id: \\d+", "cluster_id: <ID>")
        .replaceAll("member_id: \\d+", "member_id: <ID>")
        .replaceAll("raft_term: \\d+", "raft_term: <TERM>");
  }

  private static WatchRequest create(WatchCreateRequest.Builder c) {
    return WatchRequest.newBuilder().setCreateRequest(c).build();
  }

  private static String transcript(EtcdProcess.Kind kind) throws Exception {
    try (EtcdProcess server = EtcdProcess.start(kind, "watch-grpc", FLAGS)) {
      ManagedChannel ch = NettyChannelBuilder.forTarget(server.endpoint()).usePlaintext().build();
      try {
        KVGrpc.KVBlockingStub kv = KVGrpc.newBlockingStub(ch);
        WatchGrpc.WatchStub watch = WatchGrpc.newStub(ch);
        StringBuilder t = new StringBuilder();
        kv.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("1")).build()); // rev 2
        kv.put(PutRequest.newBuilder().setKey(b("b")).setValue(b("2")).build()); // rev 3
        Stream s = new Stream(watch);
        step(t, "create a (auto id)", s.send(create(WatchCreateRequest.newBuilder().setKey(b("a")))));
        step(t, "create a, id 7", s.send(create(WatchCreateRequest.newBuilder().setKey(b("a")).setWatchId(7))));
        step(t, "create a, id 7 again", s.send(create(WatchCreateRequest.newBuilder().setKey(b("a")).setWatchId(7))));
        step(t, "create b..a", s.send(create(WatchCreateRequest.newBuilder().setKey(b("b")).setRangeEnd(b("a")))));
        step(t, "create every key from rev 2, prev_kv",
            s.send(create(WatchCreateRequest.newBuilder().setKey(b("\0")).setRangeEnd(b("\0"))
                .setStartRevision(2).setPrevKv(true))));
        step(t, "progress request", s.send(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build()));
        step(t, "cancel 7", s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7)).build()));
        step(t, "cancel 99", s.send(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(99)).build()));
        kv.put(PutRequest.newBuilder().setKey(b("a")).setValue(b("3")).build()); // rev 4
        step(t, "put a=3", s.collect(400));
        step(t, "create b, NOPUT", s.send(create(WatchCreateRequest.newBuilder().setKey(b("b"))
            .addFilters(WatchCreateRequest.FilterType.NOPUT))));
        kv.put(PutRequest.newBuilder().setKey(b("b")).setValue(b("4")).build()); // rev 5
        step(t, "put b=4", s.collect(400));
        kv.compact(CompactionRequest.newBuilder().setRevision(4).build());
        step(t, "create a from compacted rev 2", s.send(create(WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(2))));
        step(t, "create a from compact rev 4", s.send(create(WatchCreateRequest.newBuilder().setKey(b("a")).setStartRevision(4))));

        // Fragments: one revision of five large puts with their previous values.
        TxnRequest.Builder txn = TxnRequest.newBuilder();
        for (int i = 0; i < 5; i++) {
          txn.addSuccess(RequestOp.newBuilder().setRequestPut(
              PutRequest.newBuilder().setKey(b("f/" + i)).setValue(ByteString.copyFrom(new byte[FRAGMENT_VALUE_BYTES]))));
        }
        kv.txn(txn.build());
        Stream f = new Stream(watch);
        step(t, "create f/ with fragment and prev_kv", f.send(create(WatchCreateRequest.newBuilder().setKey(b("f/"))
            .setRangeEnd(b("f0")).setFragment(true).setPrevKv(true))));
        step(t, "create f/ with prev_kv, without fragment", f.send(create(WatchCreateRequest.newBuilder()
            .setKey(b("f/")).setRangeEnd(b("f0")).setPrevKv(true))));
        kv.txn(txn.build());
        // In arrival order, the other watcher's message filtered out: fragments keep their order.
        List<String> frags = f.collectInOrder(400);
        step(t, "txn of 5 large puts again: sizes", summarize(frags));

        // Periodic progress: only the watcher that asked, only while idle.
        Stream p = new Stream(watch);
        // etcd's progress ticker runs per stream from its start: the first comes 500 ms after it.
        p.requests.onNext(create(WatchCreateRequest.newBuilder().setKey(b("idle")).setProgressNotify(true)));
        step(t, "create idle with progress_notify", p.collect(200));
        EtcdProcess.sleepMs(1_600);
        List<String> notes = new ArrayList<>();
        Object o;
        while ((o = p.got.poll()) != null) {
          notes.add(o instanceof WatchResponse w ? text(w) : o.toString());
        }
        assertTrue(!notes.isEmpty(), kind + ": no progress notification in 1.5 s");
        step(t, "first progress notification", notes.subList(0, 1));
        return t.toString();
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** Fragment flags and event counts only (the values are 3000 zero bytes). */
  private static List<String> summarize(List<String> responses) {
    List<String> out = new ArrayList<>();
    responses = new ArrayList<>(responses);
    // the unfragmented watcher's one message may come before, between or after the fragments
    responses.sort(java.util.Comparator.comparing(r -> r.contains("watch_id: 1 ") ? 1 : 0));
    for (String r : responses) {
      int events = r.split("events \\{", -1).length - 1;
      String id = r.matches(".*watch_id: \\d+.*") ? r.replaceAll(".*watch_id: (\\d+).*", "$1") : "0";
      out.add("watch_id " + id + " events " + events
          + (r.contains("fragment: true") ? " fragment" : ""));
    }
    return out;
  }

  private static void step(StringBuilder t, String what, List<String> responses) {
    t.append("# ").append(what).append('\n');
    for (String r : responses) {
      t.append(r).append('\n');
    }
  }

  @Test
  void etcdjAnswersAsEtcdDoes() throws Exception {
    Map<EtcdProcess.Kind, String> transcripts = new EnumMap<>(EtcdProcess.Kind.class);
    for (EtcdProcess.Kind kind : EtcdProcess.selectedKinds()) {
      String t = transcript(kind);
      transcripts.put(kind, t);
      java.nio.file.Files.createDirectories(EtcdProcess.LOG_ROOT);
      java.nio.file.Files.writeString(
          EtcdProcess.LOG_ROOT.resolve("watch-grpc-" + kind + ".transcript"), t);
      assertTrue(t.contains("events 3 fragment\nwatch_id 0 events 2\n"), kind + ": no fragments in\n" + t);
    }
    String etcd = transcripts.get(EtcdProcess.Kind.ETCD);
    String etcdj = transcripts.get(EtcdProcess.Kind.ETCDJ);
    if (etcd != null && etcdj != null) {
      assertEquals(etcd, etcdj);
    }
  }
}
