package io.etcdj.etcdctl.benchmark;

import io.etcdj.api.etcdserverpb.KVGrpc;
import io.etcdj.api.etcdserverpb.PutRequest;
import io.etcdj.api.etcdserverpb.PutResponse;
import io.etcdj.api.etcdserverpb.RangeRequest;
import io.etcdj.api.etcdserverpb.RangeResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A KV service that records what it is sent: request counts, key and value sizes, distinct keys,
 * the highest number of calls in flight at once. Every {@code failEvery}-th put (by arrival) fails
 * with UNAVAILABLE. Thread-safe.
 */
final class FakeKv extends KVGrpc.KVImplBase {
  final AtomicLong puts = new AtomicLong();
  final AtomicLong ranges = new AtomicLong();
  final Map<Integer, AtomicLong> keySizes = new ConcurrentHashMap<>();
  final Map<Integer, AtomicLong> valueSizes = new ConcurrentHashMap<>();
  final Map<String, Boolean> keys = new ConcurrentHashMap<>();
  final Map<Boolean, AtomicLong> serializable = new ConcurrentHashMap<>();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger inFlightMax = new AtomicInteger();
  private final long failEvery;

  FakeKv(long failEvery) {
    this.failEvery = failEvery;
  }

  @Override
  public void put(PutRequest request, StreamObserver<PutResponse> response) {
    int now = inFlight.incrementAndGet();
    inFlightMax.accumulateAndGet(now, Math::max);
    long n = puts.incrementAndGet();
    keySizes.computeIfAbsent(request.getKey().size(), k -> new AtomicLong()).incrementAndGet();
    valueSizes.computeIfAbsent(request.getValue().size(), k -> new AtomicLong()).incrementAndGet();
    keys.put(request.getKey().toString(java.nio.charset.StandardCharsets.ISO_8859_1), true);
    // Yield so concurrent clients really overlap on the server.
    Thread.yield();
    inFlight.decrementAndGet();
    if (failEvery > 0 && n % failEvery == 0) {
      response.onError(Status.UNAVAILABLE.withDescription("fake failure").asRuntimeException());
      return;
    }
    response.onNext(PutResponse.getDefaultInstance());
    response.onCompleted();
  }

  @Override
  public void range(RangeRequest request, StreamObserver<RangeResponse> response) {
    ranges.incrementAndGet();
    serializable.computeIfAbsent(request.getSerializable(), k -> new AtomicLong()).incrementAndGet();
    response.onNext(RangeResponse.newBuilder().setCount(0).build());
    response.onCompleted();
  }
}
