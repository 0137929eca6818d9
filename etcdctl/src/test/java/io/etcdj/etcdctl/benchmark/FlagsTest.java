package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.etcdj.api.etcdserverpb.RangeRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

class FlagsTest {
  private static <T> T sub(ParseResult parsed, Class<T> type) {
    return type.cast(parsed.subcommand().commandSpec().userObject());
  }

  private static Benchmark root(ParseResult parsed) {
    return (Benchmark) parsed.commandSpec().userObject();
  }

  @Test
  void putDefaultsAreEtcds() {
    ParseResult parsed = new CommandLine(new Benchmark()).parseArgs("put");
    Benchmark root = root(parsed);
    PutCommand put = sub(parsed, PutCommand.class);
    assertEquals("127.0.0.1:2379", root.endpoints);
    assertEquals(1, root.clients);
    assertEquals(1, root.conns);
    assertFalse(root.precise);
    assertFalse(root.targetLeader);
    assertFalse(root.json);
    assertEquals(5_000, root.dialTimeoutMillis);
    assertEquals(10_000, put.total);
    assertEquals(8, put.keySizeBytes);
    assertEquals(8, put.valueSizeBytes);
    assertEquals(1, put.keySpaceSize);
    assertFalse(put.sequentialKeys);
    assertEquals(0, put.ratePerSecond);
  }

  @Test
  void globalFlagsWorkBeforeAndAfterTheSubcommand() {
    ParseResult before =
        new CommandLine(new Benchmark())
            .parseArgs("--clients", "100", "--conns", "10", "put", "--total", "5");
    ParseResult after =
        new CommandLine(new Benchmark())
            .parseArgs("put", "--clients", "100", "--conns=10", "--precise", "--total", "5");
    for (ParseResult parsed : List.of(before, after)) {
      assertEquals(100, root(parsed).clients);
      assertEquals(10, root(parsed).conns);
      assertEquals(5, sub(parsed, PutCommand.class).total);
    }
    assertTrue(root(after).precise);
  }

  @Test
  void putFlagsParse() {
    ParseResult parsed =
        new CommandLine(new Benchmark())
            .parseArgs(
                "put", "--key-size", "16", "--val-size", "256", "--key-space-size", "1000",
                "--sequential-keys", "--rate", "500", "--total", "3000");
    PutCommand put = sub(parsed, PutCommand.class);
    assertEquals(16, put.keySizeBytes);
    assertEquals(256, put.valueSizeBytes);
    assertEquals(1000, put.keySpaceSize);
    assertTrue(put.sequentialKeys);
    assertEquals(500, put.ratePerSecond);
    assertEquals(3000, put.total);
    assertEquals(256, put.workload().requests().apply(0).getValue().size());
    assertEquals(16, put.workload().requests().apply(0).getKey().size());
  }

  @Test
  void rangeDefaultsToLinearizableSingleKey() {
    ParseResult parsed = new CommandLine(new Benchmark()).parseArgs("range", "foo");
    RangeCommand range = sub(parsed, RangeCommand.class);
    assertEquals("foo", range.key);
    assertNull(range.end);
    assertEquals(10_000, range.total);
    RangeRequest request = range.workload().requests().apply(0);
    assertEquals("foo", request.getKey().toStringUtf8());
    assertTrue(request.getRangeEnd().isEmpty());
    assertFalse(request.getSerializable());
    assertEquals(0, request.getLimit());
  }

  @Test
  void rangeSerializableWithEndAndLimit() {
    ParseResult parsed =
        new CommandLine(new Benchmark())
            .parseArgs("range", "a", "z", "--consistency", "s", "--limit", "10");
    RangeRequest request = sub(parsed, RangeCommand.class).workload().requests().apply(3);
    assertEquals("z", request.getRangeEnd().toStringUtf8());
    assertTrue(request.getSerializable());
    assertEquals(10, request.getLimit());
  }

  @Test
  void watchDefaultsAreEtcds() {
    WatchCommand watch =
        sub(new CommandLine(new Benchmark()).parseArgs("watch"), WatchCommand.class);
    assertEquals(10, watch.streams);
    assertEquals(100, watch.watchersPerStream);
    assertEquals(1, watch.watchedKeyTotal);
    assertEquals(0, watch.putRatePerSecond);
    assertEquals(1000, watch.putTotal);
    assertEquals(32, watch.keySizeBytes);
    assertEquals(1, watch.keySpaceSize);
    assertFalse(watch.sequentialKeys);
    assertFalse(watch.watchPrefix);
    assertEquals(0, watch.idleHoldMillis);
    assertEquals(60_000, watch.waitTimeoutMillis);
  }

  @Test
  void watchFlagsParse() {
    ParseResult parsed =
        new CommandLine(new Benchmark())
            .parseArgs(
                "--clients", "50", "watch", "--streams", "100", "--watch-per-stream", "1000",
                "--watched-key-total", "10000", "--put-rate", "500", "--put-total", "20",
                "--key-size", "16", "--key-space-size", "10000", "--sequential-keys",
                "--watch-prefix", "--idle-hold", "5s", "--wait-timeout", "2m");
    WatchCommand watch = sub(parsed, WatchCommand.class);
    assertEquals(50, root(parsed).clients);
    assertEquals(100, watch.streams);
    assertEquals(1000, watch.watchersPerStream);
    assertEquals(10_000, watch.watchedKeyTotal);
    assertEquals(500, watch.putRatePerSecond);
    assertEquals(20, watch.putTotal);
    assertEquals(16, watch.keySizeBytes);
    assertTrue(watch.sequentialKeys);
    assertTrue(watch.watchPrefix);
    assertEquals(5_000, watch.idleHoldMillis);
    assertEquals(120_000, watch.waitTimeoutMillis);
    WatchKeys keys = watch.keys();
    assertEquals(10_000, keys.watchedKeyTotal());
    var create = WatchCommand.createRequest(keys.keyOfWatcher(1), true);
    assertEquals(16, create.getKey().size());
    assertEquals(WatchKeys.prefixEnd(keys.keyOfWatcher(1)).length, create.getRangeEnd().size());
    var put = WatchCommand.putWorkload(keys).requests().apply(10_001);
    assertEquals(create.getKey(), put.getKey());
    assertEquals("data", put.getValue().toStringUtf8());
  }

  @Test
  void watchLatencyDefaultsAreEtcds() {
    WatchLatencyCommand latency =
        sub(new CommandLine(new Benchmark()).parseArgs("watch-latency"), WatchLatencyCommand.class);
    assertEquals(10, latency.streams);
    assertEquals(10, latency.watchersPerStream);
    assertFalse(latency.prevKv);
    assertEquals(1000, latency.putTotal);
    assertEquals(100, latency.putRatePerSecond);
    assertEquals(32, latency.keySizeBytes);
    assertEquals(32, latency.valueSizeBytes);
  }

  @Test
  void watchLatencyFlagsParse() {
    WatchLatencyCommand latency =
        sub(
            new CommandLine(new Benchmark())
                .parseArgs(
                    "watch-latency", "--streams", "4", "--watchers-per-stream", "25", "--prevkv",
                    "--put-total", "2500", "--put-rate", "500", "--key-size", "8",
                    "--val-size", "256"),
            WatchLatencyCommand.class);
    assertEquals(4, latency.streams);
    assertEquals(25, latency.watchersPerStream);
    assertTrue(latency.prevKv);
    assertEquals(2500, latency.putTotal);
    assertEquals(500, latency.putRatePerSecond);
    var put =
        WatchLatencyCommand.putWorkload(
                WatchLatencyCommand.randomBytes(8, 1),
                com.google.protobuf.ByteString.copyFrom(WatchLatencyCommand.randomBytes(256, 2)))
            .requests()
            .apply(7);
    assertEquals(8, put.getKey().size());
    assertEquals(256, put.getValue().size());
  }

  @Test
  void leaseKeepAliveDefaultsAreEtcds() {
    ParseResult parsed = new CommandLine(new Benchmark()).parseArgs("lease-keepalive");
    LeaseKeepAliveCommand keepAlive = sub(parsed, LeaseKeepAliveCommand.class);
    assertEquals(10_000, keepAlive.total);
    assertEquals(1, root(parsed).clients);
    assertEquals(1, root(parsed).conns);
    assertFalse(keepAlive.oneStream);
    assertTrue(keepAlive.revokeAfter);
  }

  @Test
  void leaseKeepAliveFlagsParse() {
    ParseResult parsed =
        new CommandLine(new Benchmark())
            .parseArgs(
                "--clients", "100", "lease-keepalive", "--conns", "10", "--total", "5000",
                "--one-stream", "--no-revoke-after");
    LeaseKeepAliveCommand keepAlive = sub(parsed, LeaseKeepAliveCommand.class);
    assertEquals(100, root(parsed).clients);
    assertEquals(10, root(parsed).conns);
    assertEquals(5_000, keepAlive.total);
    assertTrue(keepAlive.oneStream);
    assertFalse(keepAlive.revokeAfter);
  }

  @Test
  void leaseGrantDefaults() {
    LeaseGrantCommand grant =
        sub(new CommandLine(new Benchmark()).parseArgs("lease-grant"), LeaseGrantCommand.class);
    assertEquals(10_000, grant.total);
    assertEquals(60, grant.ttlSeconds);
    assertTrue(grant.revokeAfter);
    assertEquals(0, grant.ratePerSecond);
  }

  @ParameterizedTest
  @CsvSource({
    "--revoke-after, true",
    "--revoke-after=true, true",
    "--revoke-after=false, false",
    "--no-revoke-after, false",
  })
  void revokeAfterIsABooleanWithANegation(String flag, boolean expected) {
    LeaseGrantCommand grant =
        sub(
            new CommandLine(new Benchmark()).parseArgs("lease-grant", flag),
            LeaseGrantCommand.class);
    assertEquals(expected, grant.revokeAfter);
    LeaseKeepAliveCommand keepAlive =
        sub(
            new CommandLine(new Benchmark()).parseArgs("lease-keepalive", flag),
            LeaseKeepAliveCommand.class);
    assertEquals(expected, keepAlive.revokeAfter);
  }

  @Test
  void leaseGrantRequestsCarryTheTtlAndKeepTheGrantedIds() {
    LeaseGrantCommand grant =
        sub(
            new CommandLine(new Benchmark())
                .parseArgs("lease-grant", "--ttl", "5", "--total", "3", "--rate", "100"),
            LeaseGrantCommand.class);
    grant.validate();
    long[] ids = new long[3];
    var workload = Leases.grants("lease-grant", grant.ttlSeconds, ids);
    assertEquals(5, workload.requests().apply(2).getTTL());
    assertEquals(0, workload.requests().apply(2).getID(), "the server chooses the id");
    workload
        .responses()
        .received(1, io.etcdj.api.etcdserverpb.LeaseGrantResponse.newBuilder().setID(42).build());
    assertArrayEquals(new long[] {0, 42, 0}, ids);
    assertArrayEquals(new long[] {42}, Leases.granted(ids));
    assertEquals(42, Leases.revokes(Leases.granted(ids)).requests().apply(0).getID());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "lease-keepalive --total 0",
        "lease-keepalive --clients 0",
        "lease-keepalive --ttl 5",
        "lease-keepalive --revoke-after maybe",
        "lease-grant --total 0",
        "lease-grant --total 10000001",
        "lease-grant --ttl 0",
        "lease-grant --ttl 9000000001",
        "lease-grant --rate -1",
        "lease-grant --clients 0",
        "lease-grant --one-stream",
        "watch --streams 0",
        "watch --watch-per-stream 0",
        "watch --streams 10000 --watch-per-stream 10000",
        "watch --watched-key-total 0",
        "watch --key-space-size 0",
        "watch --key-size 1 --key-space-size 1000",
        "watch --put-total -1",
        "watch --put-rate -1",
        "watch --idle-hold -1s",
        "watch --idle-hold 2h",
        "watch --wait-timeout 0",
        "watch --watchers-per-stream 5",
        "watch-latency --put-rate 0",
        "watch-latency --put-total 0",
        "watch-latency --streams 0",
        "watch-latency --watchers-per-stream 0",
        "watch-latency --streams 1000 --watchers-per-stream 1000 --put-total 1000",
        "watch-latency --val-size -1",
        "watch-latency --watch-per-stream 5",
        "range foo --consistency x",
        "range",
        "range a b c",
        "put --total 0",
        "put --key-size 1 --key-space-size 1000",
        "put --clients 0",
        "--conns 0 put",
        "--endpoints https://127.0.0.1:2379 put",
        "--dial-timeout 5 put",
        "put --no-such-flag",
        "--endpoints 127.0.0.1:1,127.0.0.1:2 serving",
        "serving --timeout 0",
        "serving extra",
      })
  void badFlagsAreUsageErrors(String args) {
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new Benchmark());
    cmd.setErr(new PrintWriter(err));
    cmd.setOut(new PrintWriter(new StringWriter()));
    // Validation happens before any connection is attempted; a usage error exits 2.
    assertEquals(2, cmd.execute(args.split(" ")), err.toString());
  }

  @ParameterizedTest
  @CsvSource({
    "127.0.0.1:2379, 127.0.0.1, 2379",
    "http://127.0.0.1:23790, 127.0.0.1, 23790",
    "http://localhost:2379/, localhost, 2379",
    "'[::1]:2379', ::1, 2379",
  })
  void endpointForms(String text, String host, int port) {
    assertEquals(new Endpoint(host, port), Endpoint.parse(text));
  }

  @Test
  void endpointListIsCommaSeparated() {
    assertEquals(
        List.of(new Endpoint("a", 1), new Endpoint("b", 2)),
        Endpoint.parseList("http://a:1, b:2,"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parseList(" , "));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("127.0.0.1"));
    assertThrows(IllegalArgumentException.class, () -> Endpoint.parse("host:99999"));
  }

  @ParameterizedTest
  @CsvSource({"250ms, 250", "5s, 5000", "1.5s, 1500", "1m, 60000"})
  void dialTimeoutTakesGoDurations(String text, long millis) {
    assertEquals(millis, new Benchmark.DurationMillisConverter().convert(text));
  }
}
