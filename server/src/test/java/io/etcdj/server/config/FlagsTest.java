package io.etcdj.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FlagsTest {

  @Test
  void defaultsAreEtcds() {
    ServerConfig c = Flags.parse(new String[0], Map.of());
    assertEquals("default", c.name());
    assertEquals(Path.of("default.etcd"), c.dataDir());
    assertEquals(List.of(URI.create("http://localhost:2379")), c.listenClientUrls());
    assertEquals(List.of(URI.create("http://localhost:2379")), c.advertiseClientUrls());
    assertEquals(List.of(URI.create("http://localhost:2380")), c.initialAdvertisePeerUrls());
    assertEquals(Map.of("default", List.of(URI.create("http://localhost:2380"))), c.initialCluster());
    assertEquals("new", c.initialClusterState());
    assertEquals("etcd-cluster", c.initialClusterToken());
    assertEquals(1_572_864, c.maxRequestBytes());
    assertEquals(2 * 1024 * 1024, c.grpcMaxInboundMessageBytes());
    assertEquals(128, c.maxTxnOps());
    assertEquals(2L * 1024 * 1024 * 1024, c.effectiveQuotaBytes());
    assertEquals(true, c.strictReconfigCheck());
    assertEquals(true, c.initialElectionTickAdvance());
    assertEquals(5_000, c.snapshotCatchUpEntries());
    assertEquals(true, c.leaseCheckpoint(), "etcdj checkpoints leases unless told not to");
  }

  /** etcd turns the quota off for a negative value (and refuses nothing); 0 means its 2 GiB default. */
  @Test
  void negativeQuotaMeansNone() {
    assertEquals(-1, Flags.parse(new String[] {"--quota-backend-bytes", "-1"}, Map.of()).effectiveQuotaBytes());
    assertEquals(-5, Flags.parse(new String[] {"--quota-backend-bytes=-5"}, Map.of()).effectiveQuotaBytes());
    assertEquals(-1, Flags.parse(new String[0], Map.of("ETCD_QUOTA_BACKEND_BYTES", "-1")).effectiveQuotaBytes());
    assertEquals(
        16L << 30, Flags.parse(new String[] {"--quota-backend-bytes", "17179869184"}, Map.of()).effectiveQuotaBytes());
  }

  @Test
  void metricsFlagsAreEtcds() {
    ServerConfig d = Flags.parse(new String[0], Map.of());
    assertEquals(List.of(), d.listenMetricsUrls());
    assertEquals(false, d.metricsExtensive());
    ServerConfig c =
        Flags.parse(
            new String[] {
              "--listen-metrics-urls", "http://127.0.0.1:2381,http://127.0.0.1:2382", "--metrics=extensive"
            },
            Map.of());
    assertEquals(
        List.of(URI.create("http://127.0.0.1:2381"), URI.create("http://127.0.0.1:2382")),
        c.listenMetricsUrls());
    assertEquals(true, c.metricsExtensive());
    // As etcd, any value but "extensive" is basic.
    assertEquals(false, Flags.parse(new String[] {"--metrics", "basic"}, Map.of()).metricsExtensive());
    assertEquals(
        true, Flags.parse(new String[0], Map.of("ETCD_METRICS", "extensive")).metricsExtensive());
  }

  @Test
  void dataDirFollowsName() {
    assertEquals(Path.of("n1.etcd"), Flags.parse(new String[] {"--name", "n1"}, Map.of()).dataDir());
  }

  @ParameterizedTest
  @CsvSource({
    "--max-txn-ops=7, 7",
    "-max-txn-ops=9, 9",
  })
  void goAndGnuFlagFormsWork(String arg, int expected) {
    assertEquals(expected, Flags.parse(new String[] {arg}, Map.of()).maxTxnOps());
  }

  @Test
  void environmentVariablesSetFlags() {
    ServerConfig c =
        Flags.parse(new String[0], Map.of("ETCD_NAME", "envname", "ETCD_MAX_TXN_OPS", "3"));
    assertEquals("envname", c.name());
    assertEquals(3, c.maxTxnOps());
  }

  @Test
  void flagAndEnvironmentTogetherIsFatal() {
    FlagException e =
        assertThrows(
            FlagException.class,
            () -> Flags.parse(new String[] {"--name", "a"}, Map.of("ETCD_NAME", "b")));
    assertEquals(
        "conflicting environment variable \"ETCD_NAME\" is shadowed by corresponding command-line"
            + " flag (either unset environment variable or disable flag)",
        e.getMessage());
    assertEquals(1, e.exitCode());
  }

  @Test
  void unknownFlagIsRejectedAsEtcdDoes() {
    FlagException e =
        assertThrows(FlagException.class, () -> Flags.parse(new String[] {"--foo"}, Map.of()));
    assertEquals("flag provided but not defined: -foo", e.getMessage());
    assertEquals(2, e.exitCode());
  }

  @Test
  void badNumberIsRejectedAsEtcdDoes() {
    FlagException e =
        assertThrows(
            FlagException.class,
            () -> Flags.parse(new String[] {"--max-txn-ops", "abc"}, Map.of()));
    assertEquals("invalid value \"abc\" for flag -max-txn-ops: parse error", e.getMessage());
    assertEquals(2, e.exitCode());
  }

  /** etcd 3.4: ≤ 0 keeps the 10-minute default, a positive value under 100 ms is raised to it. */
  @ParameterizedTest
  @CsvSource({
    "10m, 600000000000",
    "1.5s, 1500000000",
    "1h30m, 5400000000000",
    "500ms, 500000000",
    "10ms, 100000000",
    "0, 600000000000",
    "-1s, 600000000000"
  })
  void watchProgressNotifyIntervalIsAGoDuration(String value, long nanos) {
    assertEquals(
        nanos,
        Flags.parse(new String[] {"--experimental-watch-progress-notify-interval=" + value}, Map.of())
            .watchProgressNotifyIntervalNanos());
  }

  @Test
  void badDurationIsRejectedAsEtcdDoes() {
    for (String bad : new String[] {"abc", "10", "1x", "", "1.2.3s", "s"}) {
      FlagException e =
          assertThrows(
              FlagException.class,
              () ->
                  Flags.parse(
                      new String[] {"--experimental-watch-progress-notify-interval=" + bad},
                      Map.of()));
      assertEquals(
          "invalid value \"" + bad + "\" for flag -experimental-watch-progress-notify-interval: parse error",
          e.getMessage());
      assertEquals(2, e.exitCode());
    }
  }

  @Test
  void missingArgumentIsRejected() {
    FlagException e =
        assertThrows(FlagException.class, () -> Flags.parse(new String[] {"--name"}, Map.of()));
    assertEquals("flag needs an argument: -name", e.getMessage());
  }

  /**
   * etcd reads --initial-cluster only on a first start (a restart with "x" works, checked live),
   * so its problems are kept for the first start to report rather than failing the parse.
   */
  @Test
  void initialClusterProblemsAreKeptForTheFirstStart() {
    ServerConfig absent =
        Flags.parse(
            new String[] {"--name", "x", "--initial-cluster", "y=http://127.0.0.1:2380"}, Map.of());
    assertEquals(
        "couldn't find local name \"x\" in the initial cluster configuration",
        absent.initialClusterError());
    ServerConfig bad = Flags.parse(new String[] {"--initial-cluster", "x"}, Map.of());
    assertEquals(
        "error setting up initial cluster: invalid value \"x\" for --initial-cluster",
        bad.initialClusterError());
    assertEquals(Map.of(), bad.initialCluster());
    assertEquals(null, Flags.parse(new String[0], Map.of()).initialClusterError());
  }

  @Test
  void initialClusterIsParsedInOrder() {
    ServerConfig c =
        Flags.parse(
            new String[] {
              "--name", "b",
              "--initial-cluster", "a=http://127.0.0.1:1,b=http://127.0.0.1:2,b=http://127.0.0.1:3"
            },
            Map.of());
    assertEquals(List.of("a", "b"), List.copyOf(c.initialCluster().keySet()));
    assertEquals(2, c.initialCluster().get("b").size());
  }

  @ParameterizedTest
  @CsvSource({"--listen-client-urls=localhost:2379", "--initial-cluster-state=maybe", "--log-level=loud"})
  void badValuesAreRejected(String arg) {
    assertThrows(FlagException.class, () -> Flags.parse(new String[] {arg}, Map.of()));
  }

  @Test
  void unknownEtcdVariablesAreOnlyWarnedAbout() {
    Map<String, String> env = Map.of("ETCD_FOO", "bar", "ETCD_NAME", "n", "PATH", "/bin");
    assertEquals(List.of("unrecognized environment variable ETCD_FOO=bar"), Flags.unrecognizedEnvironment(env));
    assertEquals("n", Flags.parse(new String[0], env).name());
  }

  /** etcd 3.4.23 logs these lines (checked live): flag-name order, empty values skipped, unknown names left out. */
  @Test
  void usedEtcdVariablesAreReportedInFlagOrder() {
    Map<String, String> env =
        Map.of("ETCD_NAME", "n", "ETCD_LOG_LEVEL", "info", "ETCD_LOGGER", "capnslog", "ETCD_DATA_DIR", "/d", "ETCD_WAL_DIR", "", "ETCD_FOO", "bar");
    assertEquals(
        List.of(
            "recognized and used environment variable ETCD_DATA_DIR=/d",
            "recognized and used environment variable ETCD_LOG_LEVEL=info",
            "recognized and used environment variable ETCD_LOGGER=capnslog",
            "recognized and used environment variable ETCD_NAME=n"),
        Flags.recognizedEnvironment(env));
    assertEquals(
        List.of("unrecognized environment variable ETCD_FOO=bar", "unrecognized environment variable ETCD_WAL_DIR="),
        Flags.unrecognizedEnvironment(env));
    assertEquals("default", Flags.parse(new String[0], Map.of("ETCD_NAME", "")).name());
  }

  /** Go bool flag forms, as etcd 3.4.23 parses them (checked live). */
  @ParameterizedTest
  @CsvSource({
    "--strict-reconfig-check=false, false",
    "-strict-reconfig-check=0, false",
    "--strict-reconfig-check=False, false",
    "--strict-reconfig-check=F, false",
    "--strict-reconfig-check, true",
    "-strict-reconfig-check, true",
    "--strict-reconfig-check=TRUE, true",
    "--strict-reconfig-check=1, true",
  })
  void strictReconfigCheckTakesGoBoolForms(String arg, boolean expected) {
    assertEquals(expected, Flags.parse(new String[] {arg}, Map.of()).strictReconfigCheck());
  }

  @ParameterizedTest
  @CsvSource({
    "--experimental-enable-lease-checkpoint=false, false",
    "--experimental-enable-lease-checkpoint, true",
    "-experimental-enable-lease-checkpoint=0, false",
    "--experimental-enable-lease-checkpoint=true, true",
  })
  void leaseCheckpointIsAGoBool(String arg, boolean expected) {
    assertEquals(expected, Flags.parse(new String[] {arg}, Map.of()).leaseCheckpoint());
  }

  @ParameterizedTest
  @CsvSource({
    "--initial-election-tick-advance=false, false",
    "--initial-election-tick-advance, true",
    "-initial-election-tick-advance=0, false",
  })
  void initialElectionTickAdvanceIsAGoBool(String arg, boolean expected) {
    assertEquals(expected, Flags.parse(new String[] {arg}, Map.of()).initialElectionTickAdvance());
    assertEquals(
        false,
        Flags.parse(new String[0], Map.of("ETCD_INITIAL_ELECTION_TICK_ADVANCE", "false"))
            .initialElectionTickAdvance());
  }

  @ParameterizedTest
  @CsvSource({"false, false", "0, false", "true, true", "T, true"})
  void strictReconfigCheckFromEnvironment(String value, boolean expected) {
    assertEquals(
        expected,
        Flags.parse(new String[0], Map.of("ETCD_STRICT_RECONFIG_CHECK", value))
            .strictReconfigCheck());
  }

  @Test
  void badStrictReconfigCheckIsRejectedAsEtcdDoes() {
    FlagException flag =
        assertThrows(
            FlagException.class,
            () -> Flags.parse(new String[] {"--strict-reconfig-check=x"}, Map.of()));
    assertEquals("invalid boolean value \"x\" for -strict-reconfig-check: parse error", flag.getMessage());
    assertEquals(2, flag.exitCode());
    FlagException env =
        assertThrows(
            FlagException.class,
            () -> Flags.parse(new String[0], Map.of("ETCD_STRICT_RECONFIG_CHECK", "x")));
    assertEquals("invalid value \"x\" for ETCD_STRICT_RECONFIG_CHECK: parse error", env.getMessage());
    assertEquals(1, env.exitCode());
    // A Go bool flag takes no separate value: the "false" is a stray argument.
    FlagException stray =
        assertThrows(
            FlagException.class,
            () -> Flags.parse(new String[] {"--strict-reconfig-check", "false"}, Map.of()));
    assertEquals("'false' is not a valid flag", stray.getMessage());
    assertEquals(1, stray.exitCode());
    FlagException both =
        assertThrows(
            FlagException.class,
            () ->
                Flags.parse(
                    new String[] {"--strict-reconfig-check=false"},
                    Map.of("ETCD_STRICT_RECONFIG_CHECK", "false")));
    assertEquals(1, both.exitCode());
  }
}
