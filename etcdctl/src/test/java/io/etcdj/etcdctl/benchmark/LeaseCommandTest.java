package io.etcdj.etcdctl.benchmark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code lease-grant} and {@code lease-keepalive} over real netty connections to {@link FakeLease}
 * on a free loopback port: exact request counts, the streams each mode opens, the revokes after
 * the run, and a clear failure (exit 1) from a server without the Lease service.
 */
class LeaseCommandTest {
  private Server server;
  private String endpoint;

  private void serve(BindableService... services) throws Exception {
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0));
    for (BindableService service : services) {
      builder.addService(service);
    }
    server = builder.build().start();
    endpoint = "127.0.0.1:" + server.getPort();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.shutdownNow();
    }
  }

  private record Output(String out, String err) {}

  private Output run(int expectedExit, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = new CommandLine(new Benchmark());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    String[] withEndpoint = new String[args.length + 2];
    withEndpoint[0] = "--endpoints";
    withEndpoint[1] = endpoint;
    System.arraycopy(args, 0, withEndpoint, 2, args.length);
    int exit = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> cmd.execute(withEndpoint));
    assertEquals(expectedExit, exit, err.toString());
    return new Output(out.toString(), err.toString());
  }

  @Test
  void leaseGrantGrantsTotalWithTheTtlAndRevokesThemAfter() throws Exception {
    FakeLease lease = new FakeLease(false, true);
    serve(lease);
    Output o =
        run(0, "--clients", "8", "--conns", "2", "lease-grant", "--total", "500", "--ttl", "30");
    assertEquals(500, lease.grants.get());
    assertEquals(Set.of(30L), Set.copyOf(lease.ttlsGranted.values()));
    assertEquals(lease.ttlsGranted.keySet(), lease.revoked.keySet());
    assertEquals(0, lease.live.size());
    assertTrue(o.out().contains("\nRESULT op=lease-grant requests=500 errors=0 "), o.out());
    assertTrue(o.err().contains("lease-grant: revoked 500 leases in "), o.err());
  }

  @Test
  void leaseGrantWithoutRevokeAfterLeavesTheLeases() throws Exception {
    FakeLease lease = new FakeLease(false, true);
    serve(lease);
    run(0, "--clients", "4", "lease-grant", "--total", "40", "--no-revoke-after");
    assertEquals(40, lease.live.size());
    assertEquals(0, lease.revoked.size());
  }

  @Test
  void leaseKeepAliveOpensAStreamPerKeepAliveLikeEtcds() throws Exception {
    FakeLease lease = new FakeLease(false, true);
    serve(lease);
    Output o = run(0, "--clients", "5", "--conns", "2", "lease-keepalive", "--total", "300");
    assertEquals(5, lease.grants.get());
    assertEquals(
        Set.of(LeaseKeepAliveCommand.GRANT_TTL_SECONDS), Set.copyOf(lease.ttlsGranted.values()));
    assertEquals(300, lease.keepAlives.get());
    assertEquals(300, lease.streams.get());
    assertEquals(lease.ttlsGranted.keySet(), lease.keepAlivesByLease.keySet());
    assertEquals(lease.ttlsGranted.keySet(), lease.revoked.keySet());
    assertTrue(o.out().contains("\nRESULT op=lease-keepalive requests=300 errors=0 "), o.out());
  }

  @Test
  void oneStreamKeepsOneStreamPerClient() throws Exception {
    FakeLease lease = new FakeLease(false, true);
    serve(lease);
    run(0, "--clients", "5", "--conns", "2", "lease-keepalive", "--total", "300", "--one-stream");
    assertEquals(300, lease.keepAlives.get());
    assertEquals(5, lease.streams.get());
  }

  @Test
  void aKeepAliveOfAnUnknownLeaseIsEtcdsLeaseNotFound() throws Exception {
    FakeLease lease = new FakeLease(true, true);
    serve(lease);
    Output o = run(0, "--clients", "3", "lease-keepalive", "--total", "30", "--json");
    assertEquals(30, lease.keepAlives.get());
    assertTrue(
        o.out().contains("\"errors\":30,")
            && o.out().contains("\"error_counts\":{\"etcdserver: requested lease not found\":30}"),
        o.out());
  }

  @Test
  void aServerWithoutTheLeaseServiceFailsClearly() throws Exception {
    serve(new FakeKv(0));
    Output grant = run(1, "--clients", "2", "lease-grant", "--total", "20");
    assertTrue(
        grant.err().contains("the server answered UNIMPLEMENTED to 20 of 20 requests")
            && grant.err().contains("etcdserverpb.Lease/LeaseGrant"),
        grant.err());
    Output keepAlive = run(1, "--clients", "2", "lease-keepalive", "--total", "20");
    assertTrue(
        keepAlive.err().contains("UNIMPLEMENTED")
            && keepAlive.err().contains("etcdserverpb.Lease/LeaseGrant"),
        keepAlive.err());
    assertEquals("", keepAlive.out(), "no report without leases");
  }

  @Test
  void aServerWithoutKeepAlivesFailsClearlyAndStillRevokes() throws Exception {
    FakeLease lease = new FakeLease(false, false);
    serve(lease);
    Output o = run(1, "--clients", "2", "lease-keepalive", "--total", "20");
    assertTrue(
        o.err().contains("the server answered UNIMPLEMENTED to 20 of 20 requests")
            && o.err().contains("etcdserverpb.Lease/LeaseKeepAlive"),
        o.err());
    assertEquals(Map.of(), Map.copyOf(lease.live));
  }
}
